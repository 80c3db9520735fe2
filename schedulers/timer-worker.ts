/**
 * Fires durable timers. Each due timer is claimed with a lease, then handled in ONE transaction that marks it
 * fired and writes its messages to the outbox: a crash before commit fires it again, after commit never. The job
 * re-reads the task at fire time (domain/tasks.ts decideTimer), so a task finished a second before its deadline
 * raises nothing. Cron jobs are timers too (kind `cron`): durable, once per occurrence across instances.
 */
import type { Logger } from 'pino';
import type { OutboundMessage } from '../bot/outbound';
import { errorMessage } from '../bot/errors';
import { summarize } from '../bot/outbound';
import { overdueText, painPointPrompt, reminderCard, sopFile, sopNote, warningCard } from '../cards/task-cards';
import type { Clock } from '../domain/clock';
import { decideTimer, type TimerKind } from '../domain/tasks';
import { taskDef, taskFacts, type TaskServiceDeps } from '../handlers/task-service';
import type { Database, Tx } from '../store/db';
import { listPeople, supervisorChain } from '../store/org';
import type { OutboxRepo } from '../store/outbox';
import { addTaskEvent, claimDueTimers, getTask, markTimerFired, raiseEscalation, timerFailed, type TimerRow } from '../store/tasks';

export interface CronContext { tx: Tx; now: Date; emit(to: string[], m: OutboundMessage): Promise<void>; log: Logger; timer: TimerRow }
export type CronHandler = (ctx: CronContext) => Promise<void>;

export interface TimerWorkerOptions {
  database: Database;
  outbox: OutboxRepo;
  clock: Clock;
  log: Logger;
  tasks: TaskServiceDeps;
  /** Cron jobs by name; a cron timer's payload is `{ job }`. Each reschedules itself through `cron`. */
  cron?: Map<string, CronHandler>;
  onOutbox(): void;
  onFired?(kind: string, lateMs: number): void;
  leaseMs?: number;
  batch?: number;
  maxAttempts?: number;
}

export function createTimerWorker(opts: TimerWorkerOptions) {
  const leaseMs = opts.leaseMs ?? 60_000;
  const batch = opts.batch ?? 200;

  async function fireTask(tx: Tx, t: TimerRow, now: Date, emit: CronContext['emit']): Promise<void> {
    const task = t.taskId ? await getTask(tx, t.taskId) : null;
    if (!task) return;
    const def = taskDef(opts.tasks.process, task.kind);
    if (!def) return;
    const p = (t.payload ?? {}) as { level?: number; version?: number };
    const decision = decideTimer(def, { ...task, status: task.status as 'open' }, { kind: t.kind as TimerKind, level: p.level ?? 0, version: p.version ?? 0 });
    if (decision.action === 'noop') return;
    const facts = await taskFacts(tx, def, task);
    const link = opts.tasks.link(task.customerId);
    switch (decision.action) {
      case 'remind': {
        await emit([task.assigneeId], reminderCard(facts, link, now));
        if (p.level === 0 && def.form === 'pain_point' && t.fireAt.getTime() <= task.openedAt.getTime()) {
          await emit([task.assigneeId], { msgtype: 'text', text: { content: painPointPrompt(facts) } });
        }
        await addTaskEvent(tx, { taskId: task.id, kind: 'reminded', actorId: null }, now);
        return;
      }
      case 'due': {
        if (def.onDue) {
          await emit([task.assigneeId], { msgtype: 'text', text: { content: sopNote(facts, def.onDue.note, def.onDue.sop) } });
          await emit([task.assigneeId], sopFile(`@sop:${def.onDue.sop}`));
          await addTaskEvent(tx, { taskId: task.id, kind: 'sop_pushed', actorId: null, data: { sop: def.onDue.sop } }, now);
        } else {
          await emit([task.assigneeId], { msgtype: 'text', text: { content: overdueText(facts) } });
          await addTaskEvent(tx, { taskId: task.id, kind: 'overdue', actorId: null }, now);
        }
        return;
      }
      case 'escalate': {
        const to = await escalationTargets(tx, task.assigneeId, decision.to, decision.level);
        if (!(await raiseEscalation(tx, task.id, decision.level))) return;
        if (to.length) await emit(to, { msgtype: 'template_card', template_card: warningCard(facts, decision.level, task.version, now) });
        await addTaskEvent(tx, { taskId: task.id, kind: 'escalated', actorId: null, data: { level: decision.level, to } }, now);
        if (!to.length) opts.log.warn({ taskId: task.id, rung: decision.to }, 'escalation has nobody to go to (check the org: direct_leader)');
      }
    }
  }

  async function escalationTargets(tx: Tx, assigneeId: string, rung: string, level: number): Promise<string[]> {
    if (rung.startsWith('role:')) return (await listPeople(tx, { role: rung.slice(5) })).map((p) => p.userId);
    const chain = await supervisorChain(tx, assigneeId, 5);
    if (rung === 'direct_supervisor') return chain[0] ? [chain[0].userId] : [];
    // next_supervisor: one level above whoever got the previous rung; fall back to admins at the top.
    const up = chain[Math.max(1, level - 1)] ?? chain[chain.length - 1];
    if (up && up.userId !== chain[0]?.userId) return [up.userId];
    return (await listPeople(tx, { role: 'admin' })).map((p) => p.userId);
  }

  async function fire(t: TimerRow): Promise<void> {
    const now = opts.clock.now();
    const log = opts.log.child({ timerId: t.id, timer: t.key });
    let wrote = 0;
    try {
      await opts.database.db.transaction(async (tx) => {
        if (!(await markTimerFired(tx, t, now))) return; // another worker took it
        const emit: CronContext['emit'] = async (to, m) => {
          const recipients = [...new Set(to)].filter(Boolean);
          await opts.outbox.enqueue(tx, recipients.map((recipient) => ({
            recipient, kind: 'message' as const, msgtype: m.msgtype, body: m, summary: summarize(m), cause: `timer:${t.id}`,
            taskId: m.msgtype === 'template_card' ? m.template_card.task_id : undefined,
          })), now);
          wrote += recipients.length;
        };
        if (t.kind === 'cron') {
          const job = opts.cron?.get(String((t.payload as { job?: string } | null)?.job));
          if (!job) throw new Error(`unknown cron job in timer ${t.key}`);
          await job({ tx, now, emit, log, timer: t });
        } else {
          await fireTask(tx, t, now, emit);
        }
      });
      opts.onFired?.(t.kind, now.getTime() - t.fireAt.getTime());
      if (wrote) opts.onOutbox();
    } catch (err) {
      const retryAt = new Date(now.getTime() + Math.min(60_000 * 2 ** Math.max(0, t.attempts - 1), 3_600_000));
      await timerFailed(opts.database.db, t, errorMessage(err), retryAt, opts.maxAttempts ?? 5);
      log.error({ err: errorMessage(err), attempts: t.attempts }, 'timer failed');
    }
  }

  /** Fires everything due, oldest first, until nothing is due. */
  async function drain(): Promise<void> {
    for (;;) {
      const due = await claimDueTimers(opts.database, opts.clock.now(), batch, leaseMs);
      if (!due.length) return;
      const lanes = 8;
      for (let i = 0; i < due.length; i += lanes) await Promise.all(due.slice(i, i + lanes).map(fire));
    }
  }

  return { drain, fire };
}
