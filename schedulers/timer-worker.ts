/**
 * Fires durable timers. Due timers are claimed with a lease, a batch at a time, then a batch of task timers is
 * handled in ONE transaction that marks them fired (one UPDATE, only those whose claim still holds) and writes
 * their messages to the outbox and their task events (one multi-row INSERT each): a crash before commit fires
 * them again, after commit never. Each timer's action is decided from its task re-read at fire time, inside that
 * transaction (domain/tasks.ts decideTimer), so a task finished a second before its deadline raises nothing; two
 * timers of one task in a batch are decided one after the other (rounds), each seeing the other's effect. If a
 * batch fails, its timers are fired one by one so only the culprit is retried. Several lanes claim and fire
 * concurrently (SKIP LOCKED keeps them apart). Cron jobs are timers too (kind `cron`): durable, once per
 * occurrence across instances; each fires in its own transaction.
 */
import type { Logger } from 'pino';
import type { OutMessage } from '../bot/channel';
import { errorMessage } from '../bot/errors';
import { outboxRows } from '../usecases/emit';
import { overdueText, painPointPrompt, reminderCard, sopFile, sopNote, warningCard, type TaskFacts } from '../cards/task-cards';
import type { Clock } from '../domain/clock';
import { decideTimer, deliverableOf, type TimerDecision, type TimerKind } from '../domain/tasks';
import { taskDef, type TaskServiceDeps } from '../usecases/tasks';
import type { Database, Tx } from '../store/db';
import { listPeople } from '../store/org';
import type { NewOutboxMessage, OutboxRepo } from '../store/outbox';
import type { PersonRow } from '../store/people';
import type { LeaseKeeper } from '../store/leases';
import {
  addTaskEvents, claimDueTimers, getTasksForFiring, loadPeopleChains, markTimersFired, raiseEscalations, timerFailed,
  type NewTaskEvent, type TaskRow, type TimerRow,
} from '../store/tasks';

export interface CronContext { tx: Tx; now: Date; emit(to: string[], m: OutMessage): Promise<void>; log: Logger; timer: TimerRow }
export type CronHandler = ((ctx: CronContext) => Promise<void>) & {
  /**
   * Work done before the job's transaction, outside it: for jobs that call WeCom or run their own transactions
   * (the weekly heatmap picture). It must be idempotent by itself; if it throws, the timer is retried.
   */
  prepare?: (now: Date, log: Logger) => Promise<void>;
};

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
  /** Renews the `firing` lease while claimed timers fire (short leases: fast recovery after a crash). */
  leases?: LeaseKeeper;
  /** Timers claimed, and fired in one transaction, at a time (per lane). */
  batch?: number;
  /** Concurrent claim-and-fire loops while a backlog lasts. */
  lanes?: number;
  maxAttempts?: number;
}

type Payload = { level?: number; version?: number } | null;
/** A task timer whose decision is not noop, with its task as re-read at fire time. */
interface Decided { t: TimerRow; task: TaskRow; customerName: string | null; d: Exclude<TimerDecision, { action: 'noop' }> }

/** What one transaction writes: messages (in order) and task events. */
class Effects {
  readonly messages: NewOutboxMessage[] = [];
  readonly events: NewTaskEvent[] = [];
  emit(cause: string, to: string[], m: OutMessage) {
    this.messages.push(...outboxRows(to, m, cause));
  }
}

export function createTimerWorker(opts: TimerWorkerOptions) {
  const leaseMs = opts.leaseMs ?? opts.leases?.leaseMs ?? 60_000;
  const batch = opts.batch ?? 100;
  const lanes = opts.lanes ?? 4;

  /** People (with their supervisors) and role members read once per transaction (the org does not change under a batch). */
  function lookups(tx: Tx) {
    const people = new Map<string, PersonRow | null>();
    const roles = new Map<string, string[]>();
    const person = (id: string) => people.get(id) ?? (id.toLowerCase() !== id ? people.get(id.toLowerCase()) ?? null : null);
    return {
      person,
      load: (list: TaskRow[]) => loadPeopleChains(tx, people, list.map((t) => t.assigneeId)),
      /** store/org.ts supervisorChain over the loaded people: nearest first, active only, no cycles. */
      chain(userId: string, maxDepth = 5): PersonRow[] {
        const out: PersonRow[] = [];
        const start = person(userId);
        const seen = new Set<string>([(start?.userId ?? userId).toLowerCase()]);
        let next = start?.supervisorId ?? null;
        for (let depth = 0; next && depth < maxDepth; depth++) {
          const sup = person(next);
          if (!sup || seen.has(sup.userId.toLowerCase())) break;
          seen.add(sup.userId.toLowerCase());
          if (sup.active) out.push(sup);
          next = sup.supervisorId;
        }
        return out;
      },
      async role(role: string): Promise<string[]> {
        if (!roles.has(role)) roles.set(role, (await listPeople(tx, { role })).map((p) => p.userId));
        return roles.get(role)!;
      },
    };
  }
  type Lookups = ReturnType<typeof lookups>;

  async function escalationTargets(org: Lookups, assigneeId: string, rung: string, level: number): Promise<string[]> {
    if (rung.startsWith('role:')) return org.role(rung.slice(5));
    const chain = org.chain(assigneeId, 5);
    if (rung === 'direct_supervisor') return chain[0] ? [chain[0].userId] : [];
    // next_supervisor: one level above whoever got the previous rung; fall back to admins at the top.
    const up = chain[Math.max(1, level - 1)] ?? chain[chain.length - 1];
    if (up && up.userId !== chain[0]?.userId) return [up.userId];
    return org.role('admin');
  }

  /** The effects of one decided (not noop) task timer; escalations are already raised (or not: `raised`). */
  async function act(fx: Effects, org: Lookups, { t, task, customerName, d }: Decided, raised: boolean, now: Date) {
    const def = taskDef(opts.tasks.process, task.kind)!;
    const p = (t.payload ?? {}) as NonNullable<Payload>;
    const rep = org.person(task.assigneeId);
    const facts: TaskFacts = {
      taskId: task.id, taskName: def.name, deliverable: deliverableOf(def, customerName), customerName,
      repName: rep?.name ?? task.assigneeId, dueAt: task.dueAt, openedAt: task.openedAt,
    };
    const emit = (to: string[], m: OutMessage) => fx.emit(`timer:${t.id}`, to, m);
    const event = (kind: string, data?: unknown) => fx.events.push({ taskId: task.id, kind, actorId: null, data });
    if (d.action === 'remind') {
      emit([task.assigneeId], reminderCard(facts, opts.tasks.link(task.customerId), now));
      if (p.level === 0 && def.form === 'pain_point' && t.fireAt.getTime() <= task.openedAt.getTime()) {
        emit([task.assigneeId], { type: 'text', text: painPointPrompt(facts) });
      }
      event('reminded');
    } else if (d.action === 'due') {
      if (def.onDue) {
        emit([task.assigneeId], { type: 'text', text: sopNote(facts, def.onDue.note, def.onDue.sop) });
        emit([task.assigneeId], sopFile(def.onDue.sop));
        event('sop_pushed', { sop: def.onDue.sop });
      } else {
        emit([task.assigneeId], { type: 'text', text: overdueText(facts) });
        event('overdue');
      }
    } else if (d.action === 'escalate' && raised) {
      const to = await escalationTargets(org, task.assigneeId, d.to, d.level);
      if (to.length) emit(to, { type: 'card', card: warningCard(facts, d.level, task.version, now) });
      event('escalated', { level: d.level, to });
      if (!to.length) opts.log.warn({ taskId: task.id, rung: d.to }, 'escalation has nobody to go to (check the org: direct_leader)');
    }
  }

  /** Fires task timers in one transaction. Throws if anything fails (nothing is then written). */
  async function fireTasks(list: TimerRow[]): Promise<void> {
    const now = opts.clock.now();
    const fx = new Effects();
    let ours: TimerRow[] = [];
    await opts.database.db.transaction(async (tx) => {
      const mine = await markTimersFired(tx, list, now);
      // The others were taken by another worker after our lease ran out. Oldest first (UPDATE … RETURNING has no order).
      ours = list.filter((t) => mine.has(t.id)).sort((a, b) => a.fireAt.getTime() - b.fireAt.getTime() || a.id - b.id);
      const org = lookups(tx);
      // Rounds: one timer per task each, so a task's second timer sees what its first one did.
      let rest = ours.filter((t) => t.taskId !== null);
      while (rest.length) {
        const round: TimerRow[] = [];
        const later: TimerRow[] = [];
        const inRound = new Set<number>();
        for (const t of rest) {
          if (inRound.has(t.taskId!)) {
            later.push(t);
          } else {
            inRound.add(t.taskId!);
            round.push(t);
          }
        }
        rest = later;
        const tasks = await getTasksForFiring(tx, [...inRound]);
        const decided = round.flatMap((t): Decided[] => {
          const { task, customerName = null } = tasks.get(t.taskId!) ?? {};
          const def = task && taskDef(opts.tasks.process, task.kind);
          if (!task || !def) return [];
          const p = (t.payload ?? {}) as NonNullable<Payload>;
          const d = decideTimer(def, { ...task, status: task.status as 'open' }, { kind: t.kind as TimerKind, level: p.level ?? 0, version: p.version ?? 0 });
          return d.action === 'noop' ? [] : [{ t, task, customerName, d }];
        });
        if (!decided.length) continue;
        await org.load(decided.map((x) => x.task));
        const raised = await raiseEscalations(tx, decided.flatMap(({ task, d }) => (d.action === 'escalate' ? [{ taskId: task.id, level: d.level }] : [])));
        for (const x of decided) await act(fx, org, x, raised.has(x.task.id), now);
      }
      await opts.outbox.enqueue(tx, fx.messages, now);
      await addTaskEvents(tx, fx.events, now);
    });
    for (const t of ours) opts.onFired?.(t.kind, now.getTime() - t.fireAt.getTime());
    if (fx.messages.length) opts.onOutbox();
  }

  async function fireCron(t: TimerRow): Promise<void> {
    const now = opts.clock.now();
    const log = opts.log.child({ timerId: t.id, timer: t.key });
    let fired = false;
    let wrote = 0;
    const job = opts.cron?.get(String((t.payload as { job?: string } | null)?.job));
    if (!job) throw new Error(`unknown cron job in timer ${t.key}`);
    if (job.prepare) await job.prepare(now, log);
    await opts.database.db.transaction(async (tx) => {
      if (!(await markTimersFired(tx, [t], now)).size) return; // another worker took it
      const emit: CronContext['emit'] = async (to, m) => {
        const fx = new Effects();
        fx.emit(`timer:${t.id}`, to, m);
        await opts.outbox.enqueue(tx, fx.messages, now);
        wrote += fx.messages.length;
      };
      await job({ tx, now, emit, log, timer: t });
      fired = true;
    });
    if (fired) opts.onFired?.(t.kind, now.getTime() - t.fireAt.getTime());
    if (wrote) opts.onOutbox();
  }

  /** Fires one timer in its own transaction; a failure is recorded on the timer (retried later, then parked). */
  async function fire(t: TimerRow): Promise<void> {
    try {
      await (t.kind === 'cron' ? fireCron(t) : fireTasks([t]));
    } catch (err) {
      const retryAt = new Date(opts.clock.now().getTime() + Math.min(60_000 * 2 ** Math.max(0, t.attempts - 1), 3_600_000));
      await timerFailed(opts.database.db, t, errorMessage(err), retryAt, opts.maxAttempts ?? 5);
      opts.log.error({ timerId: t.id, timer: t.key, err: errorMessage(err), attempts: t.attempts }, 'timer failed');
    }
  }

  /** Fires claimed timers: cron ones alone, task ones as one batch (one by one if the batch fails). */
  async function fireClaimed(due: TimerRow[]): Promise<void> {
    for (const t of due.filter((x) => x.kind === 'cron')) await fire(t);
    const task = due.filter((x) => x.kind !== 'cron');
    if (task.length === 1) await fire(task[0]!);
    if (task.length <= 1) return;
    try {
      await fireTasks(task);
    } catch (err) {
      opts.log.warn({ err: errorMessage(err), timers: task.length }, 'timer batch failed; firing its timers one by one');
      for (const t of task) await fire(t);
    }
  }

  const claim = () => claimDueTimers(opts.database, opts.clock.now(), batch, leaseMs);

  /**
   * Claims and fires, a batch at a time, until a claim comes back short: nothing more was due then. A timer that
   * falls due meanwhile has its own wake-up (and the sweep). Stops claiming when `signal` aborts (stopping).
   */
  async function lane(first?: TimerRow[], signal?: AbortSignal): Promise<void> {
    for (let due = first ?? (signal?.aborted ? [] : await claim()); due.length; due = due.length < batch || signal?.aborted ? [] : await claim()) {
      const ids = due.map((t) => t.id);
      opts.leases?.hold('timers', ids);
      try {
        await fireClaimed(due);
      } finally {
        opts.leases?.release('timers', ids);
      }
    }
  }

  /**
   * Fires everything due, oldest first. One lane (an idle wake-up costs one query); when the first claim is a
   * full batch (a backlog), more lanes join it.
   */
  async function drain(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    const due = await claim();
    if (!due.length) return;
    await Promise.all([lane(due, signal), ...(due.length < batch ? [] : Array.from({ length: lanes - 1 }, () => lane(undefined, signal)))]);
  }

  return { drain, fire };
}
