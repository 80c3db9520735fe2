/**
 * Every chat command in one table (一张指令表): its words, its arguments, an example and its help line. The router
 * dispatches on the parsed kind (bot/router.ts `command(kind, …)`), the help text is generated from the table, and
 * which command wins when a message could be two is the table's `priority`, not the order handlers register in.
 * Pure: text in, a typed command out. Add phrasings by adding words or entries here (issue 14).
 *
 * The core grammar of customer commands (新客户, 推进, 签约, 丢单, 强制推进, 留言, 上传, 查看, 我的客户, 帮助) is parsed by
 * domain/commands.ts parseCommand; the objection grammar by domain/objections.ts parseObjectionCommand.
 */
import { parseCommand, type Command, type CommandKind } from './commands';
import { parseObjectionCommand } from './objections';
import { normalizeText } from './text-normalize';
import { TEXTS_ZH } from './texts.zh';

export type ChatCommand =
  | Exclude<Command, { kind: 'unknown' }>
  | { kind: 'dashboard' }
  | { kind: 'objection'; customer: string | null; content: string | null }
  /** `customer: null` = the customer the person last worked on (拜访完了). */
  | { kind: 'visit_ended'; customer: string | null }
  | { kind: 'hand_over'; customer: string; to: string }
  | { kind: 'pain_point_start'; customer: string | null }
  | { kind: 'pain_point_form'; text: string }
  /** Material packs and external contacts (issue 13): `<客户> 资料包`, `绑定 <客户>`, `绑定 新客户 <名称> [行业]`. */
  | { kind: 'send_pack'; customer: string }
  | { kind: 'bind_contact'; customer: string | null; create: { name: string; industry: string | null } | null }
  /** My work (我的任务/待办) and, for supervisors, 团队, 停滞, 待评分. */
  | { kind: 'my_tasks' }
  | { kind: 'team' }
  | { kind: 'stalled' }
  | { kind: 'reviews_waiting' }
  | { kind: 'unknown'; text: string };

export type ChatCommandKind = ChatCommand['kind'];
export type ChatCommandOf<K extends ChatCommandKind> = Extract<ChatCommand, { kind: K }>;

export interface CommandEntry {
  /** The kinds this entry parses to (a grammar entry may yield several, e.g. the core grammar). */
  kinds: readonly ChatCommandKind[];
  /** Words that mark the command (for documentation, help and new phrasings). */
  words: readonly string[];
  /** The arguments, in the help's notation. */
  args: string;
  /** Help lines (zh-CN, from the catalogue), each with an example after 例：. */
  help: readonly string[];
  /** Lower is tried first when a message could match several entries. */
  priority: number;
  /** The command, or null when the message is not this one. */
  parse(text: string): ChatCommand | null;
}

const PAIN_POINT_START = /^(?:(.+?)\s*)??(?:填写痛点|痛点记录|填痛点|写痛点)$/;
const PAIN_POINT_LABELS = [/担忧|焦虑|顾虑|痛点|担心/, /承诺|交付物|答应/, /下次联系|下次沟通|回访|下次跟进/];
const DASHBOARD = /^(?:看板|仪表盘|数据看板|流程看板|健康看板|热力图)$/;
/** `<客户> 拜访结束` and how reps say it (拜访完了, 刚拜访完, 见完客户了); without a name: the customer last worked on. */
export const VISIT_ENDED = /^(?:(.+?)\s*)?(?:拜访结束了?|拜访完成了?|拜访完毕|结束拜访|拜访完了|刚拜访完|见完客户了?)$/;
const PACK_AFTER = /^(.+?)\s*(?:资料包|发资料包|发送资料包|发资料)$/;
const PACK_BEFORE = /^(?:资料包|发资料包|发送资料包|发资料)\s*:?\s*(.+)$/;
const BIND_NEW = /^绑定\s*:?\s*(?:新客户|新建客户)\s*:?\s*(.+)$/;
const BIND = /^绑定\s*:?\s*(.+)$/;
/** My-work phrasings, whole message only (after normalising punctuation and a polite 请/帮我看看 around them). */
export const MY_WORK_COMMANDS: { kind: 'my_tasks' | 'team' | 'stalled' | 'reviews_waiting'; re: RegExp }[] = [
  { kind: 'my_tasks', re: /^(?:我的)?(?:任务|待办|待办事项|代办|任务列表|今日任务|今天的任务|今天任务)$/ },
  { kind: 'team', re: /^(?:我的)?团队(?:客户|情况|概况)?$/ },
  { kind: 'stalled', re: /^(?:团队)?(?:停滞|停滞客户|卡住的客户|超期客户)$/ },
  { kind: 'reviews_waiting', re: /^(?:待评分|待打分|我的评分|待质检|待我评分)$/ },
];

/** Which my-work view a message asks for, or null. */
export function parseMyWork(text: string): 'my_tasks' | 'team' | 'stalled' | 'reviews_waiting' | null {
  const t = normalizeText(text).replace(/^(?:请|帮我)?(?:看看|看下|看一下|查看|查一下|查下|列出)?\s*/, '').replace(/[\s.?!。？！~]+$/, '').replace(/\s+/g, '');
  return MY_WORK_COMMANDS.find((c) => c.re.test(t))?.kind ?? null;
}
const HAND_OVER = /^(.+?)\s*(?:转给|转交给|移交给|交给)\s*(.+)$/;

/** A pain-point record typed as labelled lines: at least two of the three parts are labelled. */
export function looksLikePainPointForm(text: string): boolean {
  return PAIN_POINT_LABELS.filter((re) => re.test(text)).length >= 2 && text.includes('\n');
}

const withoutEndPunctuation = (text: string) => normalizeText(text).replace(/[。！!]+$/, '').trim();
const U = TEXTS_ZH.usage;
const H = TEXTS_ZH.helpLines;

export const COMMANDS: readonly CommandEntry[] = [
  {
    kinds: ['create_customer', 'move', 'move_next', 'move_back', 'win', 'lose', 'override', 'log_message', 'upload', 'show_customer',
      'list_customers', 'help', 'cancel', 'name_only', 'incomplete'],
    // The phrasings are the VERBS table of domain/commands.ts (推到, 下一步, 退回, 签单, …); these are the main ones.
    words: ['新客户', '推进', '推到', '→', '下一步', '退回', '签约', '赢单', '成交', '丢单', '强制推进', '强推', '留言', '上传', '查看', '状态', '我的客户', '帮助', '取消'],
    args: '<客户> <动词> [阶段/原因/内容]',
    help: [H.create_customer, H.move, H.move_next, H.win, H.lose, H.override, H.log_message, H.upload],
    priority: 50,
    parse(text) {
      const c = parseCommand(text);
      return c.kind === 'unknown' ? null : c;
    },
  },
  {
    kinds: ['pain_point_start', 'pain_point_form'],
    words: ['填写痛点', '痛点记录', '填痛点', '写痛点', '担忧', '承诺', '下次联系'],
    args: '[客户]',
    help: [H.pain_point],
    priority: 10,
    parse(text) {
      const t = text.trim();
      const start = PAIN_POINT_START.exec(normalizeText(t));
      // 东华，填写痛点 — a comma (or a colon) after the name is fine.
      if (start) return { kind: 'pain_point_start', customer: start[1]?.replace(/[\s,，、;；:：]+$/, '').trim() || null };
      return looksLikePainPointForm(t) ? { kind: 'pain_point_form', text: t } : null;
    },
  },
  {
    kinds: ['send_pack', 'bind_contact'],
    words: ['资料包', '发资料包', '发送资料包', '发资料', '绑定'],
    args: '<客户>',
    help: [H.send_pack, H.bind_contact],
    // Before the core grammar, but only when it reads no verb in the message ("华夏医疗 留言 请发资料" is a log).
    priority: 45,
    parse(text) {
      const t = withoutEndPunctuation(text);
      if (!['unknown', 'name_only'].includes(parseCommand(t).kind)) return null;
      const p = PACK_AFTER.exec(t) ?? PACK_BEFORE.exec(t);
      if (p) return { kind: 'send_pack', customer: p[1]!.trim() };
      const created = BIND_NEW.exec(t);
      if (created) {
        const words = created[1]!.trim().split(' ');
        const [name, industry] = words.length > 1 ? [words.slice(0, -1).join(' '), words[words.length - 1]!] : [words[0]!, null];
        return { kind: 'bind_contact', customer: null, create: { name, industry } };
      }
      const bind = BIND.exec(t);
      return bind ? { kind: 'bind_contact', customer: bind[1]!.trim(), create: null } : null;
    },
  },
  {
    kinds: ['my_tasks', 'team', 'stalled', 'reviews_waiting'],
    words: ['我的任务', '待办', '团队', '停滞', '待评分'],
    args: '',
    help: [H.my_work],
    // Before the core grammar: 待办 alone would otherwise be a customer's name.
    priority: 15,
    parse(text) {
      const kind = parseMyWork(text);
      return kind ? { kind } : null;
    },
  },
  {
    kinds: ['visit_ended'],
    words: ['拜访结束', '拜访完成', '拜访完毕', '结束拜访', '拜访完了', '刚拜访完'],
    args: '[客户]',
    help: [H.visit_ended],
    priority: 40,
    parse(text) {
      const m = VISIT_ENDED.exec(withoutEndPunctuation(text).replace(/[~]+$/, '').replace(/^(?:我)?(?:跟|和|去)?/, '').trim());
      if (!m) return null;
      const name = m[1]?.replace(/[\s,;:、]+$/, '').replace(/^(?:客户)/, '').trim();
      return { kind: 'visit_ended', customer: name || null };
    },
  },
  {
    kinds: ['objection'],
    words: ['异议'],
    args: '<客户> <内容>',
    help: [H.objection],
    priority: 30,
    parse(text) {
      const c = parseObjectionCommand(text);
      if (!c) return null;
      return c.kind === 'objection' ? { kind: 'objection', customer: c.customer, content: c.content } : { kind: 'objection', customer: c.customer, content: null };
    },
  },
  {
    kinds: ['dashboard'],
    words: ['看板', '仪表盘', '数据看板', '流程看板', '健康看板', '热力图'],
    args: '',
    help: [H.dashboard],
    priority: 20,
    parse: (text) => (DASHBOARD.test(normalizeText(text)) ? { kind: 'dashboard' } : null),
  },
  {
    kinds: ['hand_over'],
    words: ['转给', '转交给', '移交给', '交给'],
    args: '<客户> <同事>',
    help: [H.hand_over],
    // After the core grammar: "<客户> 留言 …交给法务…" is a logged message that happens to contain 交给.
    priority: 60,
    parse(text) {
      const m = HAND_OVER.exec(withoutEndPunctuation(text));
      const to = m?.[2]?.trim() ?? '';
      if (!m || !to || to.length > 20 || /\s/.test(to)) return null;
      return { kind: 'hand_over', customer: m[1]!.trim(), to };
    },
  },
  {
    kinds: [],
    words: [],
    args: '',
    help: [H.show_customer, H.list_customers, H.cancel, H.help],
    priority: 1000,
    parse: () => null,
  },
];

const BY_PRIORITY = [...COMMANDS].sort((a, b) => a.priority - b.priority);

/**
 * The commands that run even while a guided form or a review's comment window waits for an answer: no one answers
 * “现场承诺了哪些交付物？” with 我的任务. Of help and the customer list, only the plain words (使用说明 may well be a
 * deliverable, 客户 an answer).
 */
const WHOLE_MESSAGE_WORDS = /^(?:帮助|help|菜单|我的客户|客户列表)$/i;
/** Kinds whose every phrasing is a command word (待打分, 今日任务, 数据看板…), never an answer. */
const WHOLE_MESSAGE_KINDS: ReadonlySet<ChatCommandKind> = new Set<ChatCommandKind>(['my_tasks', 'team', 'stalled', 'reviews_waiting', 'dashboard']);

/** Whether `text` (parsed as `command`) is one of those (end punctuation aside). */
export function isWholeMessageCommand(text: string, command: ChatCommand): boolean {
  return WHOLE_MESSAGE_KINDS.has(command.kind) || WHOLE_MESSAGE_WORDS.test(withoutEndPunctuation(text));
}

/** Parses one chat message with the whole table. Never throws; anything unrecognised is `{ kind: 'unknown' }`. */
export function parseChat(text: string): ChatCommand {
  for (const entry of BY_PRIORITY) {
    const c = entry.parse(text);
    if (c) return c;
  }
  return { kind: 'unknown', text };
}

/** The command list every help answer shows, generated from the table (in the table's order). */
export const HELP_TEXT = [H.title, ...COMMANDS.flatMap((e) => e.help).map((line) => `• ${line}`)].join('\n');

/** The usage line of a core command, for an incomplete one. */
export const usageOf = (kind: CommandKind): string => U[kind];
