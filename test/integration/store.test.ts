/** The same repository behaviour on PostgreSQL and on embedded PGlite. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { lockStamp, openDatabase, takeDirectoryLock } from '../../store/db';
import { createInboxRepo } from '../../store/inbox';
import { migrate } from '../../store/migrate';
import { createOutboxRepo } from '../../store/outbox';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';

const T0 = new Date('2026-11-27T02:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe.each(DRIVERS)('repositories on %s', (driver) => {
  let db: TestDatabase;
  // One database per driver for the file (PGlite takes seconds to boot); tables are emptied between tests.
  beforeAll(async () => {
    db = await openTestDatabase(driver);
  });
  beforeEach(async () => {
    await db.execScript('truncate inbox, outbox restart identity');
  });
  afterAll(async () => {
    await db.close();
  });

  it('migrations are idempotent', async () => {
    expect(await migrate(db)).toEqual([]);
  });

  it('count(*) arrives as a number on both drivers', async () => {
    const [r] = await db.rows<{ n: unknown }>(sql`select count(*) as n from inbox`);
    expect(Number(r!.n)).toBe(0);
  });

  it('accepts a dedupe key once', async () => {
    const inbox = createInboxRepo(db);
    const first = await inbox.accept({ dedupeKey: 'msg:1', kind: 'message.text', userId: 'u', payload: { a: 1 } }, T0);
    const again = await inbox.accept({ dedupeKey: 'msg:1', kind: 'message.text', userId: 'u', payload: { a: 1 } }, T0);
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ id: null, duplicate: true });
  });

  it('claims one open row per user, in order, and a lease keeps others away until it expires', async () => {
    const inbox = createInboxRepo(db);
    for (const [k, u] of [['a1', 'alice'], ['a2', 'alice'], ['b1', 'bob']] as const) {
      await inbox.accept({ dedupeKey: k, kind: 'message.text', userId: u, payload: {} }, T0);
    }
    const first = await inbox.claim(T0, 10, 30_000);
    expect(first.map((r) => r.dedupeKey)).toEqual(['a1', 'b1']);
    expect(await inbox.claim(at(1), 10, 30_000)).toEqual([]); // a2 waits for a1
    const reclaimed = await inbox.claim(at(31), 10, 30_000); // leases expired: the worker died
    expect(reclaimed.map((r) => r.dedupeKey)).toEqual(['a1', 'b1']);
    expect(reclaimed[0]!.attempts).toBe(2);
  });

  it('marks done only with the current claim, and parks after max attempts', async () => {
    const inbox = createInboxRepo(db);
    await inbox.accept({ dedupeKey: 'x', kind: 'k', userId: 'u', payload: {} }, T0);
    const [row] = await inbox.claim(T0, 1, 1000);
    expect(await inbox.markDone(db.db, { id: row!.id, attempts: row!.attempts + 1 }, T0)).toBe(false); // stale claim
    expect(await inbox.markFailed(row!, 'e1', T0, 2)).toBe('pending');
    const [again] = await inbox.claim(at(5), 1, 1000);
    expect(await inbox.markFailed(again!, 'e2', at(5), 2)).toBe('failed');
    expect((await inbox.list({ status: 'failed' })).map((r) => r.lastError)).toEqual(['e2']);
  });

  it('a row given back at a stop is as before its claim, and a stale attempt can neither finish nor fail it', async () => {
    const inbox = createInboxRepo(db);
    await inbox.accept({ dedupeKey: 'g', kind: 'k', userId: 'u', payload: {} }, T0);
    const [stale] = await inbox.claim(T0, 1, 1000); // attempt 1, whose worker goes quiet
    const [row] = await inbox.claim(at(2), 1, 1000); // its lease lapsed: attempt 2, given back at a stop
    expect(row).toMatchObject({ id: stale!.id, attempts: 2 });
    await inbox.release([row!]);
    const [back] = await inbox.list({ status: 'pending' });
    expect(back).toMatchObject({ id: row!.id, attempts: 1, lockedUntil: null, lastError: null });
    // The quiet worker of attempt 1 wakes up: its failure and its done match the attempt count, not the state.
    expect(await inbox.markFailed(stale!, 'stale', at(3), 1)).toBeNull(); // not this attempt's: nothing written
    expect(await inbox.markDone(db.db, stale!, at(3))).toBe(false);
    expect((await inbox.list({ status: 'pending' }))[0]).toMatchObject({ id: row!.id, attempts: 1, lastError: null });
    const [again] = await inbox.claim(at(4), 1, 1000);
    expect(again).toMatchObject({ id: row!.id, attempts: 2 });
  });

  it('plans delivery within the member budget and merges the overflow into one digest', async () => {
    const outbox = createOutboxRepo(db);
    await outbox.enqueue(db.db, Array.from({ length: 35 }, (_, i) => ({
      recipient: 'sup', kind: 'message' as const, messageType: 'text', body: { type: 'text', text: `n${i}` }, summary: `n${i}`,
    })), T0);
    const plan = await outbox.planRecipient('sup', T0, { perMinute: 30, perHour: 1000 }, 60_000,
      (rows) => ({ messageType: 'text', body: { n: rows.length }, summary: `digest of ${rows.length}` }));
    expect(plan!.send).toHaveLength(30);
    expect(plan!.send[29]!.summary).toBe('digest of 6');
    expect(plan!.merge).toHaveLength(6);
    for (const r of plan!.send) await outbox.markSent(r.id, T0, {});
    // The budget is spent: a new message waits for the window instead of being sent (and silently dropped by WeCom).
    await outbox.enqueue(db.db, [{ recipient: 'sup', kind: 'message', messageType: 'text', body: {}, summary: 'late' }], at(10));
    const later = await outbox.planRecipient('sup', at(10), { perMinute: 30, perHour: 1000 }, 60_000, () => ({ messageType: 'text', body: {}, summary: 'd' }));
    expect(later!.send).toHaveLength(0);
    expect(later!.retryAt!.getTime()).toBeGreaterThan(at(60).getTime());
  });

  it('card updates do not spend the member budget', async () => {
    const outbox = createOutboxRepo(db);
    await outbox.enqueue(db.db, Array.from({ length: 31 }, () => ({
      recipient: 'u', kind: 'card_update' as const, messageType: 'disable', body: { type: 'disable', label: '已处理' }, summary: 's', cardToken: 'rc',
    })), T0);
    const plan = await outbox.planRecipient('u', T0, { perMinute: 30, perHour: 1000 }, 60_000, () => ({ messageType: 'text', body: {}, summary: 'd' }));
    expect(plan!.send).toHaveLength(31);
  });
});

describe('embedded database directory lock', () => {
  it('refuses a second process on the same data directory with a clear message, and takes over a stale lock', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-lock-'));
    fs.writeFileSync(path.join(dir, 'bot.lock'), String(process.ppid)); // a live process that is not us
    expect(() => takeDirectoryLock(dir)).toThrow(/already in use by process \d+.*DATABASE_URL/s);
    fs.writeFileSync(path.join(dir, 'bot.lock'), '999999999'); // a dead process
    const release = takeDirectoryLock(dir);
    expect(fs.readFileSync(path.join(dir, 'bot.lock'), 'utf8')).toBe(lockStamp(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'bot.lock'))).toBe(false);
  });

  it('takes over a lock whose pid now belongs to an unrelated live process (pid reuse)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-lock-'));
    // The parent is alive, but it started at another time than the process that wrote this lock.
    fs.writeFileSync(path.join(dir, 'bot.lock'), `${process.ppid}:1`);
    const release = takeDirectoryLock(dir);
    expect(fs.readFileSync(path.join(dir, 'bot.lock'), 'utf8')).toBe(lockStamp(process.pid));
    release();
    // The same live process with its real start time still holds the directory.
    fs.writeFileSync(path.join(dir, 'bot.lock'), lockStamp(process.ppid));
    expect(() => takeDirectoryLock(dir)).toThrow(/already in use/);
  });

  it('a PGlite data directory keeps its data across restarts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-pglite-'));
    const a = await openDatabase({ dataDir: dir });
    await migrate(a);
    await createInboxRepo(a).accept({ dedupeKey: 'k', kind: 'k', userId: 'u', payload: {} }, T0);
    await a.close();
    const b = await openDatabase({ dataDir: dir });
    expect((await createInboxRepo(b).list({})).map((r) => r.dedupeKey)).toEqual(['k']);
    await b.close();
  });
});
