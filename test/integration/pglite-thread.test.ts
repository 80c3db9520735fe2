/**
 * The embedded database on its own thread (store/pglite-thread.ts + store/pglite-worker.ts, decision 0012): the
 * behaviour the store relies on, against the worker-backed client — in memory and in a data directory on disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, soonQueries, urgentQueries, type Database } from '../../store/db';
import { MAX_NORMAL_WAIT_MS } from '../../store/pglite-worker';
import pino from 'pino';
import { createInboxRepo } from '../../store/inbox';
import { createOutboxRepo } from '../../store/outbox';
import { createOutboxWorker } from '../../schedulers/outbox-worker';
import type { Channel } from '../../bot/channel';
import { migrate } from '../../store/migrate';
import { customers, documents, people } from '../../store/schema';

const T0 = new Date('2026-11-27T02:00:00Z');

describe('PGlite on its own thread', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ dataDir: 'memory://', pgliteThread: 'worker' });
    await migrate(db);
    await db.execScript('create table t (id int primary key, v text)');
  });
  beforeEach(async () => {
    await db.execScript('truncate t');
  });
  afterAll(async () => {
    await db.close();
  });

  it('migrates (idempotently) and answers ping', async () => {
    expect(await migrate(db)).toEqual([]);
    await expect(db.ping()).resolves.toBeUndefined();
    expect(db.driver).toBe('pglite');
  });

  it('commits a transaction, and rolls it back when the callback throws', async () => {
    await db.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (1, 'a')`);
      await tx.execute(sql`insert into t values (2, 'b')`);
    });
    await expect(db.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (3, 'c')`);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    // A failing statement inside: the database error comes back with its code, and nothing of the transaction stays.
    const err = await db.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (4, 'd')`);
      await tx.execute(sql`insert into t values (1, 'dup')`);
    }).catch((e: unknown) => e as Error & { cause?: { code?: string } });
    expect(err).toBeInstanceOf(Error);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('23505');
    expect(await db.rows(sql`select id from t order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('tx.rollback() and nested transactions (savepoints)', async () => {
    await db.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (1, 'kept')`);
      await tx.transaction(async (inner) => {
        await inner.execute(sql`insert into t values (2, 'undone')`);
        inner.rollback();
      }).catch(() => undefined);
    });
    await db.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (3, 'rolled back')`);
      tx.rollback();
    }).catch(() => undefined);
    expect(await db.rows(sql`select id from t order by id`)).toEqual([{ id: 1 }]);
  });

  it('a query outside waits for an open transaction, and sees only its commit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const txDone = db.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (1, 'in tx')`);
      await gate;
      // Queries inside keep working while one outside is queued.
      await tx.execute(sql`update t set v = 'committed' where id = 1`);
    });
    await new Promise((r) => setTimeout(r, 20));
    let outsideAnswered = false;
    const outside = db.rows<{ v: string }>(sql`select v from t where id = 1`).then((r) => {
      outsideAnswered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(outsideAnswered).toBe(false);
    release();
    await txDone;
    expect(await outside).toEqual([{ v: 'committed' }]);
  });

  it('urgent queries go before the queued ones, never into an open transaction', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const txDone = db.db.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (1, 'tx')`);
      await gate;
    }).then(() => order.push('tx'));
    await new Promise((r) => setTimeout(r, 20));
    const normal = Array.from({ length: 5 }, (_, i) => db.rows(sql`select ${i}::int as n`).then(() => order.push(`n${i}`)));
    const urgent = urgentQueries(() => db.rows<{ v: string }>(sql`select v from t where id = 1`)).then((r) => {
      order.push('urgent');
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    release();
    await Promise.all([txDone, ...normal]);
    expect(await urgent).toEqual([{ v: 'tx' }]);
    expect(order).toEqual(['tx', 'urgent', 'n0', 'n1', 'n2', 'n3', 'n4']);
  });

  it('deliveries (soon) go after the urgent queries and before the handlers’ queued ones', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const txDone = db.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await gate;
    }).then(() => order.push('tx'));
    await new Promise((r) => setTimeout(r, 20));
    const normal = Array.from({ length: 3 }, (_, i) => db.rows(sql`select ${i}::int as n`).then(() => order.push(`n${i}`)));
    // A delivery's own transaction (a budget plan) is served as a whole before the queued ones, its statements in it.
    const soon = soonQueries(() => db.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      order.push('soon-tx');
    }));
    const soonOne = soonQueries(() => db.rows(sql`select 2`)).then(() => order.push('soon'));
    const urgent = urgentQueries(() => db.rows(sql`select 3`)).then(() => order.push('urgent'));
    await new Promise((r) => setTimeout(r, 30));
    release();
    await Promise.all([txDone, ...normal, soon, soonOne, urgent]);
    expect(order).toEqual(['tx', 'urgent', 'soon-tx', 'soon', 'n0', 'n1', 'n2']);
  });

  it('the outbox worker’s deliveries go before the handlers’ queued work', async () => {
    const outbox = createOutboxRepo(db);
    await outbox.insertNow(db.db, [{ recipient: 'soon-u1', kind: 'message', messageType: 'text', body: { type: 'text', text: '好' }, summary: '好' }], T0);
    const order: string[] = [];
    const channel: Channel = {
      name: 'wecom',
      limits: { perMemberPerMinute: 30, perMemberPerHour: 1000, recipientsPerCall: 1000, silentDrops: true },
      send: async () => {
        order.push('send');
        return { ok: true, platformId: 'm1' };
      },
      updateCard: async () => ({ ok: true }),
    };
    const worker = createOutboxWorker({
      outbox, channel, clock: { now: () => T0 }, log: pino({ level: 'silent' }),
      digest: () => ({ messageType: 'text', body: {}, summary: '' }),
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handler = db.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await gate;
    }).then(() => order.push('handler tx'));
    await new Promise((r) => setTimeout(r, 20));
    // The handlers' next transactions and reads, queued before the reply's delivery starts.
    const queued = Array.from({ length: 3 }, (_, i) => db.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
    }).then(() => order.push(`queued ${i}`)));
    expect(worker.deliverNow(['soon-u1'])).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    release();
    await Promise.all([handler, ...queued]);
    await worker.settle();
    const [row] = await outbox.list({ recipient: 'soon-u1' });
    expect(row!.status).toBe('sent');
    // The plan, hence the send, ran before the queued transactions (only the one open when it began went first).
    expect(order.slice(0, 2)).toEqual(['handler tx', 'send']);
    expect(order.indexOf('send')).toBeLessThan(order.indexOf('queued 0'));
  });

  it('a request without priority waits at most MAX_NORMAL_WAIT_MS behind prioritised ones', async () => {
    // A backlog of deliveries that takes the database well over MAX_NORMAL_WAIT_MS, queued before the request.
    const n = 1000;
    let served = 0;
    const soon = Array.from({ length: n }, () => soonQueries(() => db.rows(sql`select count(*) from generate_series(1, 50000)`)).then(() => served++));
    await new Promise((r) => setTimeout(r, 20));
    const t = performance.now();
    await db.rows(sql`select 1`);
    const waited = performance.now() - t;
    const servedBefore = served;
    await Promise.all(soon);
    expect(waited).toBeGreaterThanOrEqual(MAX_NORMAL_WAIT_MS - 50); // it did wait behind them …
    expect(servedBefore).toBeLessThan(n); // … but not for all of them
  });

  it('close goes after everything queued before it, however long it waits', async () => {
    const other = await openDatabase({ dataDir: 'memory://', pgliteThread: 'worker' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = other.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await gate;
    });
    await new Promise((r) => setTimeout(r, 20));
    const queued = [
      urgentQueries(() => other.rows<{ n: number }>(sql`select 1 as n`)),
      soonQueries(() => other.rows<{ n: number }>(sql`select 2 as n`)),
      other.rows<{ n: number }>(sql`select 3 as n`),
    ];
    await new Promise((r) => setTimeout(r, 20)); // posted to the thread before the close
    const closed = other.close();
    await new Promise((r) => setTimeout(r, MAX_NORMAL_WAIT_MS + 200)); // longer than a request may wait
    release();
    await held;
    expect((await Promise.all(queued)).map((r) => r[0]!.n)).toEqual([1, 2, 3]);
    await closed;
  });

  it('concurrent queries all answer, each with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => db.rows<{ n: number }>(sql`select ${i}::int as n`)));
    expect(results.map((r) => r[0]!.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('withAdvisoryLock runs its section (single process)', async () => {
    expect(await db.withAdvisoryLock(42, async () => db.rows(sql`select 1 as one`))).toEqual([{ one: 1 }]);
  });

  it('jsonb, timestamptz, bytea, numeric and bigint round-trip through drizzle', async () => {
    await db.db.insert(people).values({ userId: 'u1', name: '张三', roles: ['rep', 'supervisor'], updatedAt: T0 });
    const [p] = await db.db.select().from(people);
    expect(p!.roles).toEqual(['rep', 'supervisor']);
    expect(p!.updatedAt).toEqual(T0);
    expect(p!.updatedAt).toBeInstanceOf(Date);
    const [c] = await db.db.insert(customers).values({ name: '客户甲', ownerId: 'u1', stage: 'lead', stageEnteredAt: T0, createdAt: T0, updatedAt: T0 }).returning();
    const content = Buffer.from([0, 1, 2, 250, 255, 0x25, 0x50]);
    await db.db.insert(documents).values({ customerId: c!.id, name: 'a.pdf', mimeType: 'application/pdf', size: content.length, sha256: 'x', uploaderId: 'u1', source: 'upload', uploadedAt: T0, content });
    const [d] = await db.db.select().from(documents);
    expect(Buffer.from(d!.content!)).toEqual(content);
    expect(d!.uploadedAt).toEqual(T0);
    // Raw SQL: timestamptz as PGlite gives it on the main thread, jsonb parsed, count(*) a number.
    const [r] = await db.rows<{ at: Date; j: unknown; n: number; big: bigint | number }>(
      sql`select ${T0.toISOString()}::timestamptz as at, '{"a":[1,"二"]}'::jsonb as j, count(*)::int as n, 9007199254740993::int8 as big from people`,
    );
    const main = await openDatabase({ dataDir: 'memory://', pgliteThread: 'main' });
    try {
      const [m] = await main.rows<typeof r>(sql`select ${T0.toISOString()}::timestamptz as at, '{"a":[1,"二"]}'::jsonb as j, 1::int as n, 9007199254740993::int8 as big`);
      expect(r).toEqual(m);
    } finally {
      await main.close();
    }
    await db.execScript('truncate documents, customer_events, customers, people cascade');
  });

  it('execScript runs several statements and rolls back a failed script', async () => {
    await db.execScript(`insert into t values (1, 'x'); insert into t values (2, 'y');`);
    await expect(db.execScript(`begin; insert into t values (3, 'z'); insert into t values (1, 'dup'); commit;`)).rejects.toThrow();
    expect(await db.rows(sql`select id from t order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('a data directory on disk: locked while open (bot.lock), kept across close and reopen', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-pglite-thread-'));
    try {
      const a = await openDatabase({ dataDir: dir, pgliteThread: 'worker' });
      await migrate(a);
      await createInboxRepo(a).accept({ dedupeKey: 'k', kind: 'k', userId: 'u', payload: {} }, T0);
      expect(fs.readFileSync(path.join(dir, 'bot.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid}`));
      await a.close();
      expect(fs.existsSync(path.join(dir, 'bot.lock'))).toBe(false);
      const b = await openDatabase({ dataDir: dir }); // the default on disk is the worker
      expect(await migrate(b)).toEqual([]);
      expect((await createInboxRepo(b).list({})).map((r) => r.dedupeKey)).toEqual(['k']);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the event loop free while a long query runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await db.rows(sql`select count(*) from generate_series(1, 3000000)`);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
  });
});
