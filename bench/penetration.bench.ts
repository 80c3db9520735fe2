/**
 * `npm run bench:penetration`: R8 penetration (GET /api/metrics/penetration's query, store/penetration.ts) by
 * office and by rep over 1,000,000 stage events for 50,000 customers on PostgreSQL. Goal: < 200 ms per query
 * on a 2-core machine.
 *
 * A fresh database (test/helpers/db.ts createPostgresDatabase, dropped at the end) is filled with generate_series:
 * 50,000 customers in 20 offices and 400 reps, 20 history rows each over the last year (created, stage changes
 * forward and back, a few refusals and overrides), then ANALYZEd. Each query (by office, by rep; last 30 days, 90
 * days, the whole year) runs once to warm up, then BENCH_RUNS times (default 7); min / median / max are printed,
 * with the counts as a sanity check. Twice: on the shipped schema, then with the index the query wants
 * (customer_events (to_stage, at) INCLUDE (customer_id, kind)), created on the bench database only.
 *
 * Env: BENCH_CUSTOMERS (50000), BENCH_EVENTS_PER_CUSTOMER (20), BENCH_RUNS (7), TEST_DATABASE_URL.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../store/db';
import { migrate } from '../store/migrate';
import { penetrationCounts, type PenetrationQuery } from '../store/penetration';
import { sql } from 'drizzle-orm';
import { createPostgresDatabase } from '../test/helpers/db';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50_000);
const PER_CUSTOMER = Number(process.env.BENCH_EVENTS_PER_CUSTOMER ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const DAY = 86_400_000;

async function main() {
  const pg = await createPostgresDatabase();
  const db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused', poolSize: 2 });
  try {
    await migrate(db);
    const now = new Date();
    const t0 = performance.now();
    await db.execScript(`
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
    await db.execScript('vacuum analyze');
    const [{ n } = { n: 0 }] = await db.rows<{ n: number }>(sql`select count(*)::int as n from customer_events`);
    const [{ v } = { v: '' }] = await db.rows<{ v: string }>(sql`select version() as v`);
    console.log(`PostgreSQL: ${v.split(' on ')[0]}; machine: ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`data: ${n.toLocaleString('en')} stage events, ${CUSTOMERS.toLocaleString('en')} customers, 20 offices, 400 reps (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);

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
    const measure = async (title: string) => {
      console.log(`${title}\nquery                      min ms   median   max ms   entered   advanced  groups`);
      const medians: number[] = [];
      for (const [name, q] of cases) {
        let r = await penetrationCounts(db, q); // warm-up
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const s = performance.now();
          r = await penetrationCounts(db, q);
          times.push(performance.now() - s);
        }
        times.sort((x, y) => x - y);
        const median = times[Math.floor(times.length / 2)]!;
        medians.push(median);
        console.log(`${name.padEnd(24)} ${times[0]!.toFixed(1).padStart(8)} ${median.toFixed(1).padStart(8)} ${times[times.length - 1]!.toFixed(1).padStart(8)} ${String(r.total.entered).padStart(9)} ${String(r.total.advanced).padStart(10)} ${String(r.groups.length).padStart(7)}`);
      }
      console.log('');
      return medians;
    };
    const plain = await measure('1) the shipped schema (customer_events_stage_at_idx: at, partial on entry kinds)');
    // The index this query wants (not in store/schema.ts yet: proposed, measured here on the bench database only).
    const t1 = performance.now();
    await db.execScript('create index customer_events_to_stage_at_idx on customer_events (to_stage, at) include (customer_id, kind)');
    await db.execScript('vacuum analyze customer_events'); // the visibility map, for index-only scans
    console.log(`(index built in ${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    const indexed = await measure('2) with the proposed index customer_events (to_stage, at) INCLUDE (customer_id, kind)');
    const verdict = (m: number[]) => `worst median ${Math.max(...m).toFixed(1)} ms; ≤ 90-day periods ${Math.max(...m.slice(0, 4)).toFixed(1)} ms`;
    console.log(`goal < 200 ms per query. shipped: ${verdict(plain)}. indexed: ${verdict(indexed)}.`);
    console.log(`load average after the run: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (figures are only meaningful on an idle machine)`);
  } finally {
    await db.close();
    await pg.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
