/**
 * `npm run bench:penetration`: R8 penetration (GET /api/metrics/penetration's query, store/penetration.ts) by
 * office and by rep over 1,000,000 stage events for 50,000 customers on PostgreSQL. Goal: < 200 ms per query
 * on a 2-core machine.
 *
 * A fresh database (test/helpers/db.ts createPostgresDatabase, dropped at the end) is filled with generate_series:
 * 50,000 customers in 20 offices and 400 reps, 20 history rows each over the last year (created, stage changes
 * forward and back, a few refusals and overrides), bulk-loaded with the triggers off like an import; the rollups are
 * then rebuilt once (migration 0011's customer_stage_entries_rebuild, the time is printed, and those of 0006/0009)
 * and the database vacuumed and analyzed. Each query (by office, by rep; last 30 days, 90 days, the whole year) runs
 * once cold (the first run after the data was generated), then BENCH_RUNS times (default 7); min / median / max are
 * printed with the counts, first for penetrationCounts (0011's per-customer entry keys), then for
 * penetrationCountsDirect (two index-only range scans of customer_events, migration 0004) as the reference: the
 * counts must be the same (exit code 1 otherwise). Ends with one summary table (bench/harness.ts reportGoals).
 *
 * Env: BENCH_CUSTOMERS (50000), BENCH_EVENTS_PER_CUSTOMER (20), BENCH_RUNS (7), BENCH_DB=migrated (start from a
 * database migrated beforehand), BENCH_RESULT (JSON lines for bench:all), TEST_DATABASE_URL.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../store/db';
import { migrate } from '../store/migrate';
import { penetrationCounts, penetrationCountsDirect, type PenetrationQuery, type PenetrationResult } from '../store/penetration';
import { sql } from 'drizzle-orm';
import { benchDatabase, machineLoad, reportGoals, type Goal } from './harness';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50_000);
const PER_CUSTOMER = Number(process.env.BENCH_EVENTS_PER_CUSTOMER ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const DAY = 86_400_000;

async function main() {
  const load0 = await machineLoad();
  const pg = await benchDatabase();
  const db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused', poolSize: 2 });
  try {
    await migrate(db);
    const now = new Date();
    const t0 = performance.now();
    // Bulk-loaded like an import: rollup triggers (migrations 0006, 0009, 0011) off, rollups rebuilt once afterwards.
    await db.execScript(`
      set session_replication_role = replica;
      insert into offices (id, name, updated_at) select 'office' || g, '办事处' || g, now() from generate_series(0, 19) g;
      insert into people (user_id, name, office_id, roles, updated_at)
        select 'rep' || g, '销售' || g, 'office' || (g % 20), '["rep"]'::jsonb, now() from generate_series(0, 399) g;
      insert into customers (name, owner_id, office_id, stage, stage_entered_at, created_at, updated_at)
        select '客户' || g, 'rep' || (g % 400), 'office' || (g % 20), 'lead', now(), now(), now() from generate_series(1, ${CUSTOMERS}) g;
      -- ${PER_CUSTOMER} rows per customer: row 0 creates it at a random day of the last year; then one row every
      -- 2–40 hours moving through the 6 stages (mostly forward, sometimes back), 3% refusals, 2% overrides.
      insert into customer_events (customer_id, kind, from_stage, to_stage, actor_id, source, at, process_version)
      select c, case when s = 0 then 'created' when r < 0.03 then 'refusal' when r < 0.05 then 'override' else 'stage_change' end,
             case when s = 0 then null else (array['lead','first_call','demo_done','proposal_submitted','negotiating','contract_pending'])[1 + ((s - 1 + c) % 6)] end,
             (array['lead','first_call','demo_done','proposal_submitted','negotiating','contract_pending'])[1 + ((s + c) % 6)],
             'rep' || (c % 400), 'text',
             now() - interval '365 days' + ((c * 7919) % 344) * interval '1 day' + s * interval '26 hours' + (r * 38 - 19) * interval '1 hour',
             '1'
      from (select c, s, random() as r from generate_series(1, ${CUSTOMERS}) c, generate_series(0, ${PER_CUSTOMER - 1}) s) x;
    `);
    await db.execScript(`set session_replication_role = origin;
      analyze customers; analyze customer_events;
      select stage_dwell_apply(array(select id::int from customers), 1, null, false);
      select stage_marks_rebuild(array(select id::int from customers));
      select stage_entry_apply(array(select id::int from customers), '{}'::bigint[], 1, null, false);
      select stage_current_apply(array(select id::int from customers), '{}'::bigint[], 1, null, false);`);
    const tr = performance.now();
    await db.execScript('select customer_stage_entries_rebuild()');
    const rebuildSeconds = (performance.now() - tr) / 1000;
    await db.execScript('vacuum analyze');
    const [{ n } = { n: 0 }] = await db.rows<{ n: number }>(sql`select count(*)::int as n from customer_events`);
    const [{ v } = { v: '' }] = await db.rows<{ v: string }>(sql`select version() as v`);
    console.log(`PostgreSQL: ${v.split(' on ')[0]}; machine: ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`database: ${pg.mode}; machine before the run: ${load0.text}`);
    console.log(`data: ${n.toLocaleString('en')} stage events, ${CUSTOMERS.toLocaleString('en')} customers, 20 offices, 400 reps (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; customer_stage_entries rebuilt in ${rebuildSeconds.toFixed(1)} s)\n`);

    const base = { a: 'demo_done', b: 'proposal_submitted', windowSeconds: 72 * 3600 };
    const days = (n: number) => ({ from: new Date(now.getTime() - n * DAY), to: now });
    const cases: [string, PenetrationQuery][] = [
      ['by office, last 30 days', { ...base, by: 'office', ...days(30) }],
      ['by rep,    last 30 days', { ...base, by: 'rep', ...days(30) }],
      ['by office, last 90 days', { ...base, by: 'office', ...days(90) }],
      ['by rep,    last 90 days', { ...base, by: 'rep', ...days(90) }],
      ['by office, whole year', { ...base, by: 'office', ...days(366) }],
      ['by rep,    whole year', { ...base, by: 'rep', ...days(366) }],
    ];
    const measure = async (title: string, count: (q: PenetrationQuery) => Promise<PenetrationResult>) => {
      console.log(`${title}\nquery                      min ms   median   max ms   entered   advanced  groups`);
      const medians: number[] = [];
      const colds: number[] = [];
      const results: PenetrationResult[] = [];
      for (const [name, q] of cases) {
        const c0 = performance.now();
        let r = await count(q); // cold, then warm runs
        colds.push(performance.now() - c0);
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const s = performance.now();
          r = await count(q);
          times.push(performance.now() - s);
        }
        times.sort((x, y) => x - y);
        const median = times[Math.floor(times.length / 2)]!;
        medians.push(median);
        results.push(r);
        console.log(`${name.padEnd(24)} ${times[0]!.toFixed(1).padStart(8)} ${median.toFixed(1).padStart(8)} ${times[times.length - 1]!.toFixed(1).padStart(8)} ${String(r.total.entered).padStart(9)} ${String(r.total.advanced).padStart(10)} ${String(r.groups.length).padStart(7)}`);
      }
      console.log('');
      return { medians, colds, results };
    };
    const m = await measure('penetrationCounts (0011: customer_stage_entries, one row per customer)', (q) => penetrationCounts(db, q));
    const d = await measure('penetrationCountsDirect, for reference (0004: customer_events (to_stage, at) INCLUDE (customer_id, kind); not cold)', (q) => penetrationCountsDirect(db, q));
    const differing = cases.filter((_, i) => JSON.stringify(m.results[i]) !== JSON.stringify(d.results[i])).map(([name]) => name.replace(/ +/g, ' '));
    if (differing.length) {
      console.error(`the rollup and the direct computation differ: ${differing.join('; ')}`);
      process.exitCode = 1;
    }
    const sizes = `${(n / 1e6).toFixed(2)}M events, ${CUSTOMERS.toLocaleString('en')} customers`;
    const goals: Goal[] = [
      { bench: 'penetration', goal: 'a year by office, cold', kind: 'max', limit: 200, measured: m.colds[4]!, unit: 'ms', detail: `median ${m.medians[4]!.toFixed(1)} ms (direct ${d.medians[4]!.toFixed(1)} ms); ${sizes}` },
      { bench: 'penetration', goal: 'a year by rep, cold', kind: 'max', limit: 200, measured: m.colds[5]!, unit: 'ms', detail: `median ${m.medians[5]!.toFixed(1)} ms (direct ${d.medians[5]!.toFixed(1)} ms); ${sizes}` },
      { bench: 'penetration', goal: '30 days by office, median', kind: 'max', limit: 200, measured: m.medians[0]!, unit: 'ms', detail: `cold ${m.colds[0]!.toFixed(1)} ms; direct median ${d.medians[0]!.toFixed(1)} ms` },
    ];
    reportGoals('bench:penetration', goals, [`database ${pg.mode}; machine after the run: ${(await machineLoad()).text}`]);
  } finally {
    await db.close();
    await pg.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
