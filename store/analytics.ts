/**
 * The dashboard's SQL (R4, R5, R8, R10): dwell per office × stage computed on the database from the append-only
 * history (customer_events) with window functions, the drill-down candidates, the R5 stall candidates, the
 * penetration funnel, and objections. Scoping (which offices a reader may see) is a parameter of every query,
 * so nothing outside the scope ever leaves the database. The rules (thresholds, calendar days, top 3) are in
 * domain/dashboard.ts.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DwellAggregate, OrgPerson, Scope, StalledCandidate } from '../domain/dashboard';
import { asDate, type Database, type DbOrTx } from './db';
import { dwellFromRollup } from './dwell-rollup';
import { funnelFromRollup } from './funnel-rollup';
import { customers, touchpoints } from './schema';

/** History rows that put a customer into a stage (refusals and ownership changes do not). */
const ENTRY_KINDS = sql.raw(`('created','stage_change','override')`);

function list(values: readonly string[]): SQL {
  return sql`(${sql.join(values.map((v) => sql`${v}`), sql`, `)})`;
}

/** `and <column> in (…)` for an office scope; nothing for `all`; `and false` for `none`. */
function scopeCondition(scope: Scope, column: SQL): SQL {
  if (scope.kind === 'all') return sql``;
  if (scope.kind === 'none' || scope.offices.length === 0) return sql` and false`;
  return sql` and ${column} in ${list(scope.offices)}`;
}

/** Periods longer than this are computed with dwellAggregatesFullScan (measured in bench/analytics.bench.ts). */
const FULL_SCAN_AFTER_MS = 120 * 86_400_000;

export interface DwellQuery {
  scope: Scope;
  /** Open stage keys (the heatmap's columns). */
  stages: readonly string[];
  from: Date;
  /** End of the period; stays still open at min(to, now) are the current stays. */
  to: Date;
  now: Date;
}

/**
 * Per office × stage. A stay runs from the history row that entered the stage to the next such row of the same
 * customer. Finished stays are those that ended in [from, asOf), asOf = min(to, now): each entry row in the period
 * ends the stay before it — lag() over the customer's rows of the period, and for the first of them the customer's
 * last entry row before the period (one index probe, only for those rows). A customer's finished stays in one
 * stage are summed (a customer who went back counts once). Current stays are those open at asOf, counted up to
 * asOf: from `customers` (stage, stage_entered_at) when asOf is now, else the last entry row before asOf. So the
 * cost follows the activity of the period, not the length of the history.
 *
 * History rows of one customer are appended in time order (one clock that never goes back, version-checked
 * moves), so "the row before" is the one with the next smaller id.
 */
export async function dwellAggregates(database: Database, q: DwellQuery, on?: DbOrTx): Promise<DwellAggregate[]> {
  if (q.scope.kind === 'none' || !q.stages.length) return [];
  // From the per-day rollup when it can answer exactly (a period to now starting at a business day's start).
  const fromRollup = await dwellFromRollup(database, q, on);
  if (fromRollup) return fromRollup;
  const asOf = new Date(Math.min(q.to.getTime(), q.now.getTime()));
  // A long period covers most of the history: one window over all of it is then cheaper (same figures).
  if (asOf.getTime() - q.from.getTime() > FULL_SCAN_AFTER_MS) return dwellAggregatesFullScan(database, q, on);
  const live = asOf.getTime() >= q.now.getTime();
  const inScope = (column: SQL) => (q.scope.kind === 'all' ? sql``
    : sql` and ${column} in (select id from customers where true${scopeCondition(q.scope, sql`office_id`)})`);
  const current = live
    ? sql`select c.id as customer_id, c.office_id, c.stage, extract(epoch from ${asOf}::timestamptz - c.stage_entered_at)::float8 as secs
          from customers c where c.stage in ${list(q.stages)} and c.stage_entered_at < ${asOf}${scopeCondition(q.scope, sql`c.office_id`)}`
    : sql`select c.id as customer_id, c.office_id, b.to_stage as stage, extract(epoch from ${asOf}::timestamptz - b.at)::float8 as secs
          from customers c
          cross join lateral (
            select p.to_stage, p.at from customer_events p
            where p.customer_id = c.id and p.kind in ${ENTRY_KINDS} and p.at < ${asOf}
            order by p.id desc limit 1
          ) b
          where b.to_stage in ${list(q.stages)}${scopeCondition(q.scope, sql`c.office_id`)}`;
  // Customers with both a finished and a current stay in one stage count once in `customers` and `avg_s`.
  const alsoCurrent = live
    ? sql`(c.stage = f.stage and c.stage_entered_at < ${asOf})`
    : sql`exists (select 1 from cur k where k.customer_id = f.customer_id and k.stage = f.stage)`;
  const rows = await database.rows<{
    office_id: string | null; stage: string; finished_customers: number; finished_avg: number | null;
    current_customers: number; current_avg: number | null; customers: number; avg_s: number | null;
  }>(sql`
    with ev as (
      select e.id, e.customer_id, e.at,
             lag(e.at) over w as prev_at, lag(e.to_stage) over w as prev_stage
      from customer_events e
      where e.kind in ${ENTRY_KINDS} and e.at >= ${q.from} and e.at < ${asOf}${inScope(sql`e.customer_id`)}
      window w as (partition by e.customer_id order by e.at, e.id)
    ), finished as (
      select ev.customer_id, coalesce(ev.prev_stage, b.to_stage) as stage,
             extract(epoch from ev.at - coalesce(ev.prev_at, b.at))::float8 as secs
      from ev
      left join lateral (
        select p.to_stage, p.at from customer_events p
        where ev.prev_at is null and p.customer_id = ev.customer_id and p.id < ev.id and p.kind in ${ENTRY_KINDS}
        order by p.id desc limit 1
      ) b on true
      where ev.prev_at is not null or b.at is not null
    ), fin as (
      select customer_id, stage, sum(secs) as secs from finished where stage in ${list(q.stages)} group by customer_id, stage
    ), cur as (${current}
    ), fin_o as (
      select c.office_id, f.stage, count(*) as n, sum(f.secs) as total, count(*) filter (where ${alsoCurrent}) as both_n
      from fin f join customers c on c.id = f.customer_id
      group by c.office_id, f.stage
    ), cur_o as (
      select office_id, stage, count(*) as n, sum(secs) as total from cur group by office_id, stage
    )
    select coalesce(f.office_id, k.office_id) as office_id, coalesce(f.stage, k.stage) as stage,
           coalesce(f.n, 0)::int as finished_customers, (f.total / f.n)::float8 as finished_avg,
           coalesce(k.n, 0)::int as current_customers, (k.total / k.n)::float8 as current_avg,
           (coalesce(f.n, 0) + coalesce(k.n, 0) - coalesce(f.both_n, 0))::int as customers,
           ((coalesce(f.total, 0) + coalesce(k.total, 0)) / (coalesce(f.n, 0) + coalesce(k.n, 0) - coalesce(f.both_n, 0)))::float8 as avg_s
    from fin_o f full join cur_o k on coalesce(k.office_id, '') = coalesce(f.office_id, '') and k.stage = f.stage`, on);
  return rows.map((r) => ({
    officeId: r.office_id, stage: r.stage,
    finishedCustomers: r.finished_customers, finishedAvgSeconds: r.finished_avg,
    currentCustomers: r.current_customers, currentAvgSeconds: r.current_avg,
    customers: r.customers, avgSeconds: r.avg_s,
  }));
}

/**
 * The same figures from the whole history with one window over every customer's rows (lead() to the next row):
 * simple and obviously right, but its cost grows with the history (seconds at a million rows). Kept as the
 * reference the tests compare `dwellAggregates` with.
 */
export async function dwellAggregatesFullScan(database: Database, q: DwellQuery, on?: DbOrTx): Promise<DwellAggregate[]> {
  if (q.scope.kind === 'none' || !q.stages.length) return [];
  const asOf = new Date(Math.min(q.to.getTime(), q.now.getTime()));
  const customerScope = q.scope.kind === 'all' ? sql``
    : sql` and e.customer_id in (select id from customers where true${scopeCondition(q.scope, sql`office_id`)})`;
  const rows = await database.rows<{
    office_id: string | null; stage: string; finished_customers: number; finished_avg: number | null;
    current_customers: number; current_avg: number | null; customers: number; avg_s: number | null;
  }>(sql`
    with stays as (
      select e.customer_id, e.to_stage as stage, e.at as start_at,
             lead(e.at) over (partition by e.customer_id order by e.at, e.id) as end_at
      from customer_events e
      where e.kind in ${ENTRY_KINDS} and e.at < ${asOf}${customerScope}
    ), per_customer as (
      select customer_id, stage,
             sum(extract(epoch from end_at - start_at)) filter (where end_at is not null and end_at >= ${q.from}) as finished_s,
             max(extract(epoch from ${asOf}::timestamptz - start_at)) filter (where end_at is null) as current_s
      from stays
      where stage in ${list(q.stages)} and (end_at is null or end_at >= ${q.from})
      group by customer_id, stage
    )
    select c.office_id, p.stage,
           (count(*) filter (where p.finished_s is not null))::int as finished_customers,
           avg(p.finished_s)::float8 as finished_avg,
           (count(*) filter (where p.current_s is not null))::int as current_customers,
           avg(p.current_s)::float8 as current_avg,
           count(*)::int as customers,
           avg(coalesce(p.finished_s, 0) + coalesce(p.current_s, 0))::float8 as avg_s
    from per_customer p join customers c on c.id = p.customer_id
    group by c.office_id, p.stage`, on);
  return rows.map((r) => ({
    officeId: r.office_id, stage: r.stage,
    finishedCustomers: r.finished_customers, finishedAvgSeconds: r.finished_avg,
    currentCustomers: r.current_customers, currentAvgSeconds: r.current_avg,
    customers: r.customers, avgSeconds: r.avg_s,
  }));
}

interface CandidateRow {
  id: number; name: string; office_id: string | null; stage: string; owner_id: string; owner_name: string | null;
  stage_entered_at: Date | string; tp_at: Date | string | null; tp_text: string | null; tp_kind: string | null; tp_direction: string | null;
}


function toCandidate(r: CandidateRow): StalledCandidate {
  return {
    customerId: Number(r.id), name: r.name, officeId: r.office_id, stage: r.stage, ownerId: r.owner_id, ownerName: r.owner_name,
    stageEnteredAt: asDate(r.stage_entered_at),
    lastTouchpoint: r.tp_at ? { at: asDate(r.tp_at), text: r.tp_text, kind: r.tp_kind ?? 'message', direction: r.tp_direction ?? 'in' } : null,
  };
}

/**
 * Customers now in the given office × stage cells, the `perCell` longest current stays of each (row_number()
 * over the cell), with their owner's name and last touchpoint.
 */
export async function currentStayCandidates(
  database: Database, cells: readonly { officeId: string | null; stage: string }[], perCell = 3, on?: DbOrTx,
): Promise<StalledCandidate[]> {
  if (!cells.length) return [];
  const match = sql.join(cells.map((c) => (c.officeId === null
    ? sql`(c.office_id is null and c.stage = ${c.stage})`
    : sql`(c.office_id = ${c.officeId} and c.stage = ${c.stage})`)), sql` or `);
  const rows = await database.rows<CandidateRow>(sql`
    with ranked as (
      select c.id, c.name, c.office_id, c.stage, c.owner_id, c.stage_entered_at,
             row_number() over (partition by c.office_id, c.stage order by c.stage_entered_at, c.id) as rn
      from customers c where ${match}
    )
    select r.id, r.name, r.office_id, r.stage, r.owner_id, p.name as owner_name, r.stage_entered_at,
           t.at as tp_at, t.text as tp_text, t.kind as tp_kind, t.direction as tp_direction
    from ranked r
    left join people p on p.user_id = r.owner_id
    left join lateral (
      select at, text, kind, direction from touchpoints where customer_id = r.id order by at desc, id desc limit 1
    ) t on true
    where r.rn <= ${perCell}
    order by r.office_id, r.stage, r.rn`, on);
  return rows.map(toCandidate);
}

export interface StallRow {
  customerId: number;
  name: string;
  officeId: string | null;
  ownerId: string;
  ownerName: string | null;
  stage: string;
  stageEnteredAt: Date;
  lastUpdate: Date;
}

/**
 * R5 candidates: customers in `stage` whose last update is before `before` (the caller applies the exact
 * calendar-day rule, domain/dashboard.ts isStalled). The one definition of a customer's last update (最后更新):
 * the latest of entering its stage, a communication record (touchpoint) and a document uploaded (upload page or
 * API) — the daily flag job, `GET /api/customers?flag=stalled` and the dashboard all read it here. Oldest first.
 */
export async function stallCandidates(
  database: Database, q: { scope: Scope; stage: string; before: Date; limit?: number }, on?: DbOrTx,
): Promise<StallRow[]> {
  if (q.scope.kind === 'none') return [];
  const rows = await database.rows<{
    id: number; name: string; office_id: string | null; owner_id: string; owner_name: string | null; stage: string;
    stage_entered_at: Date | string; last_update: Date | string;
  }>(sql`
    select * from (
      select c.id, c.name, c.office_id, c.owner_id, p.name as owner_name, c.stage, c.stage_entered_at,
             greatest(c.stage_entered_at, t.last_at, d.last_at) as last_update
      from customers c
      left join people p on p.user_id = c.owner_id
      left join lateral (select max(at) as last_at from touchpoints where customer_id = c.id) t on true
      left join lateral (select max(uploaded_at) as last_at from documents where customer_id = c.id) d on true
      where c.stage = ${q.stage}${scopeCondition(q.scope, sql`c.office_id`)}
    ) x
    where x.last_update < ${q.before}
    order by x.last_update, x.id
    limit ${q.limit ?? 200}`, on);
  return rows.map((r) => ({
    customerId: Number(r.id), name: r.name, officeId: r.office_id, ownerId: r.owner_id, ownerName: r.owner_name, stage: r.stage,
    stageEnteredAt: asDate(r.stage_entered_at), lastUpdate: asDate(r.last_update),
  }));
}

export interface TouchpointBrief {
  customerId: number;
  at: Date;
  kind: string;
  direction: string;
  text: string | null;
  actorId: string | null;
}

/** The last `n` touchpoints of each customer (R5: the flag links to the last 3 communication records). */
export async function lastTouchpoints(database: Database, customerIds: readonly number[], n = 3, on?: DbOrTx): Promise<TouchpointBrief[]> {
  if (!customerIds.length) return [];
  const rows = await database.rows<{ customer_id: number; at: Date | string; kind: string; direction: string; text: string | null; actor_id: string | null }>(sql`
    select x.customer_id, t.at, t.kind, t.direction, t.text, t.actor_id
    from unnest(${sql.raw(`array[${customerIds.map((id) => Number(id)).filter(Number.isSafeInteger).join(',')}]::int[]`)}) as x(customer_id)
    cross join lateral (
      select at, kind, direction, text, actor_id from touchpoints where customer_id = x.customer_id order by at desc, id desc limit ${n}
    ) t
    order by x.customer_id, t.at desc`, on);
  return rows.map((r) => ({ customerId: Number(r.customer_id), at: asDate(r.at), kind: r.kind, direction: r.direction, text: r.text, actorId: r.actor_id }));
}

export interface FunnelQuery {
  scope: Scope;
  pairs: readonly { from: string; to: string }[];
  from: Date;
  to: Date;
  /** Entered B within this many seconds of entering A; null = any time later. */
  windowSeconds: number | null;
}

/**
 * R8: for each pair A → B, the customers whose first entry into A in the period falls in [from, to), and how
 * many of them entered B after that entry (within the window, when given). One pass over the history rows since
 * the period began, joined to itself by hash (no per-customer probes).
 */
export async function funnelCounts(database: Database, q: FunnelQuery, on?: DbOrTx): Promise<{ from: string; to: string; entered: number; advanced: number }[]> {
  if (q.scope.kind === 'none' || !q.pairs.length) return q.pairs.map((p) => ({ ...p, entered: 0, advanced: 0 }));
  // From the per-day rollup when it can answer exactly (no window, a period starting at a business day's start).
  const rolled = await funnelFromRollup(database, q, on);
  const rows = rolled ?? await funnelCountsDirect(database, q, on);
  const byPair = new Map(rows.map((r) => [`${r.a}>${r.b}`, r]));
  return q.pairs.map((p) => ({ ...p, entered: byPair.get(`${p.from}>${p.to}`)?.entered ?? 0, advanced: byPair.get(`${p.from}>${p.to}`)?.advanced ?? 0 }));
}

/** The funnel computed directly from the history rows (the reference the rollup is tested against). */
export async function funnelCountsDirect(database: Database, q: FunnelQuery, on?: DbOrTx): Promise<{ a: string; b: string; entered: number; advanced: number }[]> {
  if (q.scope.kind === 'none' || !q.pairs.length) return [];
  const pairs = sql.join(q.pairs.map((p) => sql`(${p.from}::text, ${p.to}::text)`), sql`, `);
  const windowSeconds = q.windowSeconds === null ? null : Math.round(q.windowSeconds);
  return database.rows<{ a: string; b: string; entered: number; advanced: number }>(sql`
    with pairs(a, b) as (values ${pairs}),
    ev as materialized (
      select e.customer_id, e.to_stage, e.at
      from customer_events e join customers c on c.id = e.customer_id
      where e.kind in ${ENTRY_KINDS} and e.at >= ${q.from}${scopeCondition(q.scope, sql`c.office_id`)}
    ),
    firsts as (
      select customer_id, to_stage, min(at) as at from ev
      where at < ${q.to} and to_stage in (select a from pairs)
      group by customer_id, to_stage
    ),
    judged as (
      select p.a, p.b, f.customer_id,
             bool_or(e.at is not null and (${windowSeconds}::int is null or e.at <= f.at + make_interval(secs => ${windowSeconds}::int))) as advanced
      from pairs p
      join firsts f on f.to_stage = p.a
      left join ev e on e.customer_id = f.customer_id and e.to_stage = p.b and e.at > f.at
      group by p.a, p.b, f.customer_id
    )
    select a, b, count(*)::int as entered, (count(*) filter (where advanced))::int as advanced
    from judged group by a, b`, on);
}

export interface ObjectionRow {
  id: number;
  customerId: number;
  officeId: string | null;
  text: string;
  at: Date;
}

/** Objections (touchpoints of kind `objection`) in [from, to) within the scope, oldest first. */
export async function objectionsIn(database: Database, q: { scope: Scope; from: Date; to: Date; limit?: number }, on?: DbOrTx): Promise<ObjectionRow[]> {
  if (q.scope.kind === 'none') return [];
  const rows = await database.rows<{ id: number; customer_id: number; office_id: string | null; text: string | null; at: Date | string }>(sql`
    select t.id, t.customer_id, c.office_id, t.text, t.at
    from touchpoints t join customers c on c.id = t.customer_id
    where t.kind = 'objection' and t.at >= ${q.from} and t.at < ${q.to}${scopeCondition(q.scope, sql`c.office_id`)}
    order by t.at, t.id
    limit ${q.limit ?? 50_000}`, on);
  return rows.map((r) => ({ id: Number(r.id), customerId: Number(r.customer_id), officeId: r.office_id, text: r.text ?? '', at: asDate(r.at) }));
}

/**
 * Records a customer objection (客户异议) as a touchpoint of kind `objection`, customer → rep. Like any
 * customer → rep touchpoint it also moves the customer's last message time (客户上次留言) forward.
 */
export async function addObjection(on: DbOrTx, input: { customerId: number; text: string; actorId: string; at: Date; channel?: string }, now: Date) {
  const [row] = await on.insert(touchpoints).values({
    customerId: input.customerId, kind: 'objection', direction: 'in', channel: input.channel ?? 'rep_log',
    text: input.text, actorId: input.actorId, at: input.at, createdAt: now,
  }).returning();
  await on.update(customers)
    .set({ lastCustomerMessageAt: sql`greatest(${customers.lastCustomerMessageAt}, ${input.at})`, updatedAt: now })
    .where(sql`${customers.id} = ${input.customerId}`);
  return row!;
}

/** Everyone in the org with what scoping needs (small: one row per person). */
export async function orgPeople(database: Database, on?: DbOrTx): Promise<(OrgPerson & { name: string })[]> {
  const rows = await database.rows<{ user_id: string; name: string; office_id: string | null; roles: string[] | null; supervisor_id: string | null; active: boolean }>(
    sql`select user_id, name, office_id, roles, supervisor_id, active from people`, on);
  return rows.map((r) => ({ userId: r.user_id, name: r.name, officeId: r.office_id, roles: r.roles ?? [], supervisorId: r.supervisor_id, active: r.active }));
}

/** Offices within the scope, by id. */
export async function scopedOffices(database: Database, scope: Scope, on?: DbOrTx): Promise<{ id: string; name: string }[]> {
  if (scope.kind === 'none') return [];
  return database.rows<{ id: string; name: string }>(sql`select id, name from offices where true${scopeCondition(scope, sql`id`)} order by id`, on);
}
