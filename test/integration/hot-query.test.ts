/**
 * A hot statement (store/hot-query.ts) is built once and then run on whatever it is handed: inside a transaction it
 * sees that transaction's uncommitted rows and its writes go away with a rollback; on the database it sees what is
 * committed; both embedded PGlite and PostgreSQL, in one process. Placeholder values are encoded by their column
 * (jsonb, timestamps) as drizzle's own builders would.
 */
import { eq, sql } from 'drizzle-orm';
import { hotQuery } from '../../store/hot-query';
import { addTaskEvent, scheduleTimers } from '../../store/tasks';
import { appState } from '../../store/schema';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';

const NOW = new Date('2026-12-01T10:00:00+08:00');

const put = hotQuery('test_hot_put', (on, name) => on.insert(appState)
  .values({ key: sql.placeholder('key'), value: sql.placeholder('value'), updatedAt: sql.placeholder('at') })
  .onConflictDoUpdate({ target: appState.key, set: { value: sql`excluded.value`, updatedAt: sql`excluded.updated_at` } })
  .prepare(name));
const get = hotQuery('test_hot_get', (on, name) => on.select().from(appState).where(eq(appState.key, sql.placeholder('key'))).prepare(name));

describe.each(DRIVERS)('a hot statement on %s', (kind) => {
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

  it('stores absent jsonb values as SQL NULL, present ones as their JSON', async () => {
    const [timer] = await scheduleTimers(database.db, [{ kind: 'cron', key: 'hot-null-1', fireAt: NOW }], NOW);
    await scheduleTimers(database.db, [{ kind: 'cron', key: 'hot-null-2', fireAt: NOW, payload: { job: 'weekly' } }], NOW);
    await addTaskEvent(database.db, { taskId: 1, kind: 'nudged', actorId: 'boss' }, NOW);
    await addTaskEvent(database.db, { taskId: 1, kind: 'handled', actorId: 'boss', data: { note: '已处理' } }, NOW);
    expect(timer!.payload).toBeNull();
    const timers = await database.rows<{ key: string; isnull: boolean; payload: unknown }>(sql`
      select key, payload is null as isnull, payload from timers where key like 'hot-null-%' order by key`);
    expect(timers).toEqual([{ key: 'hot-null-1', isnull: true, payload: null }, { key: 'hot-null-2', isnull: false, payload: { job: 'weekly' } }]);
    const events = await database.rows<{ kind: string; isnull: boolean; data: unknown }>(sql`
      select kind, data is null as isnull, data from task_events where task_id = 1 order by id`);
    expect(events).toEqual([{ kind: 'nudged', isnull: true, data: null }, { kind: 'handled', isnull: false, data: { note: '已处理' } }]);
  });

  it('refuses a name already taken (the name is the statement’s on every connection)', () => {
    expect(() => hotQuery('test_hot_get', (on, name) => on.select().from(appState).prepare(name))).toThrow(/taken/);
  });
});
