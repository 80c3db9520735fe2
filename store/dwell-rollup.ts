/**
 * The heatmap's dwell from the per-day rollup (migration 0006: stage_dwell_daily, customer_stage_marks, kept by
 * triggers in the same transaction as the history rows; read through 0009's stage_leave_days and
 * stage_leave_prev_days, its sums by day and by prev_day). Same figures as the direct computation
 * (analytics.ts dwellAggregates / dwellAggregatesFullScan), at a cost that follows days × offices × stages instead
 * of the history's rows. It answers only what the rollup can answer exactly — otherwise null, and the caller
 * computes directly:
 *   - the period runs to now (live: the current stays are the customers' last entry rows);
 *   - it starts at the start of a business day in Asia/Shanghai (the rollup's day), as the dashboard's periods do;
 *   - no history row is dated at or after now (a clock set back, an import of future rows).
 * Finished customers of a cell = the stays ending in the period whose customer had not left that stage earlier in
 * the period (prev_day before the first day) = those of days >= the first day minus those with prev_day >= the first
 * day (prev_day <= day); a customer both finished and current is found by the day it last left the stage it is in.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DwellAggregate, Scope } from '../domain/dashboard';
import type { Database, DbOrTx } from './db';

const ROLLUP_TZ = 'Asia/Shanghai';

function list(values: readonly string[]): SQL {
  return sql`(${sql.join(values.map((v) => sql`${v}`), sql`, `)})`;
}

function officeCondition(scope: Scope, column: SQL): SQL {
  if (scope.kind === 'all') return sql``;
  if (scope.kind === 'none' || scope.offices.length === 0) return sql` and false`;
  return sql` and ${column} in ${list(scope.offices)}`;
}

export async function dwellFromRollup(
  database: Database, q: { scope: Scope; stages: readonly string[]; from: Date; to: Date; now: Date }, on?: DbOrTx,
): Promise<DwellAggregate[] | null> {
  if (q.to.getTime() < q.now.getTime()) return null;
  const asOf = q.now;
  const rows = await database.rows<{
    ok: boolean | null; office_id: string | null; stage: string | null; finished_customers: number; finished_total: number | null;
    current_customers: number; current_total: number | null; both_n: number;
  }>(sql`
    with guard as (
      select date_trunc('day', ${q.from}::timestamptz at time zone ${ROLLUP_TZ}) = (${q.from}::timestamptz at time zone ${ROLLUP_TZ})
             and not exists (select 1 from customer_events where kind in ('created','stage_change','override') and at >= ${asOf}) as ok
    ), d as (select (${q.from}::timestamptz at time zone ${ROLLUP_TZ})::date as first_day),
    fin as (
      -- Stays ending since the first day: all of them (seconds), and their first ones per customer (the rows of
      -- days >= first_day minus those whose customer had left the stage already on a day >= first_day).
      select office_id, stage, sum(n) as n, sum(total) as total, sum(leaves) as leaves from (
        select r.office_id, r.stage, r.leaves as n, r.secs as total, r.leaves from stage_leave_days r, d, guard
        where guard.ok and r.day >= d.first_day and r.stage in ${list(q.stages)}${officeCondition(q.scope, sql`r.office_id`)}
        union all
        select r.office_id, r.stage, -r.leaves, 0, 0 from stage_leave_prev_days r, d, guard
        where guard.ok and r.prev_day >= d.first_day and r.stage in ${list(q.stages)}${officeCondition(q.scope, sql`r.office_id`)}
      ) x
      group by office_id, stage
      having sum(leaves) > 0
    ), cur as (
      -- Current stays (0009's stage_current_days, by the customers' history), and those of them whose customer
      -- had left the stage in the period and came back (counted once with its finished stays).
      select r.office_id, r.stage, sum(r.n) as n, sum(r.n) * extract(epoch from ${asOf}::timestamptz) - sum(r.entered_secs) as total,
             coalesce(sum(r.n) filter (where r.left_day >= d.first_day), 0) as both_n
      from stage_current_days r, d, guard
      where guard.ok and r.stage in ${list(q.stages)}${officeCondition(q.scope, sql`r.office_id`)}
      group by r.office_id, r.stage
      having sum(r.n) > 0
    )
    select null::boolean as ok, coalesce(f.office_id, k.office_id) as office_id, coalesce(f.stage, k.stage) as stage,
           coalesce(f.n, 0)::int as finished_customers, f.total::float8 as finished_total,
           coalesce(k.n, 0)::int as current_customers, k.total::float8 as current_total, coalesce(k.both_n, 0)::int as both_n
    from fin f full join cur k on coalesce(k.office_id, '') = coalesce(f.office_id, '') and k.stage = f.stage
    union all select ok, null, null, 0, null, 0, null, 0 from guard`, on);
  if (!rows.some((r) => r.ok === true)) return null;
  return rows.filter((r) => r.stage !== null).map((r) => {
    const customers = r.finished_customers + r.current_customers - r.both_n;
    const total = (r.finished_total ?? 0) + (r.current_total ?? 0);
    return {
      officeId: r.office_id, stage: r.stage!,
      finishedCustomers: r.finished_customers, finishedAvgSeconds: r.finished_customers ? (r.finished_total ?? 0) / r.finished_customers : null,
      currentCustomers: r.current_customers, currentAvgSeconds: r.current_customers ? (r.current_total ?? 0) / r.current_customers : null,
      customers, avgSeconds: customers ? total / customers : null,
    };
  });
}
