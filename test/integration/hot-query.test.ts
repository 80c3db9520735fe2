/**
 * A hot statement (store/hot-query.ts) is built once and then run on whatever it is handed: inside a transaction it
 * sees that transaction's uncommitted rows and its writes go away with a rollback; on the database it sees what is
 * committed; both embedded PGlite and PostgreSQL, in one process. Placeholder values are encoded by their column
 * (jsonb, timestamps) as drizzle's own builders would.
 */
import { eq, sql } from 'drizzle-orm';
import { hotQuery } from '../../store/hot-query';
import { appState } from '../../store/schema';
import { openTestDatabase, type TestDatabase } from '../helpers/db';

const NOW = new Date('2026-12-01T10:00:00+08:00');

const put = hotQuery('test_hot_put', (on, name) => on.insert(appState)
  .values({ key: sql.placeholder('key'), value: sql.placeholder('value'), updatedAt: sql.placeholder('at') })
  .onConflictDoUpdate({ target: appState.key, set: { value: sql`excluded.value`, updatedAt: sql`excluded.updated_at` } })
  .prepare(name));
const get = hotQuery('test_hot_get', (on, name) => on.select().from(appState).where(eq(appState.key, sql.placeholder('key'))).prepare(name));

describe.each(['pglite', 'postgres'] as const)('a hot statement on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database.close();
  });

  it('runs inside the transaction it is given, and on the database', async () => {
    await expect(database.db.transaction(async (tx) => {
      await put(tx, { key: 'k1', value: { customerId: 7 }, at: NOW });
      // The transaction sees its own write; the database (another connection on PostgreSQL) does not yet.
      expect(await get(tx, { key: 'k1' })).toEqual([{ key: 'k1', value: { customerId: 7 }, updatedAt: NOW }]);
      if (kind === 'postgres') expect(await get(database.db, { key: 'k1' })).toEqual([]);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await get(database.db, { key: 'k1' })).toEqual([]);

    await database.db.transaction(async (tx) => {
      await put(tx, { key: 'k2', value: ['甲', 2], at: NOW });
      await put(tx, { key: 'k2', value: ['乙'], at: new Date(NOW.getTime() + 1000) });
    });
    expect(await get(database.db, { key: 'k2' })).toEqual([{ key: 'k2', value: ['乙'], updatedAt: new Date(NOW.getTime() + 1000) }]);
    const [raw] = await database.rows<{ t: string }>(sql`select jsonb_typeof(value) as t from app_state where key = 'k2'`);
    expect(raw!.t).toBe('array');
  });

  it('refuses a name already taken (the name is the statement’s on every connection)', () => {
    expect(() => hotQuery('test_hot_get', (on, name) => on.select().from(appState).prepare(name))).toThrow(/taken/);
  });
});
