/**
 * The task service shared by chat handlers and the timer worker: opens and closes tasks when something happens
 * to a customer, schedules their durable timers, and builds the facts cards need. Runs inside the caller's
 * transaction; messages go out through `emit` (the outbox of that transaction).
 */
import { taskTexts, type TaskFacts } from '../cards/task-cards';
import { deliverableOf, dueAt, planTimers, tasksClosedBy, tasksOpenedBy, timerKey, type AddTime, type TaskEventIn } from '../domain/tasks';
import type { TaskDef } from '../domain/task-schema';
import type { ProcessDefinition } from '../domain/types';
import { getCustomer, type CustomerRow } from '../store/customers';
import type { DbOrTx } from '../store/db';
import { findPerson } from '../store/people';
import { cancelOpenTasks, closeTasks, openTask, openTasksOf, scheduleTimers, type TaskRow, type TimerRow } from '../store/tasks';

export type { Emit } from './emit';

export interface TaskServiceDeps {
  process: ProcessDefinition;
  addTime: AddTime;
  /** Wakes the timer worker at each new timer's time (bull delayed job or a local timer). */
  wake(timers: TimerRow[]): void;
  /** A link for cards that need one (card_action); null without a public address (the card then has none). */
  link(customerId: number | null): string | null;
}

export function taskDef(process: ProcessDefinition, kind: string): TaskDef | undefined {
  return process.tasks.find((t) => t.key === kind);
}

/** Schedules the timers of a task for its current deadline and version. */
export async function scheduleTaskTimers(on: DbOrTx, deps: TaskServiceDeps, def: TaskDef, task: TaskRow, from: Date, now: Date,
  opts: { reschedule?: boolean; announced?: boolean } = {}): Promise<TimerRow[]> {
  // After an extension the rep is told by the supervisor's message; when the reply to the rep's own command already
  // shows the task (folded into the stage card), the at-open reminder would be a second message: neither repeats it.
  const skipAtOpen = opts.reschedule || opts.announced;
  const planned = planTimers(def, from, task.dueAt)
    .filter((p) => !(skipAtOpen && p.kind === 'reminder' && p.fireAt.getTime() === from.getTime()));
  const created = await scheduleTimers(on, planned.map((p) => ({
    kind: p.kind, key: timerKey(task.id, task.version, p), fireAt: p.fireAt, taskId: task.id, customerId: task.customerId,
    payload: { level: p.level, version: task.version },
  })), now);
  deps.wake(created);
  return created;
}

/**
 * Applies something that happened to a customer: closes the tasks it completes, opens the tasks it triggers
 * (never a second open task of one kind for one customer). Returns the tasks it opened.
 */
export async function applyTaskEvent(on: DbOrTx, deps: TaskServiceDeps, input: {
  customerId: number; event: TaskEventIn; actorId: string; deliverable?: unknown; now: Date;
  /** The caller's reply tells the rep about the opened tasks (no separate at-open reminder). */
  announced?: boolean;
  /** The customer's row as this transaction last wrote or read it, when the caller has it (saves reading it again). */
  customer?: CustomerRow;
  /**
   * Stages a move went past without entering them (a skip, a forced move): what entering them would close is closed
   * too (a proposal due "before 方案已提交" is no longer due once the customer is in 价格谈判中). Nothing is opened for them.
   */
  passed?: readonly string[];
}): Promise<TaskRow[]> {
  const { process } = deps;
  const closing = tasksClosedBy(process.tasks, input.event);
  if (closing.length) await closeTasks(on, input.customerId, closing, input.actorId, input.deliverable ?? { event: input.event }, input.now);
  // Passed, not delivered: cancelled (not done, which would count as delivered in reviews and timeliness).
  for (const stage of input.passed ?? []) {
    await cancelOpenTasks(on, input.customerId, input.actorId, `passed stage ${stage}`, input.now, tasksClosedBy(process.tasks, { kind: 'stage_entered', stage }));
  }
  const opening = tasksOpenedBy(process.tasks, input.event);
  if (!opening.length) return [];
  const customer = input.customer?.id === input.customerId ? input.customer : await getCustomer(on, input.customerId);
  if (!customer) return [];
  const opened: TaskRow[] = [];
  // One open task of a kind per customer: re-entering a stage (back, then forward again) or ending a second visit
  // keeps the task already running, with its deadline and its warnings, instead of opening a twin of it.
  const running = new Set((await openTasksOf(on, customer.id, opening.map((d) => d.key))).map((t) => t.kind));
  for (const def of opening) {
    if (running.has(def.key)) continue;
    const task = await openTask(on, {
      kind: def.key, customerId: customer.id, assigneeId: customer.ownerId, trigger: triggerName(input.event),
      openedAt: input.now, dueAt: dueAt(def, input.now, deps.addTime),
    });
    // Announced only to the assignee: when someone else (a supervisor) made the move, the rep still gets the reminder.
    const announced = !!input.announced && customer.ownerId.toLowerCase() === input.actorId.toLowerCase();
    await scheduleTaskTimers(on, deps, def, task, input.now, input.now, { announced });
    opened.push(task);
  }
  return opened;
}

/** How to deliver a task, in one or two lines (folded into the card that answers the command which opened it). */
export function taskHowTo(def: TaskDef | undefined, customerName: string): string {
  if (def?.form === 'pain_point') return taskTexts.painPointHowTo(customerName);
  return taskTexts.deliverable(deliverableOf(def, customerName));
}

function triggerName(e: TaskEventIn): string {
  if (e.kind === 'stage_entered') return `stage:${e.stage}`;
  if (e.kind === 'form_submitted') return `form:${e.form}`;
  if (e.kind === 'document_added') return 'document';
  if (e.kind === 'pack_sent' || e.kind === 'pack_opened') return `${e.kind}:${e.stage}`;
  return 'visit_ended';
}

export async function taskFacts(on: DbOrTx, def: TaskDef | undefined, task: TaskRow): Promise<TaskFacts> {
  const customer = task.customerId ? await getCustomer(on, task.customerId) : null;
  const rep = await findPerson(on, task.assigneeId);
  return {
    taskId: task.id, taskName: def?.name ?? task.kind, deliverable: deliverableOf(def, customer?.name ?? null), customerName: customer?.name ?? null,
    repName: rep?.name ?? task.assigneeId, dueAt: task.dueAt, openedAt: task.openedAt,
  };
}
