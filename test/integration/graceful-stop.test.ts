/**
 * Stopping an instance that has a backlog (a deploy, a scale-down, Ctrl-C on `npm start`): the stop finishes the
 * messages in hand and returns — it does not work off the whole inbox first, which a process manager would cut short
 * with SIGKILL (with the embedded database, in the middle of a write). What it leaves behind is exactly as it was:
 * the next instance answers every remaining message once, and a message given back does not count as a failed try.
 * The delivery drain, likewise, stops between members: nothing is left half-delivered, and each message goes out once;
 * the timer drain stops claiming: the batches in hand fire, the rest stay pending and fire once, later.
 */
import { openDatabase } from '../../store/db';
import { migrate } from '../../store/migrate';
import { DRIVERS, openTestDatabase, type Driver, type TestDatabase } from '../helpers/db';
import { startTestBot, type TestBot } from '../helpers/bot';
import { mockWecom } from '../helpers/wecom';
import { seedSmallOrg } from '../helpers/org';
import { openTask, scheduleTimers } from '../../store/tasks';
import { sql } from 'drizzle-orm';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The people of `who` who did not receive exactly one of `sent`. */
function notOnce(sent: readonly { touser?: unknown }[], who: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const m of sent) count.set(String(m.touser), (count.get(String(m.touser)) ?? 0) + 1);
  return who.filter((u) => count.get(u) !== 1);
}

/** PGlite as `npm start` runs it: on its own thread (on the main thread a drain never yields to the test's timers). */
async function database(driver: Driver): Promise<TestDatabase> {
  if (driver === 'postgres') return openTestDatabase(driver);
  const db = await openDatabase({ dataDir: 'memory://', pgliteThread: 'worker' });
  await migrate(db);
  return db;
}

describe.each(DRIVERS)('graceful stop with a backlog (%s)', (driver) => {
  let first: TestBot | null = null;
  let second: TestBot | null = null;
  afterEach(async () => {
    // The second instance shares the first one's database and closes it; a stopped bot may be stopped again.
    if (second) await second.stop();
    else await first?.stop();
    first = second = null;
  });

  it('returns with most of the inbox still pending; the next instance answers each message exactly once', async () => {
    const wecom = mockWecom();
    try {
      const users = Array.from({ length: 120 }, (_, i) => `backlog${String(i).padStart(3, '0')}`);
      first = await startTestBot({ db: await database(driver), sweepMs: 600_000 }); // no sweep: only the drain below works
      const now = first.clock.now();
      for (const [i, userId] of users.entries()) {
        const event = { channel: 'wecom', kind: 'message.text', userId, createTime: Math.floor(now.getTime() / 1000), msgId: `b${i}`, text: '帮助' };
        await first.bot.inbox.accept({ dedupeKey: `wecom:b${i}`, kind: 'message.text', userId, payload: event }, now);
      }
      const draining = first.bot.runner.runNow('inbox');
      // Stop as soon as the drain is under way: its first message handled (the bot's own counter, in memory).
      const handledSoFar = async () => (await first!.bot.metrics.handled.get()).values.reduce((n, v) => n + v.value, 0);
      while ((await handledSoFar()) === 0) await sleep(2);
      await first.bot.stop();
      await draining;

      const handled = (await first.bot.inbox.list({ status: 'done', limit: 1000 })).length;
      const pending = await first.bot.inbox.list({ status: 'pending', limit: 1000 });
      // Lanes finish the row in hand (8 lanes at most), so a few more than were done when the stop began.
      expect(handled).toBeLessThan(60);
      expect(pending.length).toBe(users.length - handled);
      expect(pending.every((r) => r.attempts === 0 && r.lockedUntil === null)).toBe(true); // given back, not a failed try
      expect(await first.bot.inbox.list({ status: 'processing' })).toHaveLength(0);
      second = await startTestBot({ db: first.db, clock: first.clock, sweepMs: 600_000 });
      await second.bot.runner.runNow('inbox');
      await second.bot.runner.runNow('outbox');
      expect(await second.bot.inbox.list({ status: 'pending' })).toHaveLength(0);
      expect((await second.bot.inbox.list({ status: 'done', limit: 1000 })).every((r) => r.attempts === 1)).toBe(true);
      expect(notOnce(wecom.sent, users)).toEqual([]);
    } finally {
      wecom.done();
    }
  });

  it('the delivery drain stops between members when told to; the rest stays due and goes out once', async () => {
    const stopping = new AbortController();
    const wecom = mockWecom({
      sendReply: (b, n) => {
        if (n === 1) stopping.abort(); // the stop arrives while the first message is on its way
        return [200, { errcode: 0, errmsg: 'ok', msgid: `m${n}` }];
      },
    });
    try {
      const members = Array.from({ length: 40 }, (_, i) => `member${String(i).padStart(2, '0')}`);
      first = await startTestBot({ db: await database(driver), sweepMs: 600_000 });
      // Only the drains below deliver: the runner would start its own on the enqueue's kick, with its own signal.
      await first.bot.runner.stop();
      await first.bot.outbox.enqueue(first.db.db, members.map((m) => ({
        recipient: m, kind: 'message' as const, messageType: 'text', body: { type: 'text', text: '预警' }, summary: '预警',
      })), first.clock.now());
      await first.bot.outboxWorker.drain(stopping.signal);
      const sentWhileStopping = wecom.sent.length;
      expect(sentWhileStopping).toBeGreaterThan(0);
      expect(sentWhileStopping).toBeLessThanOrEqual(4); // the members in hand (four lanes), not the other 36+
      const rows = await first.bot.outbox.list({ limit: 1000 });
      expect(rows.filter((r) => r.status === 'sending')).toHaveLength(0); // nothing left half-delivered
      expect(rows.filter((r) => r.status === 'pending')).toHaveLength(members.length - sentWhileStopping);

      await first.bot.outboxWorker.drain(new AbortController().signal); // the next instance's drain
      expect(notOnce(wecom.sent, members)).toEqual([]);
    } finally {
      wecom.done();
    }
  });

  it('the timer drain stops claiming when told to; every timer left behind fires once, later', async () => {
    const wecom = mockWecom();
    try {
      first = await startTestBot({ db: await database(driver), sweepMs: 600_000 });
      await first.bot.runner.stop(); // only the drains below fire timers
      const { db } = first;
      const now = first.clock.now();
      await seedSmallOrg(db.db, now);
      const total = 1000; // ten batches of 100: four lanes take four at most before they see the stop
      await db.db.transaction(async (tx) => {
        for (let i = 0; i < total; i++) {
          const task = await openTask(tx, { kind: 'pain_point', customerId: null, assigneeId: 'lina', trigger: 'test', openedAt: now, dueAt: now });
          await scheduleTimers(tx, [{ kind: 'due', key: `task:${task.id}:v1:due:0`, fireAt: now, taskId: task.id, payload: { level: 0, version: 1 } }], now);
        }
      });
      const fired = async () => (await db.rows<{ n: number }>(sql`select count(*)::int as n from timers where status = 'fired' and kind = 'due'`))[0]!.n;
      const stopping = new AbortController();
      const draining = first.bot.timerWorker.drain(stopping.signal);
      let firedBefore = 0;
      while ((firedBefore = await fired()) === 0) await sleep(2); // the first batch has committed
      stopping.abort();
      await draining;

      const firedWhileStopping = await fired();
      expect(firedWhileStopping).toBeLessThan(total);
      expect(firedWhileStopping).toBeLessThanOrEqual(firedBefore + 400); // the batches in hand (four lanes), no more
      const [left] = await db.rows<{ pending: number; firing: number }>(sql`select count(*) filter (where status = 'pending')::int as pending, count(*) filter (where status = 'firing')::int as firing from timers where kind = 'due'`);
      expect(left).toEqual({ pending: total - firedWhileStopping, firing: 0 }); // nothing left claimed

      await first.bot.timerWorker.drain(new AbortController().signal); // the next instance's drain
      const [ev] = await db.rows<{ n: number; d: number }>(sql`select count(*)::int as n, count(distinct task_id)::int as d from task_events where kind = 'overdue'`);
      expect(ev).toEqual({ n: total, d: total }); // each task's deadline acted on once
    } finally {
      wecom.done();
    }
  }, 60_000);
});
