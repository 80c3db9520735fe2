import { openDatabase } from './store/db';
import { migrate } from './store/migrate';
import { Client } from 'pg';
async function main() {
  const c = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' }); await c.connect();
  await c.query('drop database if exists spb_pen_exp with (force)'); await c.query('create database spb_pen_exp'); await c.end();
  const db = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/spb_pen_exp', dataDir: 'x', poolSize: 1 });
  await migrate(db);
  await db.execScript(`
      insert into offices (id, name, updated_at) select 'office' || g, '办事处' || g, now() from generate_series(0, 19) g;
      insert into customers (name, owner_id, office_id, stage, stage_entered_at, created_at, updated_at)
        select '客户' || g, 'rep' || (g % 400), 'office' || (g % 20), 'lead', now(), now(), now() from generate_series(1, 50000) g;
      insert into customer_events (customer_id, kind, from_stage, to_stage, actor_id, source, at, process_version)
      select c, case when s = 0 then 'created' when r < 0.03 then 'refusal' when r < 0.05 then 'override' else 'stage_change' end,
             null,
             (array['lead','first_call','demo_done','proposal_submitted','negotiating','contract_pending'])[1 + ((s + c) % 6)],
             'rep' || (c % 400), 'text',
             now() - interval '365 days' + ((c * 7919) % 344) * interval '1 day' + s * interval '26 hours' + (r * 38 - 19) * interval '1 hour',
             '1'
      from (select c, s, random() as r from generate_series(1, 50000) c, generate_series(0, 19) s) x;
      analyze;`);
  await db.close();
}
main();
