/**
 * Fuzzy customer lookup for chat: reps type `华夏医疗`, `华夏`, `hxyl` or `huaxia`. Returns ranked
 * matches and an `exact` match only when exactly one customer's name equals the query, so the
 * caller can act on an exact hit and must offer a choice otherwise; it never guesses.
 */
import { pinyin } from 'pinyin-pro';
import { compactKey } from './text-normalize';

export type MatchKind = 'exact' | 'prefix' | 'substring' | 'initials' | 'pinyin_full' | 'initials_prefix' | 'pinyin_prefix';

export interface CustomerMatch<T> {
  customer: T;
  kind: MatchKind;
  /** Higher is better; only the order matters. */
  score: number;
}

export interface CustomerMatches<T> {
  /** Set only when exactly one customer's name equals the query. */
  exact?: CustomerMatch<T>;
  /** Every match, best first (the exact one included). */
  candidates: CustomerMatch<T>[];
}

const SCORE: Record<MatchKind, number> = {
  exact: 100,
  prefix: 90,
  substring: 80,
  initials: 70,
  pinyin_full: 70,
  initials_prefix: 60,
  pinyin_prefix: 55,
};

interface NameKeys {
  compact: string;
  initials: string;
  full: string[];
}

const cache = new Map<string, NameKeys>();
const CACHE_LIMIT = 10_000;
const alnum = (s: string): string => s.toLowerCase().replace(/[^a-z0-9ü]/g, '');

/** Pinyin forms of a name: initials (`hxyl`) and full spellings (`huaxiayiliao`; ü as v and u). */
function keysOf(name: string): NameKeys {
  const hit = cache.get(name);
  if (hit) return hit;
  const initials = alnum(pinyin(name, { pattern: 'first', toneType: 'none', type: 'array' }).join(''));
  const full = alnum(pinyin(name, { toneType: 'none', type: 'array' }).join(''));
  const keys: NameKeys = {
    compact: compactKey(name),
    initials: initials.replace(/ü/g, 'l'),
    full: [...new Set([full.replace(/ü/g, 'v'), full.replace(/ü/g, 'u')])],
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(name, keys);
  return keys;
}

function bestKind(q: string, keys: NameKeys): MatchKind | null {
  if (keys.compact === q) return 'exact';
  if (keys.compact.startsWith(q)) return 'prefix';
  if (keys.compact.includes(q)) return 'substring';
  if (!/^[a-z0-9]{2,}$/.test(q)) return null;
  if (keys.initials === q) return 'initials';
  if (keys.full.includes(q)) return 'pinyin_full';
  if (keys.initials.startsWith(q)) return 'initials_prefix';
  if (keys.full.some((f) => f.startsWith(q))) return 'pinyin_prefix';
  return null;
}

/** Ranks `customers` against what a rep typed (case, width and spaces are ignored). */
export function matchCustomers<T extends { id: string; name: string }>(query: string, customers: readonly T[]): CustomerMatches<T> {
  const q = compactKey(query);
  if (!q) return { candidates: [] };
  const candidates: CustomerMatch<T>[] = [];
  for (const customer of customers) {
    const kind = bestKind(q, keysOf(customer.name));
    if (kind) candidates.push({ customer, kind, score: SCORE[kind] });
  }
  candidates.sort(
    (a, b) => b.score - a.score || a.customer.name.length - b.customer.name.length || a.customer.name.localeCompare(b.customer.name, 'zh-CN'),
  );
  const exact = candidates.filter((c) => c.kind === 'exact');
  return exact.length === 1 ? { exact: exact[0], candidates } : { candidates };
}
