/**
 * The timer worker fires due timers in batches (one transaction per batch, several lanes): every timer once, with
 * its own effect; two timers of one task in the same batch are decided one after the other; a claim taken over by
 * another worker is not fired by the old one; a task closed before its timer fires raises nothing. Real PostgreSQL.
 */
import { sql } from 'drizzle-orm';
import { seedSmallOrg } from '../helpers/org';
import { claimDueTimers, closeTasks, markTimersFired, openTask, scheduleTimers } from '../../store/tasks';
import { startTestBot, type TestBot } from '../helpers/bot';
import { mockWecom } from '../helpers/wecom';

describe('batched timer firing', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot({ config: { allowTimeTravel: true }, sweepMs: 60_000 });
    await seedSmallOrg(t.db.db, t.clock.now());
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  it('fires 350 due timers once each (4 batches, in lanes); a task with two levels due escalates twice, in order', async () => {
    const now = t.clock.now();
    const ids: number[] = [];
    await t.db.db.transaction(async (tx) => {
      for (let i = 0; i < 300; i++) {
        const task = await openTask(tx, { kind: 'pain_point', customerId: null, assigneeId: 'lina', trigger: 'test', openedAt: now, dueAt: now });
        ids.push(task.id);
        const levels = i < 50 ? [1, 2] : [1];
        await scheduleTimers(tx, levels.map((level) => ({
          kind: 'escalate', key: `task:${task.id}:v1:escalate:${level}`, fireAt: now, taskId: task.id, payload: { level, version: 1 },
        })), now);
      }
    });
    await t.bot.runner.runNow('timers');
    const [timers] = await t.db.rows<{ fired: number; open: number }>(sql`
      select count(*) filter (where status = 'fired')::int as fired, count(*) filter (where status <> 'fired')::int as open
      from timers where kind = 'escalate'`);
    expect(timers).toEqual({ fired: 350, open: 0 });
    const events = await t.db.rows<{ task_id: number; levels: number[] }>(sql`
      select task_id, array_agg((data->>'level')::int order by id) as levels from task_events where kind = 'escalated' group by task_id`);
    expect(events).toHaveLength(300);
    const byTask = new Map(events.map((e) => [Number(e.task_id), e.levels]));
    ids.forEach((id, i) => expect(byTask.get(id)).toEqual(i < 50 ? [1, 2] : [1]));
    const [raised] = await t.db.rows<{ l1: number; l2: number }>(sql`
      select count(*) filter (where escalation_level = 1)::int as l1, count(*) filter (where escalation_level = 2)::int as l2 from tasks`);
    expect(raised).toEqual({ l1: 250, l2: 50 });
    const outbox = await t.db.rows<{ recipient: string; n: number }>(sql`
      select recipient, count(*)::int as n from outbox where cause like 'timer:%' group by recipient order by recipient`);
    expect(outbox).toEqual([{ recipient: 'boss', n: 50 }, { recipient: 'zhangwei', n: 300 }]);
    const [perTimer] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from (select cause from outbox where cause like 'timer:%' group by cause having count(*) > 1) x`);
    expect(perTimer!.n).toBe(0);
  });

  it('a claim taken over after its lease ran out is not fired by the old claimant; a closed task raises nothing', async () => {
    const now = t.clock.now();
    const task = await openTask(t.db.db, { kind: 'pain_point', customerId: 1, assigneeId: 'lina', trigger: 'test', openedAt: now, dueAt: now });
    const done = await openTask(t.db.db, { kind: 'pain_point', customerId: 2, assigneeId: 'lina', trigger: 'test', openedAt: now, dueAt: now });
    await scheduleTimers(t.db.db, [task, done].map((x) => ({
      kind: 'escalate', key: `task:${x.id}:v1:escalate:1`, fireAt: now, taskId: x.id, payload: { level: 1, version: 1 },
    })), now);
    const old = await claimDueTimers(t.db, now, 10, 30_000);
    expect(old).toHaveLength(2);
    t.clock.advance(31_000);
    const taken = await claimDueTimers(t.db, t.clock.now(), 10, 30_000); // another worker, after the lease
    expect(taken.map((x) => x.attempts)).toEqual([2, 2]);
    expect((await markTimersFired(t.db.db, old, t.clock.now())).size).toBe(0); // the old claimant lost them
    await closeTasks(t.db.db, 2, ['pain_point'], 'lina', null, t.clock.now());
    t.clock.advance(31_000);
    await t.bot.runner.runNow('timers');
    const rows = await t.db.rows<{ task_id: number; status: string; attempts: number }>(sql`
      select task_id, status, attempts from timers where task_id in (${task.id}, ${done.id}) order by task_id`);
    // closeTasks cancelled the done task's pending timers; its claimed one was fired by the sweep as a no-op.
    expect(rows.map((r) => [Number(r.task_id), r.status, r.attempts])).toEqual([[task.id, 'fired', 3], [done.id, 'fired', 3]]);
    const [ev] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from task_events where kind = 'escalated' and task_id in (${task.id}, ${done.id})`);
    expect(ev!.n).toBe(1);
  });

  it('when a batch fails, its timers are fired one by one: only the culprit is retried later', async () => {
    const now = t.clock.now();
    const tasks = [];
    for (let i = 0; i < 5; i++) tasks.push(await openTask(t.db.db, { kind: 'pain_point', customerId: null, assigneeId: 'lina', trigger: 'test', openedAt: now, dueAt: now }));
    const culprit = tasks[2]!.id;
    await t.db.db.execute(sql.raw(`
      create function fail_escalation() returns trigger language plpgsql as $$
      begin if new.kind = 'escalated' and new.task_id = ${culprit} then raise exception 'injected failure'; end if; return new; end $$;
      create trigger fail_escalation before insert on task_events for each row execute function fail_escalation()`));
    try {
      await scheduleTimers(t.db.db, tasks.map((x) => ({
        kind: 'escalate', key: `task:${x.id}:v1:escalate:1`, fireAt: now, taskId: x.id, payload: { level: 1, version: 1 },
      })), now);
      await t.bot.runner.runNow('timers');
      const rows = await t.db.rows<{ task_id: number; status: string; last_error: string | null }>(sql`
        select task_id, status, last_error from timers where task_id in (${sql.join(tasks.map((x) => sql`${x.id}`), sql`, `)}) order by task_id`);
      expect(rows.map((r) => [Number(r.task_id), r.status])).toEqual(tasks.map((x) => [x.id, x.id === culprit ? 'pending' : 'fired']));
      expect(rows.find((r) => Number(r.task_id) === culprit)!.last_error).toContain('insert into task_events'); // drizzle's wrapper of 'injected failure'
      const [ev] = await t.db.rows<{ n: number }>(sql`
        select count(*)::int as n from task_events where kind = 'escalated' and task_id in (${sql.join(tasks.map((x) => sql`${x.id}`), sql`, `)})`);
      expect(ev!.n).toBe(4);
    } finally {
      await t.db.db.execute(sql.raw('drop trigger fail_escalation on task_events; drop function fail_escalation()'));
    }
  });
});
