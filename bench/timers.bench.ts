/**
 * `npm run bench:timers`: durable timers firing in a burst, on PostgreSQL + Redis, with the real bot.
 *
 * Per case: a fresh PostgreSQL database; the real bot (createBot, REDIS_URL → bull runner, default 1 s sweep) in a
 * child process (bench/timers-server.ts). This process seeds an org (1 admin, 20 supervisors, 500 reps), one
 * customer per task and BENCH_TIMERS (100,000) open `pain_point` tasks, each with one `escalate` level-1 timer — with
 * one multi-row INSERT … SELECT generate_series each. BENCH_DUE (10,000) timers are due BENCH_LEAD s from now (wall
 * clock), the rest 30 days later. The bot then schedules their wake-ups as production does (app/timers-setup.ts
 * wakeTimersAt: one bull delayed job per 500 ms slot with a timer due); the 1 s sweep is the safety net. Each firing writes a warning card to the rep's supervisor
 * (outbox) and an `escalated` task event. Cases: `spread` = due evenly within one minute; `instant` = all due at
 * the same millisecond (measures the drain rate: how many fire per second when all are due).
 * Figures: lateness = fired_at − fire_at (DB); "visible" = when this process first saw the firing committed
 * (polled every 100 ms; an upper bound); fired/s = due ÷ (last fired_at − first fire_at); exactly once = one
 * `escalated` event per due task and one outbox row per due timer, nothing else fired. CPU per timer: the bot's and
 * this database's PostgreSQL CPU over the case, less the idle rate measured over the BENCH_IDLE (5) s before the
 * first timer is due (sweeps and bull's housekeeping, paid with or without timers); both figures are printed. The
 * SQL statements the bot sent per timer are printed too.
 * Env: BENCH_TIMERS, BENCH_DUE, BENCH_LEAD (s, 20), BENCH_IDLE (s, 5), BENCH_WAIT (s after the window, 180), BENCH_CASES
 * (spread,instant), BENCH_OUTBOX=off (no-op outbox worker instead of delivering to a local WeCom stub),
 * BENCH_LOG_LEVEL, BENCH_CPU_PROF=<dir>, TEST_DATABASE_URL / TEST_REDIS_URL.
 */
import { benchDatabase, machineCpu, machineLoad, reportGoals, serviceCpu, type Goal } from './harness';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { startBotChild, wecomStub } from './timers-server';

process.env.NOCK_OFF = 'true'; // test/helpers/wecom.ts imports nock; it must not patch http here

const num = (name: string, dflt: number) => (Number(process.env[name]) > 0 ? Number(process.env[name]) : dflt);
const TOTAL = num('BENCH_TIMERS', 100_000);
const DUE = Math.min(TOTAL, num('BENCH_DUE', 10_000));
const LEAD_S = num('BENCH_LEAD', 20);
const WAIT_S = num('BENCH_WAIT', 180);
/** Seconds of the lead, just before the first timer is due, over which the bot's idle CPU is measured. */
const IDLE_S = num('BENCH_IDLE', 5);
const OUTBOX = process.env.BENCH_OUTBOX !== 'off';
const CPU_PROF = process.env.BENCH_CPU_PROF;
const GOAL_P99_MS = 1000;
const GOAL_RATE = 500;
const CASES = [{ id: 'spread', windowMs: 60_000 }, { id: 'instant', windowMs: 0 }]
  .filter((c) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(c.id));

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const table = (rows: string[][]) => {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(rows[0]!), w.map((x) => '-'.repeat(x)).join('  '), ...rows.slice(1).map(line)].join('\n');
};

/** The org, customers, tasks and their timers: one INSERT … SELECT each, in one transaction. */
async function seed(c: Client, nowMs: number, t0Ms: number, windowMs: number) {
  await c.query('begin');
  await c.query(`insert into offices (id, name, updated_at) values ('bench', '压测办事处', now())`);
  await c.query(`insert into people (user_id, name, office_id, roles, supervisor_id, updated_at)
    select 'boss', '陈总', 'bench', '["supervisor","admin"]'::jsonb, null, now()
    union all select 'sup' || g, '主管' || g, 'bench', '["supervisor"]'::jsonb, 'boss', now() from generate_series(1, 20) g
    union all select 'rep' || g, '销售' || g, 'bench', '["rep"]'::jsonb, 'sup' || (g % 20 + 1), now() from generate_series(1, 500) g`);
  // One customer per task: a customer has at most one open task of a kind (migration 0008 tasks_one_open_per_kind).
  const customers = await c.query<{ id: string }>(`insert into customers (name, industry, owner_id, office_id, stage, stage_entered_at, created_at, updated_at)
    select '客户' || g, '医疗', 'rep' || (g % 500 + 1), 'bench', 'first_call', now(), now(), now() from generate_series(1, $1::int) g
    returning id`, [TOTAL]);
  const firstCustomer = Math.min(...customers.rows.map((r) => Number(r.id)));
  await c.query(`insert into tasks (kind, customer_id, assignee_id, status, trigger, opened_at, due_at, escalation_level, version)
    select 'pain_point', $6::bigint + g - 1, 'rep' || (g % 500 + 1), 'open', 'bench', to_timestamp($1 / 1000.0) - interval '2 hours',
      case when g <= $3 then to_timestamp(($2 + floor((g - 1) * $4::float8 / $3)) / 1000.0)
           else to_timestamp($1 / 1000.0) + interval '30 days' + g * interval '10 seconds' end, 0, 1
    from generate_series(1, $5::int) g`, [nowMs, t0Ms, DUE, windowMs, TOTAL, firstCustomer]);
  await c.query(`insert into task_events (task_id, kind, actor_id, data, at) select id, 'opened', assignee_id, '{"trigger":"bench"}', opened_at from tasks`);
  await c.query(`insert into timers (kind, key, task_id, customer_id, fire_at, status, attempts, payload, created_at)
    select 'escalate', 'task:' || id || ':v1:escalate:1', id, customer_id, due_at, 'pending', 0, '{"level":1,"version":1}'::jsonb, opened_at
    from tasks order by id`);
  await c.query('commit');
  await c.query('analyze');
  const r = await c.query<{ id: string; at: number }>(`select id, extract(epoch from fire_at) * 1000 as at from timers
    where fire_at <= to_timestamp($1 / 1000.0) order by fire_at, id`, [t0Ms + windowMs]);
  return r.rows.map((x) => [Number(x.id), Math.round(Number(x.at))] as [number, number]);
}

interface Result {
  id: string; row: string[]; ok: boolean; lines: string[]; p99: number; rate: number; cpuUs: number; pgUs: number; fired: number;
  /** CPU per timer above the idle rate (bot, PostgreSQL for this database). */
  netBotUs: number; netPgUs: number;
}

async function runCase(kase: { id: string; windowMs: number }, stub: { base: string; sends(): number }): Promise<Result> {
  const { TEST_REDIS_URL } = await import('../test/helpers/env');
  const { testConfig } = await import('../test/helpers/wecom');
  const pg = await benchDatabase();
  const redisPrefix = `spb_tbench_${randomBytes(4).toString('hex')}`;
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const config = testConfig({ apiBase: stub.base, logLevel: process.env.BENCH_LOG_LEVEL || 'silent', databaseUrl: pg.url, redisUrl: TEST_REDIS_URL });
  const child = startBotChild({ config, redisPrefix, outbox: OUTBOX }, CPU_PROF && `${CPU_PROF}/timers-${kase.id}-${Date.now()}.cpuprofile`);
  const c = new Client({ connectionString: pg.url });
  const lines: string[] = [];
  const say = (s: string) => { lines.push(s); console.log(`  ${s}`); };
  try {
    const ready = await child.ready();
    await c.connect();
    console.log(`[${kase.id}] bot pid ${ready.pid}, workers ${ready.workers}, db ${ready.database}, redis prefix ${redisPrefix}, outbox ${OUTBOX ? 'delivering to the stub' : 'off (no-op)'}`);
    const sends0 = stub.sends();
    const nowMs = Date.now();
    const t0 = nowMs + LEAD_S * 1000;
    let s = performance.now();
    const due = await seed(c, nowMs, t0, kase.windowMs);
    say(`seeded ${fmt(TOTAL)} tasks + timers (+ events, org, customers) in ${fmt((performance.now() - s) / 1000, 1)} s; ${fmt(due.length)} due from +${LEAD_S} s over ${kase.windowMs / 1000} s`);
    s = performance.now();
    const kicked = await child.kick(due);
    let delayed = 0;
    while ((delayed = await redis.zcard(`${redisPrefix}:timers:delayed`)) < kicked.slots && Date.now() < t0) await sleep(50);
    const kickS = (performance.now() - s) / 1000;
    say(`wake-ups for ${fmt(kicked.n)} timers: calls ${fmt(kicked.callMs)} ms, all ${fmt(delayed)} bull delayed jobs (one per wake-up slot) in Redis after ${fmt(kickS, 2)} s ` +
      `(${fmt(kicked.slots / kickS)} adds/s)${Date.now() >= t0 ? ' — WARNING: the burst started before the wake-ups were in; raise BENCH_LEAD' : ''}`);
    const pgPid = Number((await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid);
    const dbName = new URL(pg.url).pathname.slice(1);
    // The idle cost (sweeps, bull's housekeeping) is paid with or without timers: measured over the quiet seconds before
    // the first one is due, and taken off the case's CPU to give the cost per timer.
    await sleep(Math.max(0, t0 - Date.now() - IDLE_S * 1000 - 200));
    const mIdle = await child.mark();
    const svcIdle = serviceCpu(dbName, pgPid);
    const idleFrom = performance.now();
    await sleep(Math.max(0, t0 - Date.now() - 200));
    const m0 = await child.mark();
    const cpu0 = machineCpu();
    const svc0 = serviceCpu(dbName, pgPid);
    const idleS = (performance.now() - idleFrom) / 1000;
    const idleBot = (m0.cpuMicros - mIdle.cpuMicros) / 1e6 / Math.max(0.001, idleS);
    const idlePg = (svc0.pgDb - svcIdle.pgDb) / Math.max(0.001, idleS);
    const windowFrom = performance.now();
    // Poll for committed firings: a due timer no longer pending/firing is committed (seen no later than `after`).
    const seen = new Map<number, number>();
    const deadline = t0 + kase.windowMs + WAIT_S * 1000;
    while (seen.size < due.length && Date.now() < deadline) {
      const before = Date.now();
      const r = await c.query<{ id: string }>(`select id from timers where status = 'pending' and fire_at <= to_timestamp($1 / 1000.0)
        union all select id from timers where status = 'firing' and fire_at <= to_timestamp($1 / 1000.0)`, [before]);
      const after = Date.now();
      const open = new Set(r.rows.map((x) => Number(x.id)));
      for (const [id, at] of due) {
        if (at > before) break;
        if (!seen.has(id) && !open.has(id)) seen.set(id, after);
      }
      await sleep(100);
    }
    // With delivery on, the case's CPU includes sending what the timers wrote: the window closes when no warning is
    // waiting (rows the member's budget holds back wait for it; the idle rate is taken off that time).
    let undelivered = 0;
    while (OUTBOX && Date.now() < deadline + 120_000) {
      undelivered = Number((await c.query<{ n: string }>(`select count(*) as n from outbox where cause like 'timer:%' and status in ('pending', 'sending')`)).rows[0]!.n);
      if (!undelivered) break;
      await sleep(250);
    }
    const m1 = await child.mark();
    const cpu1 = machineCpu();
    const svc1 = serviceCpu(dbName, pgPid);
    const windowS = (performance.now() - windowFrom) / 1000;
    if (OUTBOX) say(`delivery: ${undelivered ? `${fmt(undelivered)} warnings still undelivered at the deadline` : 'every warning delivered (sent or merged)'} ` +
      `${fmt(windowS, 1)} s after the case began`);
    const rows = (await c.query<{ id: string; fire: number; fired: number | null }>(`select id, extract(epoch from fire_at) * 1000 as fire,
      extract(epoch from fired_at) * 1000 as fired from timers where id = any($1::bigint[])`, [due.map((d) => d[0])])).rows;
    const fired = rows.filter((r) => r.fired !== null).map((r) => ({ id: Number(r.id), fire: Number(r.fire), fired: Number(r.fired) }));
    const late = fired.map((r) => r.fired - r.fire).sort((a, b) => a - b);
    const vis = fired.map((r) => (seen.get(r.id) ?? NaN) - r.fire).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    const first = Math.min(...fired.map((r) => r.fire));
    const last = Math.max(...fired.map((r) => r.fired));
    const rate = fired.length / Math.max(0.001, (last - first) / 1000);
    const perSec = new Map<number, number>();
    for (const r of fired) perSec.set(Math.floor(r.fired / 1000), (perSec.get(Math.floor(r.fired / 1000)) ?? 0) + 1);
    const peak = Math.max(0, ...perSec.values());
    const q = (await c.query<Record<string, string>>(`select
      (select count(*) from timers where status = 'fired' and kind = 'escalate') as fired_all,
      (select count(*) from timers where status = 'pending' and kind = 'escalate') as pending,
      (select count(*) from task_events where kind = 'escalated') as ev, (select count(distinct task_id) from task_events where kind = 'escalated') as ev_tasks,
      (select count(*) from task_events e join timers t on t.task_id = e.task_id and t.status = 'fired' where e.kind = 'escalated') as ev_of_fired,
      (select count(*) from outbox where cause like 'timer:%') as ob, (select count(distinct cause) from outbox where cause like 'timer:%') as ob_timers,
      (select count(*) from tasks where escalation_level = 1) as raised, (select count(*) from timers where last_error is not null) as errors,
      (select count(*) from outbox where status = 'sent') as sent`)).rows[0]!;
    const n = Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Number(v)]));
    const ok = n.fired_all === DUE && n.pending === TOTAL - DUE && n.ev === DUE && n.ev_tasks === DUE && n.ev_of_fired === DUE &&
      n.ob === DUE && n.ob_timers === DUE && n.raised === DUE && n.errors === 0;
    const cpuS = (m1.cpuMicros - m0.cpuMicros) / 1e6;
    const span = (last - first) / 1000;
    const machine = cpu1.busy - cpu0.busy;
    say(`fired ${fmt(fired.length)}/${fmt(DUE)}; lateness (fired_at − fire_at) p50 ${fmt(pct(late, 50))} ms, p99 ${fmt(pct(late, 99))} ms, max ${fmt(pct(late, 100))} ms; ` +
      `visible (polled) p50 ${fmt(pct(vis, 50))} ms, p99 ${fmt(pct(vis, 99))} ms, max ${fmt(pct(vis, 100))} ms`);
    say(`fired/s ${fmt(rate)} (${fmt(fired.length)} over ${fmt(span, 2)} s from the first fire_at to the last fired_at), peak 1 s ${fmt(peak)}; ` +
      `bot ${fmt((cpuS / Math.max(0.001, span)) * 100)} % of a core (${fmt((cpuS * 1e6) / Math.max(1, fired.length))} µs/timer), ` +
      `rss ${m1.rssMb} MB; ${fmt((m1.queries - m0.queries) / Math.max(1, fired.length), 1)} SQL statements/timer`);
    const pgS = svc1.pgDb - svc0.pgDb;
    say(`CPU over the burst (core-s): bot ${fmt(cpuS, 1)}, PostgreSQL for this database ${fmt(pgS, 1)} (${fmt((pgS * 1e6) / Math.max(1, fired.length))} µs/timer; ` +
      `all postgres processes ${fmt(svc1.pgAll - svc0.pgAll, 1)}), Redis ${fmt(svc1.redis - svc0.redis, 1)}, everything else ` +
      `${fmt(Math.max(0, machine - cpuS - (svc1.pgAll - svc0.pgAll) - (svc1.redis - svc0.redis)), 1)}; machine ${fmt((machine / (cpu1.total - cpu0.total)) * 100)} % busy`);
    const check = `timers fired ${fmt(n.fired_all!)} (still pending ${fmt(n.pending!)}); escalated events ${fmt(n.ev!)} on ${fmt(n.ev_tasks!)} tasks ` +
      `(${fmt(n.ev_of_fired!)} of fired timers); outbox rows ${fmt(n.ob!)} for ${fmt(n.ob_timers!)} timers; tasks raised ${fmt(n.raised!)}; errors ${n.errors} → ${ok ? 'OK, exactly once' : 'MISMATCH'}`;
    const netBotUs = (Math.max(0, cpuS - idleBot * windowS) * 1e6) / Math.max(1, fired.length);
    const netPgUs = (Math.max(0, pgS - idlePg * windowS) * 1e6) / Math.max(1, fired.length);
    say(`idle (before the first was due, ${fmt(idleS, 1)} s): bot ${fmt(idleBot * 1000, 1)} ms/s, PostgreSQL ${fmt(idlePg * 1000, 1)} ms/s; ` +
      `over the ${fmt(windowS, 1)} s window net of idle: bot ${fmt(netBotUs)} µs/timer, PostgreSQL ${fmt(netPgUs)} µs/timer`);
    if (OUTBOX) say(`outbox: ${fmt(n.sent!)} rows sent by the time the burst was over; the stub saw ${fmt(stub.sends() - sends0)} message/send`);
    say(`check: ${check}`);
    // spread: the lateness goal (arrivals at ~167/s); instant: the rate goal (all due at once, so lateness ≈ position ÷ rate).
    const goal = kase.windowMs > 0 ? (pct(late, 99) < GOAL_P99_MS && pct(vis, 99) < GOAL_P99_MS ? 'p99 ok' : 'p99 MISS') : (rate >= GOAL_RATE ? 'rate ok' : 'rate MISS');
    return {
      id: kase.id, ok, lines, p99: Math.max(pct(late, 99), pct(vis, 99)), rate, fired: fired.length,
      cpuUs: (cpuS * 1e6) / Math.max(1, fired.length), pgUs: (pgS * 1e6) / Math.max(1, fired.length), netBotUs, netPgUs,
      row: [`${kase.id} (${fmt(DUE)} in ${kase.windowMs / 1000} s)`, fmt(kickS, 1), `${fmt(fired.length)}`, fmt(pct(late, 50)), fmt(pct(late, 99)), fmt(pct(late, 100)),
        fmt(pct(vis, 99)), fmt(rate), fmt(peak), fmt((cpuS * 1e6) / Math.max(1, fired.length)), fmt((pgS * 1e6) / Math.max(1, fired.length)), ok ? 'yes' : 'NO', goal],
    };
  } finally {
    await c.end().catch(() => undefined);
    await child.stop().catch((err: unknown) => console.error(`  bot child stop: ${String(err)}`));
    await pg.drop().catch((err: unknown) => console.error(`  drop database: ${String(err)}`));
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log(`sales-process-bot timer benchmark — node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? '?'}); ` +
    `${fmt(TOTAL)} pending timers, ${fmt(DUE)} due in a burst; PostgreSQL + Redis local (same CPUs)`);
  const q0 = machineCpu();
  await sleep(1000);
  const q1 = machineCpu();
  const busy = ((q1.busy - q0.busy) / (q1.total - q0.total)) * 100;
  console.log(`machine before the run: ${fmt(busy)} % busy over 1 s, load average ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}` +
    (busy > 15 ? ' — WARNING: other work is running; figures will be worse and noisy' : ''));
  const stub = await wecomStub();
  const results: Result[] = [];
  try {
    for (const k of CASES) {
      results.push(await runCase(k, stub));
      console.log('');
    }
  } finally {
    await stub.close();
  }
  console.log(table([['case', 'kicks s', 'fired', 'late p50 ms', 'p99 ms', 'max ms', 'visible p99', 'fired/s', 'peak 1 s', 'bot µs/timer', 'PG µs/timer', 'exactly once', 'goal'],
    ...results.map((r) => r.row)]));
  console.log(`\nlateness = fired_at − fire_at from the database (fired_at = the clock when the firing transaction began); visible = first poll ` +
    `(every 100 ms) that saw it committed, an upper bound. fired/s = fired ÷ (last fired_at − first fire_at): in \`spread\` it cannot exceed ` +
    `the arrival rate (${fmt(DUE / 60)}/s), \`instant\` measures the drain rate. Outbox ${OUTBOX ? 'delivering to a local stub' : 'off (BENCH_OUTBOX=off)'}.`);
  console.log(`goal: p99 lateness < ${GOAL_P99_MS} ms, ≥ ${GOAL_RATE} fired/s on a 2-core machine (this one: ${cpus.length} CPUs).`);
  const spread = results.find((r) => r.id === 'spread');
  const instant = results.find((r) => r.id === 'instant');
  const goals: Goal[] = [];
  if (spread) goals.push({ bench: 'timers', goal: 'spread: p99 lateness (fired and visible)', kind: 'max', limit: GOAL_P99_MS, measured: spread.p99, unit: 'ms', detail: `${fmt(DUE)} due in 60 s of ${fmt(TOTAL)}` });
  if (instant) goals.push({ bench: 'timers', goal: 'burst: fired per second', kind: 'min', limit: GOAL_RATE, measured: instant.rate, unit: '/s', detail: `${fmt(DUE)} due at once` });
  if (spread && instant) {
    const per = (r: Result) => r.netBotUs + r.netPgUs;
    goals.push({ bench: 'timers', goal: 'spread CPU per timer ÷ burst CPU per timer (bot + PostgreSQL, above idle)', kind: 'max', limit: 2, measured: per(spread) / per(instant), unit: '×',
      detail: `spread ${fmt(spread.netBotUs)} + ${fmt(spread.netPgUs)} µs, burst ${fmt(instant.netBotUs)} + ${fmt(instant.netPgUs)} µs (bot + PG); ` +
        `with idle: spread ${fmt(spread.cpuUs)} + ${fmt(spread.pgUs)}, burst ${fmt(instant.cpuUs)} + ${fmt(instant.pgUs)} µs` });
  }
  goals.push({ bench: 'timers', goal: 'exactly once (every case)', kind: 'min', limit: 1, measured: results.every((r) => r.ok) ? 1 : 0, unit: '' });
  reportGoals('bench:timers', goals, [`database ${process.env.BENCH_DB === 'migrated' ? 'migrated' : 'fresh'}; machine after the run: ${(await machineLoad()).text}`]);
  if (results.some((r) => !r.ok)) {
    console.error('exactly-once check failed');
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
