/**
 * The funnel (R8) from the per-day rollup of entry rows (migration 0009: stage_entry_days, stage_entry_prev_days,
 * kept by triggers in the same transaction as the history rows). Same figures as analytics.ts funnelCounts' direct
 * computation, at a cost that follows days × offices × pairs instead of the history's rows. It answers only what
 * the rollup can answer exactly — otherwise null, and the caller computes directly:
 *   - no window ("entered B at any time later": the rollup keeps, per entry row, the stages entered after it);
 *   - the period starts at the start of a business day in Asia/Shanghai (the rollup's day);
 *   - no history row is dated at or after the period's end (the rollup does not split a day at `to`).
 * A customer's first entry into A in the period is the entry row of a day >= the first day whose previous entry
 * into A (prev_day) is before the first day: Σ(rows of days >= first day) − Σ(rows with prev_day >= first day).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Scope } from '../domain/dashboard';
import type { Database, DbOrTx } from './db';

const ROLLUP_TZ = 'Asia/Shanghai';

function officeCondition(scope: Scope, column: SQL): SQL {
  if (scope.kind === 'all') return sql``;
  if (scope.kind === 'none' || scope.offices.length === 0) return sql` and false`;
  return sql` and ${column} in (${sql.join(scope.offices.map((o) => sql`${o}`), sql`, `)})`;
}

export async function funnelFromRollup(
  database: Database,
  q: { scope: Scope; pairs: readonly { from: string; to: string }[]; from: Date; to: Date; windowSeconds: number | null },
  on?: DbOrTx,
): Promise<{ a: string; b: string; entered: number; advanced: number }[] | null> {
  if (q.windowSeconds !== null || !q.pairs.length) return null;
  // (stage, '') = entry rows into the stage; (stage, B) = those after which the customer entered B.
  const keys = sql.join(q.pairs.flatMap((p) => [sql`(${p.from}::text, ''::text)`, sql`(${p.from}::text, ${p.to}::text)`]), sql`, `);
  const pairs = sql.join(q.pairs.map((p) => sql`(${p.from}::text, ${p.to}::text)`), sql`, `);
  const rows = await database.rows<{ ok: boolean | null; a: string | null; b: string | null; entered: number; advanced: number }>(sql`
    with guard as (
      select date_trunc('day', ${q.from}::timestamptz at time zone ${ROLLUP_TZ}) = (${q.from}::timestamptz at time zone ${ROLLUP_TZ})
             and not exists (select 1 from customer_events where kind in ('created','stage_change','override') and at >= ${q.to}) as ok
    ), d as (select (${q.from}::timestamptz at time zone ${ROLLUP_TZ})::date as first_day),
    keys(stage, next_stage) as (select distinct * from (values ${keys}) k),
    counts as (
      select k.stage, k.next_stage, sum(x.n) as n from keys k
      cross join lateral (
        select r.n from stage_entry_days r, d
        where r.stage = k.stage and r.next_stage = k.next_stage and r.day >= d.first_day${officeCondition(q.scope, sql`r.office_id`)}
        union all
        select -r.n from stage_entry_prev_days r, d
        where r.stage = k.stage and r.next_stage = k.next_stage and r.prev_day >= d.first_day${officeCondition(q.scope, sql`r.office_id`)}
      ) x
      cross join guard where guard.ok
      group by k.stage, k.next_stage
    ),
    pairs(a, b) as (values ${pairs})
    select null::boolean as ok, p.a, p.b, coalesce(e.n, 0)::int as entered, coalesce(v.n, 0)::int as advanced
    from pairs p
    left join counts e on e.stage = p.a and e.next_stage = ''
    left join counts v on v.stage = p.a and v.next_stage = p.b
    union all select ok, null, null, 0, 0 from guard`, on);
  if (!rows.some((r) => r.ok === true)) return null;
  return rows.filter((r) => r.a !== null).map((r) => ({ a: r.a!, b: r.b!, entered: Number(r.entered), advanced: Number(r.advanced) }));
}
