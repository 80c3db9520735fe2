/**
 * The inbox claim keeps its plan whatever the statistics say (migration 0013, issue 16). On a young database the
 * statistics describe an empty inbox; a burst then left thousands of open rows, and the plan chosen for ten rows read
 * every open row for each candidate: seconds per claim, replies down from ~100 to ~30 a second. Here the inbox is
 * analysed empty, 3,000 rows arrive (stale statistics, as then), and the claim's statement — planned with the function's
 * own settings — must walk the open rows' id index and probe each candidate's older rows by index: no sequential scan,
 * no sort of all open rows. And it claims what it should: the oldest open row of each user, in id order.
 */
import { sql } from 'drizzle-orm';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';

const NOW = new Date('2026-12-01T10:00:00+08:00');

describe.each(DRIVERS)('the inbox claim on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database.close();
  });

  it('walks the open rows by index with statistics of an empty inbox, and claims one row per user in order', async () => {
    await database.rows(sql`analyze inbox`);
    // 3,000 open rows from 1,000 people (three each), after 2,000 handled ones.
    await database.rows(sql`insert into inbox (dedupe_key, kind, user_id, payload, status, attempts, next_attempt_at, received_at, handled_at)
      select 'd' || g, 'text', 'done' || g, '{}'::jsonb, 'done', 1, ${NOW}, ${NOW}, ${NOW} from generate_series(1, 2000) g`);
    await database.rows(sql`insert into inbox (dedupe_key, kind, user_id, payload, status, attempts, next_attempt_at, received_at)
      select 'p' || g, 'text', 'rep' || (g % 1000), '{}'::jsonb, 'pending', 0, ${NOW}, ${NOW} from generate_series(1, 3000) g`);

    const [fn] = await database.rows<{ body: string; config: string[] }>(sql`
      select prosrc as body, proconfig as config from pg_proc where proname = 'inbox_claim'`);
    expect(fn!.config).toEqual(expect.arrayContaining(['enable_seqscan=off', 'enable_sort=off']));
    const body = fn!.body.replace(/p_now/g, `'${NOW.toISOString()}'::timestamptz`).replace(/p_until/g, `'${NOW.toISOString()}'::timestamptz`)
      .replace(/p_limit/g, '4');
    const plan = await database.db.transaction(async (tx) => {
      for (const setting of fn!.config) {
        const [name, value] = setting.split('=');
        await database.rows(sql.raw(`set local ${name} = ${value}`), tx);
      }
      return database.rows<{ 'QUERY PLAN': string }>(sql.raw(`explain ${body}`), tx);
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Seq Scan|Sort/);
    expect(text).toMatch(/Index Scan using inbox_open_id_idx on inbox i/);
    expect(text).toMatch(/Index (Only )?Scan using inbox_user_open_idx on inbox e/);

    const claimed = await database.rows<{ id: number; user_id: string }>(sql`
      select id, user_id from inbox_claim(${NOW}, ${new Date(NOW.getTime() + 60_000)}, 4) order by id`);
    expect(claimed.map((r) => r.user_id)).toEqual(['rep1', 'rep2', 'rep3', 'rep4']);
    // rep1's next message waits for the first: a second claim skips rep1..rep4 (open) and takes rep5…
    const next = await database.rows<{ user_id: string }>(sql`select user_id from inbox_claim(${NOW}, ${new Date(NOW.getTime() + 60_000)}, 2) order by id`);
    expect(next.map((r) => r.user_id)).toEqual(['rep5', 'rep6']);
  });
});
