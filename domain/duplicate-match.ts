/**
 * Two reps, one customer (the article's opening story): does a new customer's name match an existing one? The same
 * rules reps use to address customers (domain/customer-match.ts): the same name, a unique part of it (either name
 * inside the other), or the same pinyin initials (华夏医疗 / 华夏依疗 → hxyl). Pure.
 */
import { pinyin } from 'pinyin-pro';
import { matchCustomers } from './customer-match';
import { compactKey } from './text-normalize';

export type DuplicateKind = 'exact' | 'part' | 'initials';

export interface DuplicateHit<T> { customer: T; kind: DuplicateKind }

const MIN_PART = 2;

function initialsOf(name: string): string {
  return pinyin(name, { pattern: 'first', toneType: 'none', type: 'array' }).join('').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Existing customers the new name probably means, best first (at most `limit`). A part counts only when it is
 * unique: a short name that is part of several customers' names (医疗) is not evidence of one duplicate.
 */
export function findDuplicates<T extends { id: string; name: string }>(name: string, existing: readonly T[], limit = 3): DuplicateHit<T>[] {
  const key = compactKey(name);
  if (!key) return [];
  const hits: DuplicateHit<T>[] = [];
  const seen = new Set<string>();
  const add = (customer: T, kind: DuplicateKind) => {
    if (!seen.has(customer.id)) {
      seen.add(customer.id);
      hits.push({ customer, kind });
    }
  };
  for (const c of existing) if (compactKey(c.name) === key) add(c, 'exact');
  // The new name is a unique part of an existing one (华夏 → 华夏医疗), or an existing name is part of the new one (华夏医疗集团).
  const m = matchCustomers(name, existing);
  const parts = m.candidates.filter((c) => c.kind === 'prefix' || c.kind === 'substring');
  if (parts.length === 1 && key.length >= MIN_PART) add(parts[0]!.customer, 'part');
  // The beginning of two or three names (南山中医 → 南山中医院, 南山中医院二部) is evidence too; a word many names share
  // somewhere (医疗) is not.
  const prefixes = parts.filter((c) => c.kind === 'prefix');
  if (parts.length > 1 && key.length >= 3 && prefixes.length >= 2 && prefixes.length <= 3) for (const p of prefixes) add(p.customer, 'part');
  const containing = existing.filter((c) => {
    const k = compactKey(c.name);
    return k.length >= MIN_PART && k !== key && key.includes(k);
  });
  if (containing.length === 1) add(containing[0]!, 'part');
  const initials = initialsOf(name);
  if (initials.length >= 3 && /\p{Script=Han}/u.test(name)) {
    for (const c of existing) if (/\p{Script=Han}/u.test(c.name) && initialsOf(c.name) === initials) add(c, 'initials');
  }
  return hits.slice(0, limit);
}
