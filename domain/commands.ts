/**
 * The chat command grammar: a rep's text message → a typed command. Pure and lenient: full-width
 * characters, extra or missing spaces, Chinese punctuation, a trailing 。 and a leading @mention
 * are all tolerated. Customer and stage stay as typed; the handler resolves them (matchCustomers,
 * resolveStage) so it can ask when they are ambiguous.
 *
 * Grammar (see TEXTS_ZH.help for the zh-CN version):
 *   帮助 | help | ? | 菜单                       → help
 *   我的客户 | 客户列表                           → list_customers
 *   新客户 <名称> [行业]                          → create_customer
 *   查看 <客户> | <客户> 状态                      → show_customer
 *   <客户> 推进 <阶段> | <客户> → <阶段> (->, =>, 到, 推进到)  → move
 *   <客户> 签约 | 赢单 | 成交                      → win
 *   <客户> 丢单 [原因]                            → lose (the engine refuses a missing reason)
 *   <客户> 强制推进|强推 <阶段> 原因 <理由>        → override
 *   <客户> 留言 <内容>                            → log_message
 *   <客户> 上传 | 上传 <客户>                      → upload
 */
import { normalizeText } from './text-normalize';

export type Command =
  | { kind: 'help' }
  | { kind: 'list_customers' }
  | { kind: 'create_customer'; name: string; industry: string | null }
  | { kind: 'show_customer'; customer: string }
  | { kind: 'move'; customer: string; stage: string }
  | { kind: 'win'; customer: string; note: string | null }
  | { kind: 'lose'; customer: string; reason: string | null }
  | { kind: 'override'; customer: string; stage: string; reason: string }
  | { kind: 'log_message'; customer: string; content: string }
  | { kind: 'upload'; customer: string; note: string | null }
  /** A known command missing a required part; the handler replies with TEXTS_ZH.usage[command]. */
  | { kind: 'incomplete'; command: CommandKind; customer: string | null; missing: 'name' | 'customer' | 'stage' | 'reason' | 'content' }
  | { kind: 'unknown'; text: string };

export type CommandKind = Exclude<Command['kind'], 'incomplete' | 'unknown'>;

type Verb = 'move' | 'override' | 'lose' | 'win' | 'log_message' | 'show_customer' | 'upload';

/** Verbs that may be glued to the customer name (`华夏医疗推进到5`); longest first. */
const GLUED: [string, Verb][] = [
  ['强制推进到', 'override'],
  ['强制推进', 'override'],
  ['强推到', 'override'],
  ['强推', 'override'],
  ['推进到', 'move'],
  ['推进至', 'move'],
  ['推进', 'move'],
  ['丢单', 'lose'],
  ['输单', 'lose'],
  ['签约', 'win'],
  ['赢单', 'win'],
  ['留言', 'log_message'],
  ['状态', 'show_customer'],
  ['上传', 'upload'],
];

/** Verbs recognised only as a separate word (too common inside names: 到家, 华成交通). */
const STANDALONE: Record<string, Verb> = { '→': 'move', 到: 'move', 至: 'move', 成交: 'win', 详情: 'show_customer', 进度: 'show_customer' };

const HELP = /^(?:帮助|help|\?|菜单|指令|命令|怎么用|用法)$/i;
const LIST = /^(?:我的客户|客户列表|我的客户列表)$/;
const CREATE = /^(?:新客户|新建客户|新增客户|添加客户)\s*:?\s*(.*)$/;
const SHOW = /^(?:查看|查询|查(?=[\s:]))\s*:?\s*(.+)$/;
const UPLOAD_FIRST = /^上传(?:\s|:)\s*:?\s*(.+)$/;

/** Strips quotes, brackets and separators a rep may put around a name or a value. */
function clean(s: string): string {
  return s
    .replace(/^[\s:,;、"'“”‘’「」『』【】《》()[\]]+/, '')
    .replace(/[\s:,;、"'“”‘’「」『』【】《》()[\]]+$/, '')
    .trim();
}

interface Split {
  customer: string;
  verb: Verb;
  rest: string;
}

/** Finds the first verb: a word on its own or at a word's start, or glued inside a word after the name. */
function splitOnVerb(text: string): Split | null {
  const tokens = text.split(' ');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i].replace(/:$/, '');
    const before = tokens.slice(0, i).join(' ');
    const after = tokens.slice(i + 1).join(' ');
    if (i > 0) {
      const standalone = STANDALONE[token];
      if (standalone) return { customer: before, verb: standalone, rest: after };
      const lead = GLUED.find(([word]) => tokens[i].startsWith(word));
      if (lead) return { customer: before, verb: lead[1], rest: `${tokens[i].slice(lead[0].length)} ${after}` };
    }
    let best: { at: number; word: string; verb: Verb } | null = null;
    for (const [word, verb] of GLUED) {
      const at = tokens[i].indexOf(word, 1);
      if (at > 0 && (!best || at < best.at)) best = { at, word, verb };
    }
    if (best) {
      const customer = [before, tokens[i].slice(0, best.at)].filter(Boolean).join(' ');
      return { customer, verb: best.verb, rest: `${tokens[i].slice(best.at + best.word.length)} ${after}` };
    }
  }
  return null;
}

/** `5 原因 客户已确认`, `5，理由：…`, `5 客户已确认` → stage + reason. */
function splitStageAndReason(rest: string): { stage: string; reason: string } {
  const keyword = /^(.*?)\s*(?:原因|理由)\s*:?\s*(.*)$/.exec(rest);
  if (keyword && clean(keyword[1])) return { stage: clean(keyword[1]), reason: clean(keyword[2]) };
  const comma = /^([^,;]+)[,;](.*)$/.exec(rest);
  if (comma) return { stage: clean(comma[1]), reason: clean(comma[2]) };
  const [stage, ...words] = rest.split(' ');
  return { stage: clean(stage), reason: clean(words.join(' ')) };
}

function parseCreate(rest: string): Command {
  const body = clean(rest.replace(/^(?:名称|客户名称|名字)\s*:?\s*/, ''));
  if (!body) return { kind: 'incomplete', command: 'create_customer', customer: null, missing: 'name' };
  const tagged = /^(.*?)\s*,?\s*行业\s*:?\s*(.+)$/.exec(body);
  if (tagged && clean(tagged[1])) return { kind: 'create_customer', name: clean(tagged[1]), industry: clean(tagged[2]) || null };
  const comma = /^([^,;、]+)[,;、](.+)$/.exec(body);
  if (comma) return { kind: 'create_customer', name: clean(comma[1]), industry: clean(comma[2]) || null };
  const words = body.split(' ');
  if (words.length === 1) return { kind: 'create_customer', name: body, industry: null };
  return { kind: 'create_customer', name: clean(words.slice(0, -1).join(' ')), industry: clean(words[words.length - 1]) };
}

function fromVerb({ customer: rawCustomer, verb, rest: rawRest }: Split): Command {
  const customer = clean(rawCustomer);
  const rest = clean(rawRest);
  if (!customer) return { kind: 'incomplete', command: verb, customer: null, missing: 'customer' };
  const target = clean(rest.replace(/^(?:到|至|→)\s*(?=\S)/, ''));
  switch (verb) {
    case 'move':
      return target ? { kind: 'move', customer, stage: target } : { kind: 'incomplete', command: 'move', customer, missing: 'stage' };
    case 'override': {
      if (!target) return { kind: 'incomplete', command: 'override', customer, missing: 'stage' };
      const { stage, reason } = splitStageAndReason(target);
      return reason ? { kind: 'override', customer, stage, reason } : { kind: 'incomplete', command: 'override', customer, missing: 'reason' };
    }
    case 'lose':
      return { kind: 'lose', customer, reason: clean(rest.replace(/^(?:原因|理由)\s*:?/, '')) || null };
    case 'win':
      return { kind: 'win', customer, note: rest.replace(/^(?:了|啦|咯|喽)$/, '') || null };
    case 'log_message':
      return rest ? { kind: 'log_message', customer, content: rest } : { kind: 'incomplete', command: 'log_message', customer, missing: 'content' };
    case 'show_customer':
      return { kind: 'show_customer', customer };
    case 'upload':
      return { kind: 'upload', customer, note: rest || null };
  }
}

/** Parses one chat message. Never throws; anything unrecognised is `{ kind: 'unknown' }`. */
export function parseCommand(message: string): Command {
  const text = normalizeText(message).replace(/^(?:@\S+\s*)+/, '').trim();
  if (!text) return { kind: 'unknown', text: message };
  if (HELP.test(text)) return { kind: 'help' };
  if (LIST.test(text)) return { kind: 'list_customers' };

  const create = CREATE.exec(text);
  if (create) return parseCreate(create[1]);
  const show = SHOW.exec(text);
  if (show && clean(show[1])) return { kind: 'show_customer', customer: clean(show[1]) };
  const upload = UPLOAD_FIRST.exec(text);
  if (upload && clean(upload[1])) return { kind: 'upload', customer: clean(upload[1]), note: null };

  const split = splitOnVerb(text);
  if (!split) return { kind: 'unknown', text: message };
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
