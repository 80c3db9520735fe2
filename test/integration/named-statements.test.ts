/**
 * PostgreSQL parses and plans a hot statement once per connection (store/db.ts nameHotStatements): a parameterised
 * statement run a second time gets a name derived from its text, so the server keeps it prepared; one-offs and
 * scripts stay unnamed, and a pool names at most a bounded number of texts.
 */
import { sql } from 'drizzle-orm';
import { hotStatementNames, openDatabase, type Database } from '../../store/db';
import { migrate } from '../../store/migrate';
import { createPostgresDatabase } from '../helpers/db';

describe('hot statements are prepared once per connection (PostgreSQL)', () => {
  let pg: { url: string; drop(): Promise<void> };
  let database: Database;
  beforeAll(async () => {
    pg = await createPostgresDatabase();
    const migrating = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused', poolSize: 2 });
    await migrate(migrating);
    await migrating.close();
    // One connection, so every statement below meets the same server session and its prepared statements.
    database = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused', poolSize: 1 });
  });
  afterAll(async () => {
    await database.close();
    await pg.drop();
  });

  const prepared = () => database.rows<{ statement: string }>(sql`select statement from pg_prepared_statements where name like 'spb_%'`);

  it('a statement seen twice is kept prepared by the server and still answers with each call’s values', async () => {
    const find = (userId: string) => database.rows<{ n: number }>(sql`select count(*)::int as n from people where user_id = ${userId}`);
    expect(await prepared()).toEqual([]);
    await find('zhangsan');
    expect((await prepared()).some((p) => p.statement.includes('from people where user_id'))).toBe(false);
    await database.rows(sql`insert into people (user_id, name, roles, active, updated_at) values (${'lisi'}, ${'李四'}, ${'["rep"]'}::jsonb, true, now())`);
    expect(await find('lisi')).toEqual([{ n: 1 }]);
    expect(await find('zhangsan')).toEqual([{ n: 0 }]);
    expect((await prepared()).filter((p) => p.statement.includes('from people where user_id'))).toHaveLength(1);
  });

  it('names at most the bound, the same name for the same text, none for a first sighting', () => {
    const nameFor = hotStatementNames(2);
    expect(nameFor('select $1')).toBeUndefined();
    const a = nameFor('select $1');
    expect(a).toMatch(/^spb_[0-9a-f]{20}$/);
    expect(nameFor('select $1')).toBe(a);
    nameFor('select $1, $2');
    const b = nameFor('select $1, $2');
    expect(b).not.toBe(a);
    nameFor('select $1, $2, $3');
    expect(nameFor('select $1, $2, $3')).toBeUndefined();
  });
});
