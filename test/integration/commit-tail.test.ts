/**
 * A transaction's outbox rows and its stage-change history rows are written at its end (store/commit-tail.ts): the
 * outbox rows by one statement, in the order they were queued; the history row after them, so the rollup rows it
 * updates (shared by every move of an office that day) stay locked for the commit only. A rolled-back transaction
 * writes none of them; outside a transaction they are written at once. `cmin` (the command within the transaction
 * that wrote a row) shows which statement wrote what.
 */
import { sql } from 'drizzle-orm';
import { changeStage, createCustomer, recordRefusal } from '../../store/customers';
import { createOutboxRepo, type NewOutboxMessage } from '../../store/outbox';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';

const NOW = new Date('2026-12-01T10:00:00+08:00');
const text = (recipient: string, summary: string): NewOutboxMessage => ({ recipient, kind: 'message', messageType: 'text', body: { content: summary }, summary });

describe.each(DRIVERS)('writes kept for the commit on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await database.close();
  });

  it('writes a transaction’s outbox rows in one statement in queue order, and its stage history after them', async () => {
    const outbox = createOutboxRepo(database);
    await database.db.transaction(async (tx) => {
      const c = await createCustomer(tx, { name: '华东医院', industry: null, ownerId: 'lisi', officeId: null, stage: 'lead', source: 'text' }, NOW);
      await outbox.enqueue(tx, [text('lisi', '第一条')], NOW);
      expect(await changeStage(tx, { customer: c, to: 'first_call', actorId: 'lisi', source: 'text', processVersion: 'v1', kind: 'stage_change' }, NOW)).not.toBeNull();
      await outbox.enqueue(tx, [text('zhangsan', '第二条'), text('lisi', '第三条')], NOW);
      // Kept, not yet written.
      const [inTx] = await database.rows<{ n: number }>(sql`select count(*)::int as n from outbox`, tx);
      expect(inTx!.n).toBe(0);
    });
    const rows = await database.rows<{ id: number; summary: string; cmin: string }>(sql`select id, summary, cmin::text as cmin from outbox order by id`);
    expect(rows.map((r) => r.summary)).toEqual(['第一条', '第二条', '第三条']);
    expect(new Set(rows.map((r) => r.cmin)).size).toBe(1);
    const events = await database.rows<{ kind: string; cmin: string }>(sql`select kind, cmin::text as cmin from customer_events order by id`);
    expect(events.map((e) => e.kind)).toEqual(['created', 'stage_change']);
    expect(Number(events[1]!.cmin)).toBeGreaterThan(Number(rows[0]!.cmin));
  });

  it('keeps the order of a transaction’s rows across a savepoint, and a rolled-back savepoint writes nothing', async () => {
    const outbox = createOutboxRepo(database);
    await database.db.transaction(async (tx) => {
      await outbox.enqueue(tx, [text('wangwu', '保存点之前')], NOW);
      await tx.transaction(async (sp) => {
        await outbox.enqueue(sp, [text('wangwu', '保存点之内')], NOW);
      });
      await tx.transaction(async (sp) => {
        await outbox.enqueue(sp, [text('wangwu', '回滚的保存点')], NOW);
        throw new Error('savepoint rolled back');
      }).catch(() => undefined);
      await outbox.enqueue(tx, [text('wangwu', '保存点之后')], NOW);
    });
    const rows = await database.rows<{ summary: string }>(sql`select summary from outbox where recipient = 'wangwu' order by id`);
    expect(rows.map((r) => r.summary)).toEqual(['保存点之前', '保存点之内', '保存点之后']);
  });

  it('keeps a transaction’s history rows in the order they happened, with no JSON null for absent data', async () => {
    await database.db.transaction(async (tx) => {
      const c = await createCustomer(tx, { name: '江南制药', industry: null, ownerId: 'lisi', officeId: null, stage: 'lead', source: 'text' }, NOW);
      const moved = await changeStage(tx, { customer: c, to: 'first_call', actorId: 'lisi', source: 'text', processVersion: 'v1', kind: 'stage_change' }, NOW);
      await recordRefusal(tx, { customer: moved!, to: 'won', actorId: 'lisi', source: 'text', failures: [{ code: 'guard' }], processVersion: 'v1' }, NOW);
    });
    const events = await database.rows<{ kind: string; failures_null: boolean; failures: unknown }>(sql`
      select e.kind, e.failures is null as failures_null, e.failures from customer_events e join customers c on c.id = e.customer_id
      where c.name = '江南制药' order by e.id`);
    expect(events.map((e) => e.kind)).toEqual(['created', 'stage_change', 'refusal']);
    expect(events[1]!.failures_null).toBe(true); // SQL NULL, as drizzle's own insert stores it — not JSON null
    expect(events[2]!.failures).toEqual([{ code: 'guard' }]);
  });

  it('writes nothing for a rolled-back transaction, and at once outside one', async () => {
    const outbox = createOutboxRepo(database);
    const before = await database.rows<{ n: number }>(sql`select count(*)::int as n from outbox`);
    await expect(database.db.transaction(async (tx) => {
      await outbox.enqueue(tx, [text('lisi', '不会发出')], NOW);
      throw new Error('handler failed');
    })).rejects.toThrow('handler failed');
    expect(await database.rows(sql`select 1 from outbox where summary = '不会发出'`)).toEqual([]);
    await outbox.enqueue(database.db, [text('lisi', '马上写入')], NOW);
    const after = await database.rows<{ n: number }>(sql`select count(*)::int as n from outbox`);
    expect(after[0]!.n).toBe(before[0]!.n + 1);
  });
});
