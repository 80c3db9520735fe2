/**
 * The chat command grammar: a rep's text message → a typed command. Pure and lenient, for what reps really type on a
 * phone or dictate: full-width characters, extra or missing spaces, Chinese punctuation (华夏医疗，推进到谈判), a
 * trailing 。, a leading @mention or 请/帮我/把, voice-style endings (…阶段, …吧, …了). Customer and stage stay as
 * typed; the handler resolves them (matchCustomers, resolveStage) so it can ask when they are ambiguous.
 *
 * The phrasings are one data table (VERBS): each row is a verb, the words that say it, and whether a word may be
 * glued to the customer's name (华夏医疗推进到5) or must stand alone (到, →: too common inside names like 到家科技).
 * A verb without a customer (推到谈判, 退回, 下一步) means the customer the person last worked on (the handler
 * knows it); a customer without a verb (华夏) means "show me"; 推进 without a stage means one stage forward.
 */
import { normalizeText } from './text-normalize';

export type Command =
  | { kind: 'help' }
  | { kind: 'list_customers' }
  | { kind: 'cancel' }
  | { kind: 'create_customer'; name: string; industry: string | null }
  | { kind: 'show_customer'; customer: string }
  /** `customer: null` = the customer the person last worked on. */
  | { kind: 'move'; customer: string | null; stage: string }
  /** One stage forward (下一步, 推进 without a stage). */
  | { kind: 'move_next'; customer: string | null }
  /** Back to `stage`, or one stage back when null (退回). */
  | { kind: 'move_back'; customer: string | null; stage: string | null }
  | { kind: 'win'; customer: string; note: string | null }
  | { kind: 'lose'; customer: string; reason: string | null }
  | { kind: 'override'; customer: string; stage: string; reason: string }
  | { kind: 'log_message'; customer: string; content: string }
  | { kind: 'upload'; customer: string; note: string | null }
  /** Only a name, nothing else: shown when it is a customer, answered with suggestions otherwise. */
  | { kind: 'name_only'; customer: string }
  /** A known command missing a required part; the handler replies with TEXTS_ZH.usage[command]. */
  | { kind: 'incomplete'; command: CommandKind; customer: string | null; missing: 'name' | 'customer' | 'stage' | 'reason' | 'content' }
  | { kind: 'unknown'; text: string };

export type CommandKind = Exclude<Command['kind'], 'incomplete' | 'unknown' | 'name_only' | 'cancel' | 'move_next' | 'move_back'>;

export type Verb = 'move' | 'move_next' | 'move_back' | 'override' | 'lose' | 'win' | 'log_message' | 'show_customer' | 'upload';

export interface VerbRow {
  verb: Verb;
  /** The words, longest first where one contains another. */
  words: string[];
  /** May be glued to the name (华夏医疗推进到5); false = a separate word only. */
  glue: boolean;
}

/** Every phrasing of every customer verb. Order matters only between rows whose words overlap (longer first). */
export const VERBS: VerbRow[] = [
  { verb: 'override', words: ['强制推进到', '强制推进', '强推到', '强推'], glue: true },
  { verb: 'move_back', words: ['退回到', '退回至', '回退到', '退回', '回退', '退到'], glue: true },
  { verb: 'move_next', words: ['推进下一步', '推到下一步', '进入下一阶段', '推到下一阶段', '推进到下一阶段', '下一阶段', '下个阶段', '下一步', '往前推', '推一步'], glue: true },
  { verb: 'move', words: ['推进到', '推进至', '推进', '推到', '推至', '转到', '转入', '进入'], glue: true },
  { verb: 'lose', words: ['丢单', '输单', '丢了', '黄了'], glue: true },
  { verb: 'win', words: ['签约', '赢单', '签单', '签了', '拿下了'], glue: true },
  { verb: 'log_message', words: ['留言'], glue: true },
  { verb: 'show_customer', words: ['状态', '详情', '进度', '情况'], glue: true },
  { verb: 'upload', words: ['上传'], glue: true },
  { verb: 'move', words: ['→', '到', '至'], glue: false },
  { verb: 'win', words: ['成交'], glue: false },
];

/** Whole-message commands (after normalising). */
export const WHOLE: { kind: 'help' | 'list_customers' | 'cancel'; re: RegExp }[] = [
  // A greeting is a way of asking what the bot does: it gets the help, which starts with one.
  { kind: 'help', re: /^(?:帮助|help|\?|菜单|指令|命令|怎么用|用法|说明|使用说明|你好|您好|你好呀|hi|hello|嗨|在吗|在不在)$/i },
  { kind: 'list_customers', re: /^(?:我的客户|客户列表|我的客户列表|我有哪些客户|客户)$/ },
  { kind: 'cancel', re: /^(?:取消|算了|不用了|退出|结束)$/ },
];

const CREATE = /^(?:新客户|新建客户|新增客户|添加客户|加个客户|新建)\s*:?\s*(.*)$/;
const SHOW = /^(?:查看|查询|看看|看一下|查(?=[\s:]))\s*:?\s*(.+)$/;
const UPLOAD_FIRST = /^上传(?:\s|:)\s*:?\s*(.+)$/;
/** Polite or dictated lead-ins: 请, 帮我, 麻烦, 把/将 (把华夏医疗推到谈判). */
const LEAD_IN = /^(?:(?:请|麻烦|帮我|帮忙|给我)\s*)*(?:把|将)?\s*/;
/** Dictated endings after a stage: 阶段, 吧, 了, 哈, 一下. */
const STAGE_TAIL = /\s*(?:阶段|这一步|那一步)?\s*(?:吧|了|哈|啊|呀|一下)*$/;
/** A stage that says "the next one". */
const NEXT_STAGE = /^(?:下一步|下一阶段|下个阶段|下一个阶段|下一个)$/;

/** Strips quotes, brackets and separators a rep may put around a name or a value. */
function clean(s: string): string {
  return s
    .replace(/^[\s:,;、"'“”‘’「」『』【】《》()[\]]+/, '')
    .replace(/[\s:,;、"'“”‘’「」『』【】《》()[\]]+$/, '')
    .trim();
}

/** A customer name as typed: cleaned, a trailing 的 or 客户 dropped (华夏的状态 → 华夏). */
function cleanCustomer(s: string): string {
  return clean(clean(s).replace(/^客户\s*/, '').replace(/(?:的|这个客户|客户)$/, ''));
}

function cleanStage(s: string): string {
  return clean(clean(s).replace(STAGE_TAIL, ''));
}

interface Split {
  customer: string;
  verb: Verb;
  rest: string;
  /** The verb was a word standing alone (→, 到, 至), not one like 推进. */
  bare?: boolean;
}

const glued = VERBS.filter((r) => r.glue).flatMap((r) => r.words.map((w) => [w, r.verb] as [string, Verb]))
  .sort((a, b) => b[0].length - a[0].length);
const standalone = new Map(VERBS.filter((r) => !r.glue).flatMap((r) => r.words.map((w) => [w, r.verb] as [string, Verb])));

/** Finds the first verb: a word on its own or at a word's start, or glued inside a word after the name. */
function splitOnVerb(text: string): Split | null {
  const tokens = text.split(' ');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!.replace(/:$/, '');
    const before = tokens.slice(0, i).join(' ');
    const after = tokens.slice(i + 1).join(' ');
    if (i > 0) {
      const alone = standalone.get(token);
      if (alone) return { customer: before, verb: alone, rest: after, bare: true };
    }
    const lead = glued.find(([word]) => tokens[i]!.startsWith(word));
    if (lead) {
      // A first word that only starts like a verb (强推甲 强制推进 5 …, a customer named 强推甲) is the name when a
      // verb follows it; 推到谈判 alone stays a move of the customer last worked on.
      const alt = i === 0 && tokens[0]!.length > lead[0].length && after ? splitOnVerb(after) : null;
      if (alt) return { ...alt, customer: [tokens[0]!, alt.customer].filter(Boolean).join(' ') };
      return { customer: before, verb: lead[1], rest: `${tokens[i]!.slice(lead[0].length)} ${after}` };
    }
    let best: { at: number; word: string; verb: Verb } | null = null;
    for (const [word, verb] of glued) {
      const at = tokens[i]!.indexOf(word, 1);
      if (at > 0 && (!best || at < best.at)) best = { at, word, verb };
    }
    if (best) {
      const customer = [before, tokens[i]!.slice(0, best.at)].filter(Boolean).join(' ');
      return { customer, verb: best.verb, rest: `${tokens[i]!.slice(best.at + best.word.length)} ${after}` };
    }
  }
  return null;
}

/** `5 原因 客户已确认`, `5，理由：…`, `5 客户已确认` → stage + reason. */
function splitStageAndReason(rest: string): { stage: string; reason: string } {
  const keyword = /^(.*?)\s*(?:原因|理由)\s*:?\s*(.*)$/.exec(rest);
  if (keyword && clean(keyword[1]!)) return { stage: cleanStage(keyword[1]!), reason: clean(keyword[2]!) };
  const comma = /^([^,;]+)[,;](.*)$/.exec(rest);
  if (comma) return { stage: cleanStage(comma[1]!), reason: clean(comma[2]!) };
  const [stage, ...words] = rest.split(' ');
  return { stage: cleanStage(stage ?? ''), reason: clean(words.join(' ')) };
}

function parseCreate(rest: string): Command {
  const body = clean(rest.replace(/^(?:名称|客户名称|名字)\s*:?\s*/, ''));
  if (!body) return { kind: 'incomplete', command: 'create_customer', customer: null, missing: 'name' };
  const tagged = /^(.*?)\s*,?\s*行业\s*:?\s*(.+)$/.exec(body);
  if (tagged && clean(tagged[1]!)) return { kind: 'create_customer', name: clean(tagged[1]!), industry: clean(tagged[2]!) || null };
  const comma = /^([^,;、]+)[,;、](.+)$/.exec(body);
  if (comma) return { kind: 'create_customer', name: clean(comma[1]!), industry: clean(comma[2]!) || null };
  const words = body.split(' ');
  if (words.length === 1) return { kind: 'create_customer', name: body, industry: null };
  return { kind: 'create_customer', name: clean(words.slice(0, -1).join(' ')), industry: clean(words[words.length - 1]!) };
}

function fromVerb({ customer: rawCustomer, verb, rest: rawRest, bare }: Split): Command {
  const customer = cleanCustomer(rawCustomer);
  const rest = clean(rawRest);
  const target = cleanStage(rest.replace(/^(?:到|至|→)\s*(?=\S)/, ''));
  // Moves may leave the customer out (the one last worked on); outcomes, overrides and logs may not.
  const who = customer || null;
  switch (verb) {
    case 'move': {
      // Verb first, then the customer and the stage: 推进 华夏医疗 到 合同.
      const both = who ? null : /^(.+?)\s+(?:到|至|→|推进到|推到)\s+(.+)$/.exec(rest);
      if (both && cleanCustomer(both[1]!) && cleanStage(both[2]!)) return { kind: 'move', customer: cleanCustomer(both[1]!), stage: cleanStage(both[2]!) };
      // 华夏医疗 → with nothing after it is more likely cut short than “the next stage”: ask which stage.
      if (!target && bare) return { kind: 'incomplete', command: 'move', customer: who, missing: 'stage' };
      if (!target || /^(?:一下|一步)$/.test(target)) return { kind: 'move_next', customer: who };
      if (NEXT_STAGE.test(target)) return { kind: 'move_next', customer: who };
      return { kind: 'move', customer: who, stage: target };
    }
    case 'move_next':
      return { kind: 'move_next', customer: who };
    case 'move_back':
      return { kind: 'move_back', customer: who, stage: target && !/^(?:一步|上一步|上一阶段)$/.test(target) ? target : null };
    case 'override': {
      if (!customer) return { kind: 'incomplete', command: 'override', customer: null, missing: 'customer' };
      if (!target) return { kind: 'incomplete', command: 'override', customer, missing: 'stage' };
      const { stage, reason } = splitStageAndReason(rest.replace(/^(?:到|至|→)\s*(?=\S)/, ''));
      return reason ? { kind: 'override', customer, stage, reason } : { kind: 'incomplete', command: 'override', customer, missing: 'reason' };
    }
    case 'lose':
      if (!customer) return { kind: 'incomplete', command: 'lose', customer: null, missing: 'customer' };
      return { kind: 'lose', customer, reason: clean(rest.replace(/^(?:原因|理由)\s*:?/, '')) || null };
    case 'win':
      if (!customer) return { kind: 'incomplete', command: 'win', customer: null, missing: 'customer' };
      return { kind: 'win', customer, note: rest.replace(/^(?:了|啦|咯|喽)$/, '') || null };
    case 'log_message':
      if (!customer) return { kind: 'incomplete', command: 'log_message', customer: null, missing: 'customer' };
      return rest ? { kind: 'log_message', customer, content: rest } : { kind: 'incomplete', command: 'log_message', customer, missing: 'content' };
    case 'show_customer':
      return customer ? { kind: 'show_customer', customer } : { kind: 'incomplete', command: 'show_customer', customer: null, missing: 'customer' };
    case 'upload':
      return customer ? { kind: 'upload', customer, note: rest || null } : { kind: 'incomplete', command: 'upload', customer: null, missing: 'customer' };
  }
}

/** A text that could be only a customer's name: short, one or two words, no sentence punctuation. */
function nameOnly(text: string): string | null {
  const t = cleanCustomer(text);
  if (!t || [...t].length > 20 || t.split(' ').length > 2 || /[?？!！。,，;；:：]/.test(t)) return null;
  return t;
}

/** Parses one chat message. Never throws; anything unrecognised is `{ kind: 'unknown' }`. */
export function parseCommand(message: string): Command {
  const base = normalizeText(message).replace(/^(?:@\S+\s*)+/, '').trim();
  if (!base) return { kind: 'unknown', text: message };
  const bare = base.replace(/[?？]+$/, '').trim();
  for (const w of WHOLE) if (w.re.test(base) || (bare && w.re.test(bare))) return { kind: w.kind };

  const create = CREATE.exec(base);
  if (create) return parseCreate(create[1]!);
  const text = base.replace(LEAD_IN, '').replace(/[?？]+$/, '').trim();
  const show = SHOW.exec(text);
  if (show && cleanCustomer(show[1]!)) return { kind: 'show_customer', customer: cleanCustomer(show[1]!) };
  const upload = UPLOAD_FIRST.exec(text);
  if (upload && clean(upload[1]!)) return { kind: 'upload', customer: cleanCustomer(upload[1]!), note: null };

  // A comma right after the name separates it from the verb: 华夏医疗，推进到谈判.
  const split = splitOnVerb(text.replace(/^([^,;\s]{1,20})[,;]\s*/, '$1 '));
  if (!split) {
    const name = nameOnly(text);
    return name ? { kind: 'name_only', customer: name } : { kind: 'unknown', text: message };
  }
  const command = fromVerb(split);
  return command.kind === 'log_message' ? { ...command, content: verbatimContent(message) ?? command.content } : command;
}

/** A logged customer message is kept as the rep pasted it (punctuation, line breaks), not normalised. */
function verbatimContent(message: string): string | null {
  const at = message.indexOf('留言');
  if (at < 0) return null;
  const content = message.slice(at + 2).replace(/^[\s:：,，]+/, '').trim();
  return content || null;
}
