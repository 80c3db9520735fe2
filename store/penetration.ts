/**
 * R8 stage penetration over the append-only history (customer_events): of the customers that entered stage A in
 * [from, to), how many entered B within the window of entering A — in total and per office or rep.
 *
 *   - "Entered" = a history row that put the customer into the stage: created, stage_change or override
 *     (refusals do not).
 *   - A customer counts once, from its first entry into A within the period; a customer that went back and
 *     entered A again in the period is still counted once, from the first of those entries.
 *   - Advanced = an entry into B strictly after that entry into A and at most `window` after it (exactly the
 *     window is in). An entry into B before A (a customer that went back) does not count. Customers that
 *     skipped A are not in the population at all.
 *   - Office and rep are the customer's current office and owner.
 * penetrationCounts reads migration 0011's per-customer entry keys (store/penetration-rollup.ts): one row per
 * customer with an entry since `from`, no join, so a year costs one pass over the customers (bench/penetration.bench.ts).
 * When the rollup cannot answer (an entry dated outside 1812–2127, a 901st stage) it computes directly, as penetrationCountsDirect
 * does: two range scans of customer_events, entries into A in [from, to), entries into B in (from, to + window],
 * index-only on customer_events (to_stage, at) INCLUDE (customer_id, kind) (migration 0004). The direct computation
 * is the reference the rollup is tested against (test/integration/penetration-rollup.test.ts).
 */
import { sql } from 'drizzle-orm';
import type { Database, DbOrTx } from './db';
import { penetrationRowsFromRollup, type PenetrationRow } from './penetration-rollup';

export type PenetrationBy = 'office' | 'rep';

/** History rows that put a customer into a stage (refusals and ownership changes do not). */
const ENTRY_KINDS = sql.raw(`('created', 'stage_change', 'override')`);

export interface PenetrationQuery {
  a: string;
  b: string;
  from: Date;
  to: Date;
  windowSeconds: number;
  by?: PenetrationBy | null;
}

export interface PenetrationCount {
  entered: number;
  advanced: number;
}

export interface PenetrationResult {
  total: PenetrationCount;
  /** Per office or rep (key null = customers without an office/owner), largest population first. */
  groups: (PenetrationCount & { key: string | null })[];
}

export async function penetrationCounts(database: Database, q: PenetrationQuery, on?: DbOrTx): Promise<PenetrationResult> {
  const rows = await penetrationRowsFromRollup(database, { ...q, windowSeconds: Math.round(q.windowSeconds) }, on);
  return rows ? shape(q, rows) : penetrationCountsDirect(database, q, on);
}

/** Penetration computed directly from the history rows (the reference the rollup is tested against). */
export async function penetrationCountsDirect(database: Database, q: PenetrationQuery, on?: DbOrTx): Promise<PenetrationResult> {
  const windowSeconds = Math.round(q.windowSeconds);
  const until = new Date(q.to.getTime() + windowSeconds * 1000);
  const key = q.by === 'office' ? sql`c.office_id` : q.by === 'rep' ? sql`c.owner_id` : sql`null::text`;
  const rows = await database.rows<PenetrationRow>(sql`
    with firsts as (
      select customer_id, min(at) as a_at
      from customer_events
      where to_stage = ${q.a} and kind in ${ENTRY_KINDS} and at >= ${q.from} and at < ${q.to}
      group by customer_id
    ), advanced as (
      select distinct f.customer_id
      from firsts f join customer_events b on b.customer_id = f.customer_id
      where b.to_stage = ${q.b} and b.kind in ${ENTRY_KINDS}
        and b.at > ${q.from} and b.at <= ${until}
        and b.at > f.a_at and b.at <= f.a_at + make_interval(secs => ${windowSeconds}::int)
    )
    select ${key} as key, grouping(${key})::int as is_total,
           count(*)::int as entered, count(adv.customer_id)::int as advanced
    from firsts f
    left join customers c on c.id = f.customer_id
    left join advanced adv on adv.customer_id = f.customer_id
    group by grouping sets ((${key}), ())`, on);
  return shape(q, rows);
}

function shape(q: PenetrationQuery, rows: PenetrationRow[]): PenetrationResult {
  const totalRow = rows.find((r) => Number(r.is_total) === 1);
  const groups = q.by
    ? rows.filter((r) => Number(r.is_total) === 0)
      .map((r) => ({ key: r.key, entered: Number(r.entered), advanced: Number(r.advanced) }))
      .sort((x, y) => y.entered - x.entered || String(x.key).localeCompare(String(y.key)))
    : [];
  return { total: { entered: Number(totalRow?.entered ?? 0), advanced: Number(totalRow?.advanced ?? 0) }, groups };
}

/** advanced / entered rounded to 0.001; null when nobody entered. */
export function rate(c: PenetrationCount): number | null {
  return c.entered > 0 ? Math.round((c.advanced / c.entered) * 1000) / 1000 : null;
}
