import { sql } from 'drizzle-orm';
import { openDatabase } from '../store/db';
import { migrate } from '../store/migrate';
import { createPostgresDatabase } from '../test/helpers/db';
async function main() {
  const pg = await createPostgresDatabase();
  const database = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused', poolSize: 2 });
  try {
    await migrate(database);
    const NOW = '2026-11-27T04:00:00Z';
    await database.execScript(`select setseed(0.42);
    create temporary table gen as select c, timestamptz '${NOW}' - (interval '1 day' * (20 + random() * 345)) as start, (2 + random() * 38) as step_h from generate_series(1, 50000) c;
    create temporary table walk as select g.c, k, g.start + make_interval(hours => (k * g.step_h)::int) as at,
      (array['lead','first_call','demo_done','proposal_submitted','negotiating','contract_pending'])[1 + least(5, greatest(0, k / 3 - case when (g.c + k) % 7 = 0 then 1 else 0 end))] as stage
      from gen g cross join generate_series(0, 19) k;
    insert into customers (id, name, owner_id, office_id, stage, stage_entered_at, created_at, updated_at)
      select w.c, 'c' || w.c, 'rep1', 'o' || (w.c % 14), w.stage, w.at, g.start, w.at from walk w join gen g using (c) where w.k = 19;
    insert into customer_events (customer_id, kind, from_stage, to_stage, actor_id, source, at)
      select c, case when k = 0 then 'created' else 'stage_change' end, null, stage, 'rep1', 'text', at from walk order by at;
    analyze;`);
    const r = await database.rows<{ n: number; c: number }>(sql`select count(*)::int n, count(distinct customer_id)::int c from customer_events where at >= timestamptz '${sql.raw(NOW)}' - interval '30 days'`);
    console.log(r);
    const { dwellAggregates } = await import('../store/analytics');
    const q = { scope: { kind: 'all' as const }, stages: ['lead','first_call','demo_done','proposal_submitted','negotiating','contract_pending'], from: new Date(Date.parse(NOW) - 30 * 86400000), to: new Date(NOW), now: new Date(NOW) };
    // capture SQL by monkeypatching rows
    const orig = database.rows.bind(database);
    (database as { rows: typeof database.rows }).rows = async (query, on) => {
      const plan = await orig(sql`explain (analyze, buffers off, timing on) ${query}`, on);
      console.log(plan.map((p) => Object.values(p as object)[0]).join('\n'));
      return [];
    };
    await dwellAggregates(database, q);
  } finally { await database.close(); await pg.drop(); }
}
main();
