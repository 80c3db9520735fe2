/**
 * Customer objections (客户异议, R10), pure: the chat command `<客户> 异议 <内容>`, turning segmented words into
 * countable terms (stop words out), counting by office and ISO week, ranking, and the jump rule (a term reaching
 * `reach` of one office's objections in a week when it was under `below` the week before). The segmenter itself
 * (jieba, a native module) is loaded in dashboard/segmenter.ts; `bigrams` here is its fallback.
 */
import { normalizeText } from './text-normalize';

export type ObjectionCommand =
  | { kind: 'objection'; customer: string; content: string }
  | { kind: 'incomplete'; customer: string | null };

const VERB = '异议';
const EDGE = /^[\s:,;、"'“”‘’「」『』【】《》()[\]]+|[\s:,;、"'“”‘’「」『』【】《》()[\]]+$/g;
/** After the customer: 异议, then a separator and the content, or nothing (incomplete). Lazy, so a name may contain 异议. */
const COMMAND = /^(.+?)\s*异议(?:(?:\s*[:,;]\s*|\s+)(\S[\s\S]*)|\s*[:,;]?)$/;
/** Texts that start another command (`新客户 无异议科技`) are never objections. */
const OTHER_COMMAND = /^(?:新客户|新建客户|新增客户|添加客户|查看|查询|上传)(?:\s|:|$)/;

/**
 * `华夏医疗 异议 运维响应慢` · `华夏医疗异议：运维响应慢` → the customer as typed and the content as typed
 * (punctuation, line breaks). `华夏医疗 异议` → incomplete. Null when the message is not this command; the verb
 * must be followed by a separator, so names like 无异议科技 are left to the other commands.
 */
export function parseObjectionCommand(message: string): ObjectionCommand | null {
  const text = normalizeText(message).replace(/^(?:@\S+\s*)+/, '');
  if (text === VERB || /^异议(?:\s|:)/.test(text)) return { kind: 'incomplete', customer: null };
  const m = COMMAND.exec(text);
  if (!m || OTHER_COMMAND.test(text)) return null;
  // Glued to a word (`…没有异议`) only counts when the customer is that one word (`华夏医疗异议：…`).
  if (/\s/.test(m[1]!.trim()) && !/\s异议/.test(text)) return null;
  const customer = m[1]!.replace(EDGE, '');
  if (!customer) return { kind: 'incomplete', customer: null };
  if (!m[2]) return { kind: 'incomplete', customer };
  // The same occurrence of 异议 in the message as typed (the name may contain the word too).
  const nth = m[1]!.split(VERB).length - 1;
  let at = -1;
  for (let i = 0; i <= nth; i++) at = message.indexOf(VERB, at + 1);
  const raw = at >= 0 ? message.slice(at + VERB.length).replace(/^[\s:：,，;；]+/, '').trim() : '';
  return { kind: 'objection', customer, content: (raw || m[2]).slice(0, 2000) };
}

/** Common function words and filler that say nothing about the objection. */
export const STOP_WORDS: ReadonlySet<string> = new Set(`
的 了 是 在 和 与 及 或 也 都 就 还 又 再 而 但 但是 可是 不过 因为 所以 如果 虽然 然后 而且 并且 以及 还是 或者
我 我们 你 你们 您 他 他们 她 她们 它 它们 咱们 大家 自己 这 那 这个 那个 这些 那些 这样 那样 这里 那里 这边 那边
什么 怎么 怎么样 为什么 哪 哪个 哪些 哪里 多少 几 吗 呢 吧 啊 呀 哦 嗯 哈 啦 嘛 么 呗 哎 唉
有 没 没有 不 不是 会 不会 能 不能 可以 可能 要 需要 想 觉得 认为 感觉 希望 应该 得 地 着 过 被 把 给 让 对 对于 关于 从 向 到 跟 比
很 太 非常 比较 特别 更 最 挺 有点 有些 一点 一些 一下 一个 一直 已经 还有 其他 其它 现在 目前 之前 之后 以后 今天 明天
客户 他们家 对方 公司 我司 贵司 你们家 产品 方案 问题 情况 事情 东西 方面 时候 时间 说 讲 表示 提到 反映 反馈 觉 说是 表示
`.split(/\s+/).filter(Boolean));

/** Single characters that carry an objection on their own (贵, 慢, 差…); other single characters are dropped. */
export const MEANINGFUL_SINGLE: ReadonlySet<string> = new Set('贵慢差难低高少长乱旧繁杂'.split(''));

const HAN = /\p{Script=Han}/u;
const WORDISH = /^[\p{Script=Han}\p{L}\p{N}]+$/u;

/** The countable terms of one objection: stop words, punctuation, numbers and lone characters out; each term once. */
export function objectionTerms(tokens: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of tokens) {
    const t = raw.normalize('NFKC').trim().toLowerCase();
    if (!t || !WORDISH.test(t) || /^\p{N}+$/u.test(t) || STOP_WORDS.has(t)) continue;
    const chars = [...t];
    if (chars.length === 1 && !MEANINGFUL_SINGLE.has(t)) continue;
    if (!HAN.test(t) && chars.length < 2) continue;
    out.add(t);
  }
  return [...out];
}

/** Reads a phrase list (one a line, `#` comments, blank lines ignored), deduplicated, longest first. */
export function parsePhraseList(text: string): string[] {
  const phrases = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '').normalize('NFKC').trim()).filter((l) => [...l].length >= 2);
  return [...new Set(phrases)].sort((a, b) => [...b].length - [...a].length);
}

/**
 * Takes the configured phrases out of a text before it is segmented, so each is counted as one term whatever the
 * segmenter would do with it (运维响应慢 stays whole, not 运维 + 响应慢). `phrases` longest first.
 */
export function extractPhrases(text: string, phrases: readonly string[]): { phrases: string[]; rest: string } {
  let rest = text.normalize('NFKC');
  const found: string[] = [];
  for (const p of phrases) {
    if (!rest.includes(p)) continue;
    found.push(p.toLowerCase());
    rest = rest.split(p).join(' ');
  }
  return { phrases: found, rest };
}

/**
 * Fallback segmentation when jieba cannot be loaded: overlapping character bigrams of every run of Han
 * characters (运维响应慢 → 运维 维响 响应 应慢), latin words and numbers as they are. Crude but countable.
 */
export function bigrams(text: string): string[] {
  const out: string[] = [];
  for (const run of text.normalize('NFKC').match(/\p{Script=Han}+|[\p{L}\p{N}]+/gu) ?? []) {
    if (!HAN.test(run)) {
      out.push(run);
      continue;
    }
    const chars = [...run];
    if (chars.length === 1) out.push(run);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** One objection, already segmented. */
export interface ObjectionRecord {
  officeId: string | null;
  /** ISO week in the business time zone (`2026-W48`). */
  week: string;
  terms: readonly string[];
}

export interface WeekCounts {
  officeId: string | null;
  week: string;
  /** Objections recorded. */
  total: number;
  /** Term → objections containing it. */
  terms: Map<string, number>;
}

const officeWeek = (o: string | null, w: string) => `${o ?? ''}\u0000${w}`;

export function countByOfficeWeek(records: readonly ObjectionRecord[]): WeekCounts[] {
  const map = new Map<string, WeekCounts>();
  for (const r of records) {
    const k = officeWeek(r.officeId, r.week);
    let c = map.get(k);
    if (!c) map.set(k, (c = { officeId: r.officeId, week: r.week, total: 0, terms: new Map() }));
    c.total += 1;
    for (const t of new Set(r.terms)) c.terms.set(t, (c.terms.get(t) ?? 0) + 1);
  }
  return [...map.values()];
}

export interface RankedTerm {
  term: string;
  /** Objections containing the term. */
  count: number;
  /** count / objections, 0..1. */
  share: number;
}

/** Terms by the number of objections that contain them (ties: alphabetical), with their share. */
export function rankTerms(records: readonly { terms: readonly string[] }[], limit = 30): RankedTerm[] {
  const counts = new Map<string, number>();
  for (const r of records) for (const t of new Set(r.terms)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const total = records.length;
  return [...counts].map(([term, count]) => ({ term, count, share: total ? Math.round((count / total) * 1000) / 1000 : 0 }))
    .sort((a, b) => b.count - a.count || a.term.localeCompare(b.term))
    .slice(0, limit);
}

export interface JumpRule {
  /** Share an office's term must reach this week (default 0.30). */
  reach: number;
  /** …having been under this share the week before (default 0.15). */
  below: number;
  /** Weeks with fewer objections than this in the office are not judged (one objection would be 100%). */
  minObjections: number;
}

export const DEFAULT_JUMP_RULE: JumpRule = { reach: 0.3, below: 0.15, minObjections: 3 };

export interface TermJump {
  officeId: string | null;
  week: string;
  previousWeek: string;
  term: string;
  count: number;
  total: number;
  share: number;
  previousShare: number;
}

/**
 * The jumps of `week` against `previousWeek`, per office: share ≥ reach now, share < below before. An office with
 * no objections the week before counts as 0 % then. Largest share first.
 */
export function detectJumps(counts: readonly WeekCounts[], week: string, previousWeek: string, rule: JumpRule = DEFAULT_JUMP_RULE): TermJump[] {
  const byKey = new Map(counts.map((c) => [officeWeek(c.officeId, c.week), c]));
  const jumps: TermJump[] = [];
  for (const now of counts) {
    if (now.week !== week || now.total < rule.minObjections) continue;
    const before = byKey.get(officeWeek(now.officeId, previousWeek));
    for (const [term, count] of now.terms) {
      const share = count / now.total;
      const previousShare = before && before.total ? (before.terms.get(term) ?? 0) / before.total : 0;
      if (share >= rule.reach && previousShare < rule.below) {
        jumps.push({ officeId: now.officeId, week, previousWeek, term, count, total: now.total, share, previousShare });
      }
    }
  }
  return jumps.sort((a, b) => b.share - a.share || (a.officeId ?? '').localeCompare(b.officeId ?? '') || a.term.localeCompare(b.term));
}

/** `38%` */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
