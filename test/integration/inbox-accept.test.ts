/**
 * Callbacks arriving together are stored together (store/inbox.ts accept: natural batching). Each caller still gets
 * its own answer — accepted or duplicate, the same key twice in one burst accepted once — rows keep arrival order
 * (the per-person order), and one callback the database refuses fails alone: its neighbours in the batch are stored.
 * On PostgreSQL and on the embedded PGlite.
 */
import { sql } from 'drizzle-orm';
import { createInboxRepo } from '../../store/inbox';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';

const NOW = new Date('2026-12-01T10:00:00+08:00');
const event = (n: number, text = `消息 ${n}`) => ({ channel: 'wecom', kind: 'message.text', userId: `rep${n % 7}`, msgId: `m${n}`, text });

describe.each(DRIVERS)('accepting a burst of callbacks (%s)', (driver) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await openTestDatabase(driver);
  });
  afterEach(async () => {
    await database.close();
  });

  it('answers every caller, accepts a key once and keeps arrival order', async () => {
    const inbox = createInboxRepo(database);
    await inbox.accept({ dedupeKey: 'wecom:m0', kind: 'message.text', userId: 'rep0', payload: event(0) }, NOW);
    // 120 callbacks at once: m0 is already stored (a platform retry), m5 arrives twice within the burst.
    const keys = [...Array.from({ length: 118 }, (_, i) => `wecom:m${i}`), 'wecom:m5', 'wecom:m200'];
    const answers = await Promise.all(keys.map((k) => {
      const n = Number(k.slice('wecom:m'.length));
      return inbox.accept({ dedupeKey: k, kind: 'message.text', userId: `rep${n % 7}`, payload: event(n) }, NOW);
    }));
    const duplicates = keys.filter((_, i) => answers[i]!.duplicate);
    expect(duplicates).toEqual(['wecom:m0', 'wecom:m5']);
    expect(answers.filter((a) => !a.duplicate).every((a) => typeof a.id === 'number')).toBe(true);

    const rows = await database.rows<{ id: number | string; dedupe_key: string; payload: { text: string } }>(sql`select id, dedupe_key, payload from inbox order by id`);
    expect(rows.map((r) => r.dedupe_key)).toEqual(['wecom:m0', ...keys.slice(1, 118), 'wecom:m200']);
    expect(rows.find((r) => r.dedupe_key === 'wecom:m42')!.payload.text).toBe('消息 42');
    // Each accepted caller got the id of its own row.
    const idByKey = new Map(rows.map((r) => [r.dedupe_key, Number(r.id)]));
    keys.forEach((k, i) => { if (!answers[i]!.duplicate) expect(answers[i]!.id).toBe(idByKey.get(k)); });
  });

  it('a callback the database refuses fails alone; the others in its batch are stored', async () => {
    const inbox = createInboxRepo(database);
    // jsonb cannot hold a NUL character: PostgreSQL refuses this payload.
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => inbox.accept(
      { dedupeKey: `wecom:m${n}`, kind: 'message.text', userId: 'rep1', payload: event(n, n === 3 ? 'bad\u0000text' : `消息 ${n}`) }, NOW)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const rows = await database.rows<{ dedupe_key: string }>(sql`select dedupe_key from inbox order by id`);
    expect(rows.map((r) => r.dedupe_key)).toEqual(['wecom:m1', 'wecom:m2', 'wecom:m4', 'wecom:m5']);
  });
});
