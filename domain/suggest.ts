/**
 * "你是不是想：…？" — for a message the grammar did not understand, the closest one or two commands, filled in with
 * the customer and stage the message seems to be about. Pure. Never the whole command list (that is 帮助).
 */
import { compactKey, normalizeText } from './text-normalize';

export interface SuggestContext {
  /** Names of the customers the person may address. */
  customers: string[];
  /** The open stages' names, in order. */
  stages: string[];
  /** The customer the person last worked on, and the stage after its current one. */
  focus: { name: string; nextStage: string | null } | null;
}

/** Command shapes with the words that hint at them (typos and near-synonyms included). */
const SHAPES: { hints: string[]; make(c: string, next: string): string }[] = [
  { hints: ['推进', '推', '进', '往前', '下一', '推近', '推尽', '谈判', '阶段'], make: (c, n) => `${c} 推进 ${n}` },
  { hints: ['退', '回', '后退', '倒'], make: (c) => `${c} 退回` },
  { hints: ['签', '赢', '成交', '拿下'], make: (c) => `${c} 签约` },
  { hints: ['丢', '输', '黄', '没戏'], make: (c) => `${c} 丢单 <原因>` },
  { hints: ['任务', '待办', '代办', '要做', '今天', 'todo'], make: () => '我的任务' },
  { hints: ['客户', '列表', '名单'], make: () => '我的客户' },
  { hints: ['上传', '报价', '文件', '附件'], make: (c) => `${c} 上传` },
  { hints: ['痛点', '担忧', '焦虑'], make: (c) => `${c} 填写痛点` },
  { hints: ['拜访', '见面', '见完', '走访'], make: (c) => `${c} 拜访结束` },
  { hints: ['新', '建', '加'], make: () => '新客户 <名称> <行业>' },
  { hints: ['留言', '说', '问'], make: (c) => `${c} 留言 <客户原话>` },
  { hints: ['异议', '嫌', '顾虑', '投诉'], make: (c) => `${c} 异议 <内容>` },
  { hints: ['看板', '看版', '报表', '热力'], make: () => '看板' },
  { hints: ['团队', '组员', '下属'], make: () => '团队' },
  { hints: ['评分', '打分', '质检'], make: () => '待评分' },
  { hints: ['查', '看', '状态', '进度', '进展', '情况', '怎么样', '咋样', '如何'], make: (c) => `查看 ${c}` },
];

/**
 * The customer a message names: the longest customer name it contains (or that contains the whole message); else
 * the one customer whose name's beginning (two characters or more) the message contains — 华夏怎么样了 names 华夏医疗
 * — or, when two begin alike, that shared beginning (the lookup then offers the choice).
 */
export function mentionedCustomer(text: string, customers: readonly string[]): string | null {
  const t = compactKey(text);
  if (!t) return null;
  const hits = customers.filter((c) => {
    const k = compactKey(c);
    return k.length >= 2 && (t.includes(k) || (t.length >= 2 && k.startsWith(t.slice(0, Math.max(2, Math.min(k.length, t.length))))));
  });
  if (hits.length) return hits.sort((a, b) => b.length - a.length)[0]!;
  const prefixIn = (k: string) => {
    let n = 0;
    while (n < k.length && t.includes(k.slice(0, n + 1))) n++;
    return n;
  };
  const scored = customers.map((c) => ({ c, n: prefixIn(compactKey(c)) })).filter((x) => x.n >= 2).sort((a, b) => b.n - a.n);
  if (!scored[0]) return null;
  // Two customers begin alike (东华人民医院, 东华口腔): the shared beginning, which the lookup answers with a choice.
  return scored[0].n > (scored[1]?.n ?? 0) ? scored[0].c : compactKey(scored[0].c).slice(0, scored[0].n);
}

/** Up to two filled-in commands, best first. */
export function suggestCommands(message: string, ctx: SuggestContext): string[] {
  const text = normalizeText(message);
  const named = mentionedCustomer(text, ctx.customers);
  const customer = named ?? ctx.focus?.name ?? '<客户>';
  const pairs = (s: string) => Array.from({ length: Math.max(0, s.length - 1) }, (_, i) => s.slice(i, i + 2));
  const stage = ctx.stages.find((s) => text.includes(s)) ?? ctx.stages.find((s) => pairs(s).some((p) => text.includes(p)));
  const next = stage ?? (named ? null : ctx.focus?.nextStage) ?? '<阶段>';
  const scored = SHAPES.map((shape, i) => ({ i, shape, score: shape.hints.reduce((n, h) => n + (text.includes(h) ? h.length : 0), 0) }))
    .filter((x) => x.score > 0).sort((a, b) => b.score - a.score || a.i - b.i);
  const out: string[] = [];
  for (const { shape } of scored) {
    const s = shape.make(customer, next);
    if (!out.includes(s)) out.push(s);
    if (out.length === 2) break;
  }
  // A customer named but no verb: a look at it, never a move (the name may only resemble the one meant).
  if (named && !out.length) out.push(`查看 ${named}`);
  // Nothing to go on (a greeting, small talk): what is safe to send blind — never a move.
  if (!out.length) out.push('我的任务', ctx.focus ? `查看 ${ctx.focus.name}` : '我的客户');
  return out.slice(0, 2);
}
