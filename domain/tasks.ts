/**
 * The task engine (R3, R7, R9), pure: which tasks an event opens or closes, which timers a task needs, and what
 * a timer must do when it fires — decided from the task's state at that moment, so a task finished a second
 * before its deadline raises nothing.
 */
import { durationMs } from './duration';
import type { TaskDef } from './task-schema';

export type TaskEventIn =
  | { kind: 'stage_entered'; stage: string }
  | { kind: 'form_submitted'; form: string }
  | { kind: 'visit_ended' }
  | { kind: 'document_added'; name: string }
  /** A material pack of `stage` sent; every required item of it opened (资料已接收). */
  | { kind: 'pack_sent'; stage: string }
  | { kind: 'pack_opened'; stage: string };

/** Adds a duration to an instant: calendar time, or working time when the task says so (calendar passed in). */
export type AddTime = (start: Date, ms: number, working: boolean) => Date;

export function tasksOpenedBy(defs: TaskDef[], e: TaskEventIn): TaskDef[] {
  return defs.filter((d) => {
    const t = d.trigger;
    if (t.on === 'stage_entered') return e.kind === 'stage_entered' && e.stage === t.stage;
    if (t.on === 'form_submitted') return e.kind === 'form_submitted' && e.form === t.form;
    if (t.on === 'pack_sent') return e.kind === 'pack_sent' && e.stage === t.stage;
    return e.kind === 'visit_ended';
  });
}

/** Task keys an event completes. */
export function tasksClosedBy(defs: TaskDef[], e: TaskEventIn): string[] {
  return defs.filter((d) => d.closes.some((c) => {
    if ('form' in c) return e.kind === 'form_submitted' && e.form === c.form;
    if ('stage_entered' in c) return e.kind === 'stage_entered' && e.stage === c.stage_entered;
    if ('pack_sent' in c) return e.kind === 'pack_sent' && e.stage === c.pack_sent;
    if ('pack_opened' in c) return e.kind === 'pack_opened' && e.stage === c.pack_opened;
    return e.kind === 'document_added' && e.name.includes(c.document.nameContains);
  })).map((d) => d.key);
}

export type TimerKind = 'reminder' | 'due' | 'escalate';

export interface PlannedTimer {
  kind: TimerKind;
  /** 0 for reminders and due; 1.. for escalation levels (1 = the first rung). */
  level: number;
  fireAt: Date;
}

/**
 * What the task asks for, for one customer: the configured deliverable with `<客户>` (as in 发送“<客户> 资料包”) written
 * as the customer's name, so the instruction can be sent as it reads. Without a customer it stays as configured.
 */
export function deliverableOf(def: Pick<TaskDef, 'deliverable'> | undefined, customerName: string | null): string {
  const text = def?.deliverable ?? '';
  return customerName ? text.split('<客户>').join(customerName) : text;
}

export function dueAt(def: TaskDef, openedAt: Date, add: AddTime): Date {
  return add(openedAt, durationMs(def.due.after), def.due.workingTime);
}

/** Every timer a task needs from `openedAt` (or from a new deadline after an extension). */
export function planTimers(def: TaskDef, openedAt: Date, due: Date): PlannedTimer[] {
  const out: PlannedTimer[] = [];
  def.reminders.forEach((r, i) => {
    if ('atOpen' in r) out.push({ kind: 'reminder', level: i, fireAt: openedAt });
    else {
      const at = new Date(due.getTime() - durationMs(r.before));
      if (at.getTime() > openedAt.getTime()) out.push({ kind: 'reminder', level: i, fireAt: at });
    }
  });
  out.push({ kind: 'due', level: 0, fireAt: due });
  let at = due.getTime();
  def.escalation.forEach((rung, i) => {
    at += durationMs(rung.after);
    out.push({ kind: 'escalate', level: i + 1, fireAt: new Date(at) });
  });
  return out;
}

export interface TaskState {
  status: 'open' | 'done' | 'cancelled';
  dueAt: Date;
  version: number;
  handledAt: Date | null;
  escalationLevel: number;
}

export type TimerDecision =
  | { action: 'noop'; why: 'closed' | 'stale' | 'handled' | 'already' }
  | { action: 'remind' }
  | { action: 'due' }
  | { action: 'escalate'; level: number; to: string };

/**
 * What a firing timer does, re-read at fire time: nothing if the task is closed, the timer belongs to an older
 * deadline (an extension re-planned it), or a supervisor already marked it handled.
 */
export function decideTimer(def: TaskDef, task: TaskState, timer: { kind: TimerKind; level: number; version: number }): TimerDecision {
  if (task.status !== 'open') return { action: 'noop', why: 'closed' };
  if (timer.version !== task.version) return { action: 'noop', why: 'stale' };
  if (timer.kind === 'reminder') return { action: 'remind' };
  if (task.handledAt) return { action: 'noop', why: 'handled' };
  if (timer.kind === 'due') return { action: 'due' };
  if (task.escalationLevel >= timer.level) return { action: 'noop', why: 'already' };
  const rung = def.escalation[timer.level - 1];
  if (!rung) return { action: 'noop', why: 'stale' };
  return { action: 'escalate', level: timer.level, to: rung.to };
}

/** The timer key: unique per task, deadline version, kind and level, so scheduling twice is harmless. */
export function timerKey(taskId: number, version: number, t: Pick<PlannedTimer, 'kind' | 'level'>): string {
  return `task:${taskId}:v${version}:${t.kind}:${t.level}`;
}
