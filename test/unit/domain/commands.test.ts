import { parseCommand, type Command } from '../../../domain/commands';
import { TEXTS_ZH } from '../../../domain/texts.zh';
import { COMMANDS, HELP_TEXT, isWholeMessageCommand, parseChat } from '../../../domain/command-table';

const cases: [string, Command][] = [
  // help and lists
  ['帮助', { kind: 'help' }],
  ['HELP', { kind: 'help' }],
  ['？', { kind: 'help' }],
  ['  帮助。', { kind: 'help' }],
  ['我的客户', { kind: 'list_customers' }],
  ['@销售助手 我的客户', { kind: 'list_customers' }],
  // create
  ['新客户 华夏医疗 医疗', { kind: 'create_customer', name: '华夏医疗', industry: '医疗' }],
  ['新客户 华夏医疗', { kind: 'create_customer', name: '华夏医疗', industry: null }],
  ['新客户：华夏医疗，医疗器械', { kind: 'create_customer', name: '华夏医疗', industry: '医疗器械' }],
  ['新客户华夏医疗 行业：医疗', { kind: 'create_customer', name: '华夏医疗', industry: '医疗' }],
  ['新客户', { kind: 'incomplete', command: 'create_customer', customer: null, missing: 'name' }],
  // moves
  ['华夏医疗 推进 价格谈判中', { kind: 'move', customer: '华夏医疗', stage: '价格谈判中' }],
  ['华夏医疗  推进到   5', { kind: 'move', customer: '华夏医疗', stage: '5' }],
  ['华夏医疗　推进　５。', { kind: 'move', customer: '华夏医疗', stage: '5' }],
  ['华夏医疗推进到谈判', { kind: 'move', customer: '华夏医疗', stage: '谈判' }],
  ['华夏医疗 推进 到 方案已提交', { kind: 'move', customer: '华夏医疗', stage: '方案已提交' }],
  ['华夏医疗→价格谈判中', { kind: 'move', customer: '华夏医疗', stage: '价格谈判中' }],
  ['华夏医疗 -> 5', { kind: 'move', customer: '华夏医疗', stage: '5' }],
  ['华夏医疗=>demo_done', { kind: 'move', customer: '华夏医疗', stage: 'demo_done' }],
  ['华夏医疗－＞４', { kind: 'move', customer: '华夏医疗', stage: '4' }],
  ['华夏医疗 到 合同待签署', { kind: 'move', customer: '华夏医疗', stage: '合同待签署' }],
  ['到家科技 推进 2', { kind: 'move', customer: '到家科技', stage: '2' }],
  ['华成交通 → 3', { kind: 'move', customer: '华成交通', stage: '3' }],
  ['Apple China 推进 first_call', { kind: 'move', customer: 'Apple China', stage: 'first_call' }],
  ['hxyl 推进 5', { kind: 'move', customer: 'hxyl', stage: '5' }],
  ['华夏医疗 推进', { kind: 'move_next', customer: '华夏医疗' }], // no stage: one stage forward
  // outcomes
  ['华夏医疗 签约', { kind: 'win', customer: '华夏医疗', note: null }],
  ['华夏医疗赢单！', { kind: 'win', customer: '华夏医疗', note: null }],
  ['华夏医疗 成交', { kind: 'win', customer: '华夏医疗', note: null }],
  ['华夏医疗签约了', { kind: 'win', customer: '华夏医疗', note: null }],
  ['华夏医疗 丢单 预算被砍', { kind: 'lose', customer: '华夏医疗', reason: '预算被砍' }],
  ['华夏医疗 丢单，原因：选了竞品', { kind: 'lose', customer: '华夏医疗', reason: '选了竞品' }],
  ['华夏医疗丢单', { kind: 'lose', customer: '华夏医疗', reason: null }],
  // override
  ['华夏医疗 强制推进 5 原因 客户已口头确认报价', { kind: 'override', customer: '华夏医疗', stage: '5', reason: '客户已口头确认报价' }],
  ['华夏医疗 强推 价格谈判中，原因：老板特批', { kind: 'override', customer: '华夏医疗', stage: '价格谈判中', reason: '老板特批' }],
  ['华夏医疗强推到5 理由:急单', { kind: 'override', customer: '华夏医疗', stage: '5', reason: '急单' }],
  ['华夏医疗 强推 5', { kind: 'incomplete', command: 'override', customer: '华夏医疗', missing: 'reason' }],
  // messages, show, upload
  ['华夏医疗 留言 客户问能否推进到下周签', { kind: 'log_message', customer: '华夏医疗', content: '客户问能否推进到下周签' }],
  ['华夏医疗留言：价格太高了，要再谈。', { kind: 'log_message', customer: '华夏医疗', content: '价格太高了，要再谈。' }],
  ['华夏医疗 留言\n1. 价格高\n2. 运维响应慢', { kind: 'log_message', customer: '华夏医疗', content: '1. 价格高\n2. 运维响应慢' }],
  ['华夏医疗 留言', { kind: 'incomplete', command: 'log_message', customer: '华夏医疗', missing: 'content' }],
  ['查看 华夏医疗', { kind: 'show_customer', customer: '华夏医疗' }],
  ['查看华夏医疗', { kind: 'show_customer', customer: '华夏医疗' }],
  ['华夏医疗 状态？', { kind: 'show_customer', customer: '华夏医疗' }],
  ['华夏医疗 上传', { kind: 'upload', customer: '华夏医疗', note: null }],
  ['上传 华夏医疗', { kind: 'upload', customer: '华夏医疗', note: null }],
  ['「华夏医疗」 上传 报价单', { kind: 'upload', customer: '华夏医疗', note: '报价单' }],
];

describe('parseCommand', () => {
  it.each(cases)('parses %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each(['', '   ', '今天客户说价格太贵了，我们是不是应该再降一点？'])('does not recognise %j', (text) => {
    expect(parseCommand(text).kind).toBe('unknown');
  });

  it('a message with only a name may be a customer (the handler shows it, or suggests commands when it is not one)', () => {
    expect(parseCommand('华夏医疗')).toEqual({ kind: 'name_only', customer: '华夏医疗' });
  });

  it('a bare arrow with no stage after it asks for the stage, it does not move', () => {
    expect(parseCommand('华夏医疗 →')).toEqual({ kind: 'incomplete', command: 'move', customer: '华夏医疗', missing: 'stage' });
    expect(parseCommand('华夏医疗 推进')).toEqual({ kind: 'move_next', customer: '华夏医疗' }); // 推进 alone: the next stage
  });

  it('verb first, then the customer and the stage', () => {
    expect(parseCommand('推进 华夏医疗 到 合同')).toEqual({ kind: 'move', customer: '华夏医疗', stage: '合同' });
    expect(parseCommand('推到 华夏 → 5')).toEqual({ kind: 'move', customer: '华夏', stage: '5' });
  });

  it('a move without a customer means the customer last worked on (the handler knows it)', () => {
    expect(parseCommand('推进 5')).toEqual({ kind: 'move', customer: null, stage: '5' });
    expect(parseCommand('推进到谈判')).toEqual({ kind: 'move', customer: null, stage: '谈判' });
  });
});

describe('help text', () => {
  it.each(['新客户', '推进', '→', '签约', '丢单', '强制推进', '留言', '上传', '查看', '我的客户', '帮助'])('mentions %s with an example', (word) => {
    const line = HELP_TEXT.split('\n').find((l) => l.includes(word));
    expect(line).toBeDefined();
    expect(line).toContain('例');
  });

  it('has a usage line for every command kind, each with an example of that very kind', () => {
    for (const [kind, line] of Object.entries(TEXTS_ZH.usage)) {
      const example = /例：([^（\n]+)/.exec(line)?.[1].trim() ?? '';
      expect([kind, parseCommand(example).kind]).toEqual([kind, kind]);
    }
  });

  it('has examples that parse to a command', () => {
    const examples = [...HELP_TEXT.matchAll(/例：([^（\n]+)/g)].map((m) => m[1].trim());
    expect(examples.length).toBeGreaterThanOrEqual(9);
    for (const example of examples) expect(parseChat(example).kind).not.toMatch(/unknown|incomplete/);
  });

  it('is generated from the one command table: each entry’s example parses to one of that entry’s kinds', () => {
    for (const entry of COMMANDS) {
      for (const line of entry.help) {
        const example = /例：([^（\n]+)/.exec(line)?.[1].trim();
        expect(HELP_TEXT).toContain(line);
        if (example && entry.kinds.length) expect(entry.kinds).toContain(parseChat(example).kind);
      }
    }
  });
});

describe('commands that are never an answer (they run while a form or comment window waits)', () => {
  it.each(['我的任务', '待办', '今日任务', '团队', '停滞', '待评分', '待打分', '待质检', '看板', '数据看板', '帮助', '菜单', '我的客户'])('%j runs as a command', (text) => {
    expect(isWholeMessageCommand(text, parseChat(text))).toBe(true);
  });
  it.each(['使用说明', '说明', '客户', '你好', '周五前发方案', '华夏医疗'])('%j may be an answer', (text) => {
    expect(isWholeMessageCommand(text, parseChat(text))).toBe(false);
  });
});
