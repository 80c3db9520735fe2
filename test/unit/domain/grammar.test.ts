/**
 * Issue 14 — the grammar table: messages as reps really send them (typos, voice-to-text, mixed punctuation, names
 * glued to verbs), and what each must mean. `null` customer = the customer the rep last worked on.
 * Messages no command fits get the closest one or two commands, never the whole list.
 */
import { parseCommand, type Command } from '../../../domain/commands';
import { suggestCommands } from '../../../domain/suggest';
import { parseChat } from '../../../domain/command-table';

type Expect = Partial<Command> & { kind: Command['kind'] };

const TABLE: [string, Expect][] = [
  // moving forward, with and without a stage
  ['推到谈判', { kind: 'move', customer: null, stage: '谈判' }],
  ['推到谈判阶段', { kind: 'move', customer: null, stage: '谈判' }],
  ['华夏 下一步', { kind: 'move_next', customer: '华夏' }],
  ['华夏医疗 推进', { kind: 'move_next', customer: '华夏医疗' }],
  ['华夏医疗推进。', { kind: 'move_next', customer: '华夏医疗' }],
  ['华夏医疗，推进到谈判', { kind: 'move', customer: '华夏医疗', stage: '谈判' }],
  ['华夏医疗,推进到5', { kind: 'move', customer: '华夏医疗', stage: '5' }],
  ['把华夏医疗推到谈判阶段', { kind: 'move', customer: '华夏医疗', stage: '谈判' }],
  ['帮我把华夏推进到下一阶段', { kind: 'move_next', customer: '华夏' }],
  ['请把东华推进到方案已提交吧', { kind: 'move', customer: '东华', stage: '方案已提交' }],
  ['华夏医疗 推进到 第五阶段', { kind: 'move', customer: '华夏医疗', stage: '第五' }],
  ['华夏医疗 推进到 五', { kind: 'move', customer: '华夏医疗', stage: '五' }],
  ['华夏医疗 推进 价格谈判', { kind: 'move', customer: '华夏医疗', stage: '价格谈判' }],
  ['hxyl 推进 4', { kind: 'move', customer: 'hxyl', stage: '4' }],
  ['hxyl下一步', { kind: 'move_next', customer: 'hxyl' }],
  ['东华下一步', { kind: 'move_next', customer: '东华' }],
  ['东华人民医院 进入下一阶段', { kind: 'move_next', customer: '东华人民医院' }],
  ['东华人民医院 往前推', { kind: 'move_next', customer: '东华人民医院' }],
  ['下一步', { kind: 'move_next', customer: null }],
  ['推进一下', { kind: 'move_next', customer: null }],
  ['南山中医院 → 合同待签署', { kind: 'move', customer: '南山中医院', stage: '合同待签署' }],
  ['南山中医院->6', { kind: 'move', customer: '南山中医院', stage: '6' }],
  ['南山中医院 到 谈判', { kind: 'move', customer: '南山中医院', stage: '谈判' }],
  ['南山中医院转到方案已提交', { kind: 'move', customer: '南山中医院', stage: '方案已提交' }],
  ['@销售助手 南山中医院 推进到 谈判', { kind: 'move', customer: '南山中医院', stage: '谈判' }],
  ['南山中医院　推进到　５', { kind: 'move', customer: '南山中医院', stage: '5' }],
  // moving back
  ['退回', { kind: 'move_back', customer: null, stage: null }],
  ['华夏 退回', { kind: 'move_back', customer: '华夏', stage: null }],
  ['华夏医疗退回到方案已提交', { kind: 'move_back', customer: '华夏医疗', stage: '方案已提交' }],
  ['华夏医疗 回退 3', { kind: 'move_back', customer: '华夏医疗', stage: '3' }],
  ['退回到产品演示', { kind: 'move_back', customer: null, stage: '产品演示' }],
  ['华夏医疗 退回上一步', { kind: 'move_back', customer: '华夏医疗', stage: null }],
  // outcomes (always need the name; 签约 asks for confirmation in the handler, 丢单 for a reason)
  ['华夏医疗签了', { kind: 'win', customer: '华夏医疗' }],
  ['华夏医疗 签约了！', { kind: 'win', customer: '华夏医疗' }],
  ['华夏医疗 拿下了', { kind: 'win', customer: '华夏医疗' }],
  ['华夏医疗 成交', { kind: 'win', customer: '华夏医疗' }],
  ['签约', { kind: 'incomplete', command: 'win', customer: null }],
  ['北辰体检中心 丢单 预算被砍了', { kind: 'lose', customer: '北辰体检中心', reason: '预算被砍了' }],
  ['北辰体检中心丢单，原因：选了竞品', { kind: 'lose', customer: '北辰体检中心', reason: '选了竞品' }],
  ['北辰体检中心 黄了', { kind: 'lose', customer: '北辰体检中心', reason: null }],
  // showing a customer
  ['华夏', { kind: 'name_only', customer: '华夏' }],
  ['华夏医疗。', { kind: 'name_only', customer: '华夏医疗' }],
  ['华夏医疗？', { kind: 'name_only', customer: '华夏医疗' }],
  ['查看华夏', { kind: 'show_customer', customer: '华夏' }],
  ['看看东华人民医院', { kind: 'show_customer', customer: '东华人民医院' }],
  ['华夏的状态', { kind: 'show_customer', customer: '华夏' }],
  ['华夏医疗进度', { kind: 'show_customer', customer: '华夏医疗' }],
  ['华夏医疗 情况怎么样', { kind: 'show_customer', customer: '华夏医疗' }],
  // other customer commands
  ['华夏医疗 留言 客户问：能不能分三期付款？', { kind: 'log_message', customer: '华夏医疗', content: '客户问：能不能分三期付款？' }],
  ['华夏医疗 上传', { kind: 'upload', customer: '华夏医疗' }],
  ['上传 南山中医院', { kind: 'upload', customer: '南山中医院' }],
  ['新客户：明德口腔，口腔', { kind: 'create_customer', name: '明德口腔', industry: '口腔' }],
  ['新建客户 海珠区第二人民医院 医院', { kind: 'create_customer', name: '海珠区第二人民医院', industry: '医院' }],
  ['华夏医疗 强推 5 原因 院长口头确认', { kind: 'override', customer: '华夏医疗', stage: '5', reason: '院长口头确认' }],
  // whole-message commands
  ['取消', { kind: 'cancel' }],
  ['算了', { kind: 'cancel' }],
  ['帮助', { kind: 'help' }],
  ['怎么用？', { kind: 'help' }],
  ['我的客户', { kind: 'list_customers' }],
  ['我有哪些客户', { kind: 'list_customers' }],
];

describe('the grammar table: what reps type, and what it means', () => {
  it('has at least 60 real-looking messages, each case different', () => {
    const all = TABLE.length + MY_WORK.length + VISITS.length + PAIN.length + MISSES.length;
    expect(all).toBeGreaterThanOrEqual(60);
    expect(new Set([...TABLE.map((r) => r[0]), ...MY_WORK.map((r) => r[0]), ...VISITS.map((r) => r[0]), ...MISSES.map((r) => r[0])]).size).toBe(all - PAIN.length);
  });

  it.each(TABLE)('%j', (text, expected) => {
    expect(parseCommand(text)).toMatchObject(expected);
  });
});

const MY_WORK: [string, string][] = [
  ['我的任务', 'my_tasks'], ['待办', 'my_tasks'], ['我的待办？', 'my_tasks'], ['代办', 'my_tasks'], ['今天的任务', 'my_tasks'],
  ['看看我的任务', 'my_tasks'], ['团队', 'team'], ['我的团队', 'team'], ['停滞', 'stalled'], ['停滞客户', 'stalled'], ['待评分', 'reviews_waiting'],
];
describe('my work phrasings (through the command table)', () => {
  it.each(MY_WORK)('%j → %s', (text, kind) => {
    expect(parseChat(text).kind).toBe(kind);
  });
});

const VISITS: [string, string | undefined][] = [
  ['拜访完了', undefined], ['华夏 拜访完了', '华夏'], ['华夏医疗拜访结束。', '华夏医疗'], ['刚拜访完', undefined], ['东华，拜访结束了', '东华'],
];
describe('visit phrasings', () => {
  it.each(VISITS)('%j', (text, customer) => {
    const c = parseChat(text);
    expect(c).toEqual({ kind: 'visit_ended', customer: customer ?? null });
  });
});

// Without a customer: the one last worked on (the bot's own hint says “回复‘填写痛点’逐项填写”).
const PAIN: [string, string | null][] = [
  ['东华，填写痛点', '东华'], ['东华 填写痛点。', '东华'], ['华夏医疗填写痛点', '华夏医疗'], ['华夏 写痛点', '华夏'],
  ['填写痛点', null], ['写痛点', null], ['填痛点', null], ['痛点记录', null],
];
describe('pain-point phrasings', () => {
  it.each(PAIN)('%j starts the guided form for %j', (text, customer) => {
    expect(parseChat(text)).toEqual({ kind: 'pain_point_start', customer });
  });
});

const ctx = {
  customers: ['华夏医疗', '东华人民医院', '南山中医院', '北辰体检中心'],
  stages: ['留资未触达', '首次电话沟通', '产品演示完成', '方案已提交', '价格谈判中', '合同待签署'],
  focus: { name: '华夏医疗', nextStage: '价格谈判中' },
};
const MISSES: [string, string][] = [
  ['华夏医疗推近谈判', '华夏医疗 推进 价格谈判中'],
  ['华夏医疗 推尽 价格谈判', '华夏医疗 推进 价格谈判中'],
  ['我今天要做什么', '我的任务'],
  ['看版', '看板'],
  ['东华人民医院 怎么样了 最近', '查看 东华人民医院'],
  ['南山中医院的报价发一下', '南山中医院 上传'],
  ['北辰体检中心 没戏了', '北辰体检中心 丢单 <原因>'],
  ['南山怎么样了', '查看 南山中医院'], // the beginning of a name is enough when it is one customer's
  ['北辰进展如何', '查看 北辰体检中心'],
];
describe('a greeting asks what the bot does', () => {
  it.each(['你好', '您好！', 'hi', '在吗？', '菜单'])('%j gets the help', (text) => {
    expect(parseChat(text).kind).toBe('help');
  });
});

describe('a miss gets the closest one or two commands, filled in', () => {
  it('with nothing to go on (small talk), never a move: the task list and a look at the customer in hand', () => {
    for (const text of ['嗯嗯', '好的收到']) {
      const s = suggestCommands(text, ctx);
      expect(s).toEqual(['我的任务', '查看 华夏医疗']);
    }
  });

  it('a name that only resembles a customer: a look at it, never a move', () => {
    const s = suggestCommands('明德口腔连锁', { ...ctx, customers: ['明德妇幼保健院'] });
    expect(s.some((x) => /下一步|推进|退回/.test(x))).toBe(false);
  });

  it('a name beginning that two customers share: that beginning (查看 then offers the choice), not the customer in hand', () => {
    expect(suggestCommands('东华怎么样', { ...ctx, customers: [...ctx.customers, '东华口腔'] })).toContain('查看 东华');
  });

  it.each(MISSES)('%j → 你是不是想：%s', (text, first) => {
    const parsed = parseCommand(text);
    if (parsed.kind !== 'unknown' && parsed.kind !== 'name_only') throw new Error(`parsed as ${parsed.kind}; not a miss`);
    const s = suggestCommands(text, ctx);
    expect(s.length).toBeGreaterThanOrEqual(1);
    expect(s.length).toBeLessThanOrEqual(2);
    expect(s).toContain(first);
  });
});
