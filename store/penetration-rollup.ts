/**
 * R8 penetration from migration 0011's customer_stage_entries (kept by triggers in the same transaction as the
 * history rows): one row per customer with its current office and owner and every entry row of its history as a
 * sorted key, stage code × 10^16 + (µs since 1970 + 5 × 10^15). Same figures as penetration.ts'
 * penetrationCountsDirect, reading one row per customer with an entry since `from` and joining nothing:
 *   - the customer's first entry into A in [from, to) is the first key ≥ band(A) + from (a binary search,
 *     width_bucket), if it is < band(A) + to;
 *   - it advanced when a key lies in (band(B) + t, band(B) + t + window] (two more binary searches).
 * Period bounds outside the keys' years (1812–2127) are clamped to the band, which is exact for every key in it.
 * Returns null — the caller computes directly — when some customer has an entry the keys cannot hold.
 */
import { sql } from 'drizzle-orm';
import type { Database, DbOrTx } from './db';
import type { PenetrationQuery } from './penetration';

/** One stage's band of keys, and where 1970-01-01 lies in it (in µs): the encoding of stage_entry_key (0011). */
const BAND = 10n ** 16n;
const EPOCH_OFFSET = 5n * 10n ** 15n;

/** A time's place in a band, clamped to [0, BAND]: comparisons with any key that fits stay the same. */
function offset(d: Date): bigint | null {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) return null;
  const v = BigInt(ms) * 1000n + EPOCH_OFFSET;
  return v < 0n ? 0n : v > BAND ? BAND : v;
}

export interface PenetrationRow { key: string | null; is_total: number; entered: number; advanced: number }

/** The rows penetration.ts shapes (one per group, is_total 1 for the total), or null when the rollup cannot answer. */
export async function penetrationRowsFromRollup(
  database: Database, q: PenetrationQuery & { windowSeconds: number }, on?: DbOrTx,
): Promise<PenetrationRow[] | null> {
  const fromOff = offset(q.from);
  const toOff = offset(q.to);
  if (fromOff === null || toOff === null) return null;
  const band = sql.raw(BAND.toString());
  const key = q.by === 'office' ? sql`r.office_id` : q.by === 'rep' ? sql`r.owner_id` : sql`null::text`;
  // r.t = the customer's first entry into A at or after `from`, as an offset in A's band; r.b0 = B's band (null:
  // nobody ever entered B); a0 null (nobody ever entered A) leaves t null: nobody in the population.
  const rows = await database.rows<PenetrationRow & { ok: boolean }>(sql`
    with guard as (select not exists (select 1 from customer_stage_entries where entry_keys is null) as ok)
    select ${key} as key, grouping(${key})::int as is_total, (select ok from guard) as ok, count(*)::int as entered,
           count(*) filter (where width_bucket(r.b0 + least(r.t + ${q.windowSeconds}::int::bigint * 1000000, ${band} - 1), r.entry_keys)
                                  > width_bucket(r.b0 + r.t, r.entry_keys))::int as advanced
    from (
      select s.office_id, s.owner_id, s.entry_keys, c.b0,
             s.entry_keys[width_bucket(c.a0 + ${fromOff.toString()}::bigint - 1, s.entry_keys) + 1] - c.a0 as t
      from customer_stage_entries s, (
        select (select code::bigint * ${band} from stage_codes where stage = ${q.a}) as a0,
               (select code::bigint * ${band} from stage_codes where stage = ${q.b}) as b0
      ) c
      where s.last_at >= ${q.from} and (select ok from guard)
      offset 0
    ) r
    where r.t < ${toOff.toString()}::bigint
    group by grouping sets ((${key}), ())`, on);
  if (!rows.length || rows.some((r) => r.ok !== true)) return null;
  return rows;
}
