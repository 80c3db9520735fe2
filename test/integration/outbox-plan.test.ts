/**
 * One member's delivery plan (store/outbox.ts planRecipient): the common cases are planned in one statement
 * (migration 0012 outbox_plan_simple), the rest by the full plan. Whichever plans it, a member gets card updates
 * first, then answers to their own messages, then notices; a spent budget holds everything until it frees; over the
 * budget notices are merged into one digest. On PostgreSQL and on the embedded PGlite.
 */
import { sql } from 'drizzle-orm';
import { createInboxRepo } from '../../store/inbox';
import { createOutboxRepo, DEFERRED_NOTE, type NewOutboxMessage, type OutboxRow } from '../../store/outbox';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';

const LIMITS = { perMinute: 30, perHour: 1000 };
const LEASE_MS = 60_000;
const NOW = new Date('2026-12-01T10:00:00+08:00');
const digest = (rows: OutboxRow[]) => ({ messageType: 'text', body: { type: 'text', text: `您有 ${rows.length} 条新通知` }, summary: `${rows.length} 条通知` });

const text = (recipient: string, t: string, cause?: string): NewOutboxMessage => ({
  recipient, kind: 'message', messageType: 'text', body: { type: 'text', text: t }, summary: t, ...(cause ? { cause } : {}),
});

describe.each(DRIVERS)('delivery plan of one member (%s)', (driver) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await openTestDatabase(driver);
  });
  afterEach(async () => {
    await database.close();
  });

  it('card updates go first, then the answer to the member’s own message, then notices — each in order, all now', async () => {
    const outbox = createOutboxRepo(database);
    const inbox = createInboxRepo(database);
    const { id: inboxId } = await inbox.accept({ dedupeKey: 'm1', kind: 'text', userId: 'LiSi', payload: {} }, NOW);
    const { db } = database;
    await outbox.enqueue(db, [text('lisi', '预警：客户痛点记录已超时', 'timer:7')], NOW);
    await outbox.enqueue(db, [{ recipient: 'lisi', kind: 'card_update', messageType: 'button', body: { replaceText: '已处理' }, summary: '卡片已更新', cardId: 'c1', cardToken: 'rc1' }], NOW);
    await outbox.enqueue(db, [text('lisi', '已推进到 方案确认', `inbox:${inboxId}`), text('lisi', '主管已查看', 'timer:8')], NOW);
    await outbox.enqueue(db, [text('wangwu', '别人的消息')], NOW);

    const plan = await outbox.planRecipient('lisi', NOW, LIMITS, LEASE_MS, digest);
    expect(plan!.send.map((r) => r.summary)).toEqual(['卡片已更新', '已推进到 方案确认', '预警：客户痛点记录已超时', '主管已查看']);
    expect(plan!.send.every((r) => r.status === 'sending' && r.attempts === 1 && r.recipient === 'lisi')).toBe(true);
    expect(plan!.send[0]!.cardToken).toBe('rc1');
    expect(plan!.send[1]!.createdAt.getTime()).toBe(NOW.getTime());
    expect(plan!.merge).toEqual([]);
    // Planned rows are leased to this worker; nothing is planned twice, and the other member's row is untouched.
    const again = await outbox.planRecipient('lisi', NOW, LIMITS, LEASE_MS, digest);
    expect(again!.send).toEqual([]);
    const open = await database.rows<{ recipient: string; status: string }>(sql`select recipient, status from outbox order by id`);
    expect(open.filter((r) => r.status === 'pending').map((r) => r.recipient)).toEqual(['wangwu']);
    // A lease that ran out (a worker crashed) makes the rows due again, in the same order.
    const later = new Date(NOW.getTime() + LEASE_MS + 1000);
    const retried = await outbox.planRecipient('lisi', later, LIMITS, LEASE_MS, digest);
    expect(retried!.send.map((r) => [r.summary, r.attempts])).toEqual([
      ['卡片已更新', 2], ['已推进到 方案确认', 2], ['预警：客户痛点记录已超时', 2], ['主管已查看', 2],
    ]);
  });

  it('a spent budget holds every due message until the oldest send of the minute is a minute old; then a backlog of notices goes as one digest', async () => {
    const outbox = createOutboxRepo(database);
    const { db } = database;
    // 30 messages sent to her in the last minute, the oldest 40 s ago.
    const ids = await outbox.insertNow(db, Array.from({ length: 30 }, (_, i) => text('zhaoliu', `已发 ${i}`)), NOW);
    const oldest = new Date(NOW.getTime() - 40_000);
    await database.rows(sql`update outbox set status = 'sent', sent_at = ${oldest}::timestamptz + (id - ${ids[0]}) * interval '1 second' where recipient = 'zhaoliu'`);
    await outbox.enqueue(db, [text('zhaoliu', '预警 1', 'timer:1'), text('zhaoliu', '预警 2', 'timer:2'), text('zhaoliu', '预警 3', 'timer:3')], NOW);

    const plan = await outbox.planRecipient('zhaoliu', NOW, LIMITS, LEASE_MS, digest);
    const frees = new Date(oldest.getTime() + 61_000);
    expect(plan!.send).toEqual([]);
    expect(plan!.retryAt!.getTime()).toBe(frees.getTime());
    const held = await database.rows<{ status: string; next_attempt_at: Date | string; last_error: string }>(
      sql`select status, next_attempt_at, last_error from outbox where recipient = 'zhaoliu' and status <> 'sent'`);
    expect(held).toHaveLength(3);
    expect(held.every((r) => r.status === 'pending' && new Date(r.next_attempt_at).getTime() === frees.getTime() && r.last_error === DEFERRED_NOTE)).toBe(true);

    // Before the budget frees nothing is due; after, the held notices go as one digest, not a second burst.
    expect((await outbox.planRecipient('zhaoliu', new Date(frees.getTime() - 1), LIMITS, LEASE_MS, digest))!.send).toEqual([]);
    const freed = await outbox.planRecipient('zhaoliu', frees, LIMITS, LEASE_MS, digest);
    expect(freed!.send.map((r) => r.summary)).toEqual(['3 条通知']);
    expect(freed!.merge.map((r) => r.summary)).toEqual(['预警 1', '预警 2', '预警 3']);
  });

  it('over the budget with some room left, notices that fit are sent and the rest merged into one digest', async () => {
    const outbox = createOutboxRepo(database);
    const { db } = database;
    const ids = await outbox.insertNow(db, Array.from({ length: 27 }, (_, i) => text('qianqi', `已发 ${i}`)), NOW);
    await database.rows(sql`update outbox set status = 'sent', sent_at = ${NOW}::timestamptz - interval '10 seconds' where id = any(${`{${ids.join(',')}}`}::bigint[])`);
    await outbox.enqueue(db, Array.from({ length: 5 }, (_, i) => text('qianqi', `预警 ${i + 1}`, `timer:${i + 1}`)), NOW);
    const plan = await outbox.planRecipient('qianqi', NOW, LIMITS, LEASE_MS, digest);
    // 3 slots: two notices as they are, one digest of the other three.
    expect(plan!.send.map((r) => r.summary)).toEqual(['预警 1', '预警 2', '3 条通知']);
    expect(plan!.merge.map((r) => r.summary)).toEqual(['预警 3', '预警 4', '预警 5']);
  });
});

describe.each(DRIVERS)('marking deliveries sent together (%s)', (driver) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await openTestDatabase(driver);
  });
  afterEach(async () => {
    await database.close();
  });

  it('marks that arrive together each record their own platform id, card token and warning, and only rows being sent', async () => {
    const outbox = createOutboxRepo(database);
    const { db } = database;
    const members = ['m1', 'm2', 'm3', 'm4', 'm5'];
    await outbox.enqueue(db, members.map((m) => text(m, `给 ${m} 的消息`)), NOW);
    await outbox.enqueue(db, [{ recipient: 'm6', kind: 'card_update', messageType: 'button', body: { replaceText: '已处理' }, summary: '卡片已更新', cardId: 'c6', cardToken: 'old-token' }], NOW);
    const plans = await Promise.all([...members, 'm6'].map((m) => outbox.planRecipient(m, NOW, LIMITS, LEASE_MS, digest)));
    const rows = plans.flatMap((p) => p!.send);
    expect(rows).toHaveLength(6);
    // m7's message was never planned (still pending): a mark for it, in the same batch as the others, changes nothing.
    const [unplanned] = await outbox.insertNow(db, [text('m7', '还没安排发送')], NOW);
    const later = new Date(NOW.getTime() + 1500);
    await Promise.all([...rows.map((r, i) => outbox.markSent(r.id, later, {
      msgId: `msg-${r.recipient}`, ...(i === 1 ? { cardToken: 'new-token' } : {}), ...(i === 2 ? { warning: 'invaliduser: m3' } : {}),
    })), outbox.markSent(unplanned!, later, { msgId: 'msg-m7' })]);
    // A mark for a row that is not being sent (already sent) changes nothing.
    await outbox.markSent(rows[0]!.id, new Date(NOW.getTime() + 9000), { msgId: 'again' });

    const after = new Map((await outbox.list({ limit: 100 })).map((r) => [r.recipient, r]));
    for (const m of [...members, 'm6']) {
      expect(after.get(m)).toMatchObject({ status: 'sent', platformMsgId: `msg-${m}`, lockedUntil: null });
      expect(after.get(m)!.sentAt!.getTime()).toBe(later.getTime());
    }
    expect(after.get('m2')!.cardToken).toBe('new-token');
    expect(after.get('m6')!.cardToken).toBe('old-token');
    expect(after.get('m3')!.lastError).toBe('invaliduser: m3');
    expect(after.get('m1')!.lastError).toBeNull();
    expect(after.get('m7')).toMatchObject({ status: 'pending', platformMsgId: null, sentAt: null });
  });
});
