/**
 * The supervisor's one-tap actions on a warning card (R3): 催办 nudges the rep, 延期24小时 grants an extension with
 * the chosen reason (timers re-planned for the new deadline), 已处理 marks it handled (no further escalation).
 * Each is recorded in the task's history; the rep is told of nudges and extensions.
 */
import { EXTEND_REASONS, extendedText, nudgeText } from '../cards/task-cards';
import { findPerson, type PersonRow } from '../store/people';
import { addTaskEvent, extendTask, getTask, markHandled, type TaskRow } from '../store/tasks';
import type { TaskDef } from '../domain/task-schema';
import type { Call, UseCaseDeps } from './deps';
import { text } from './emit';
import { mayActOnWarning, type Actor } from './permissions';
import { scheduleTaskTimers, taskDef, taskFacts } from './tasks';

const EXTENSION_MS = 24 * 3_600_000;

export type WarningAction = 'nudge' | 'extend' | 'handled';

export interface WarningInput {
  actor: Actor;
  taskId: number;
  action: WarningAction;
  /** The task version the card was made for (an older card must not stack extensions). */
  version: number;
  /** 延期: the chosen reason id (EXTEND_REASONS); the first reason when absent. */
  reasonId?: string | null;
}

export type WarningResult =
  | { kind: 'nudged' | 'handled'; task: TaskRow; def: TaskDef | undefined; actor: PersonRow | null }
  | { kind: 'extended'; task: TaskRow; def: TaskDef | undefined; actor: PersonRow | null; reason: string }
  | { kind: 'not_found' }
  | { kind: 'not_allowed' }
  | { kind: 'already_done'; task: TaskRow; def: TaskDef | undefined }
  | { kind: 'stale_card'; task: TaskRow; def: TaskDef | undefined }
  | { kind: 'already_handled' }
  | { kind: 'conflict' };

export async function actOnWarning(call: Call, deps: UseCaseDeps, input: WarningInput): Promise<WarningResult> {
  const { tx, now } = call;
  const me = input.actor.userId;
  const task = await getTask(tx, input.taskId);
  if (!task) return { kind: 'not_found' };
  const actor = await findPerson(tx, me);
  if (!input.actor.trusted && !(await mayActOnWarning(tx, me, actor, task.assigneeId))) return { kind: 'not_allowed' };
  const def = taskDef(deps.process, task.kind);
  if (task.status !== 'open') return { kind: 'already_done', task, def };
  if (input.version !== task.version) return { kind: 'stale_card', task, def };
  const name = actor?.name ?? me;
  switch (input.action) {
    case 'nudge': {
      await call.emit([task.assigneeId], text(nudgeText(await taskFacts(tx, def, task), name)));
      await addTaskEvent(tx, { taskId: task.id, kind: 'nudged', actorId: me }, now);
      return { kind: 'nudged', task, def, actor };
    }
    case 'extend': {
      const reason = EXTEND_REASONS.find((r) => r.id === input.reasonId)?.text ?? EXTEND_REASONS[0]!.text;
      const base = Math.max(task.dueAt.getTime(), now.getTime());
      const extended = await extendTask(tx, task, new Date(base + EXTENSION_MS));
      if (!extended) return { kind: 'conflict' };
      if (def) await scheduleTaskTimers(tx, deps.tasks, def, extended, now, now, { reschedule: true });
      await addTaskEvent(tx, { taskId: task.id, kind: 'extended', actorId: me, note: reason, data: { from: task.dueAt, to: extended.dueAt } }, now);
      await call.emit([task.assigneeId], text(extendedText(await taskFacts(tx, def, extended), name, reason)));
      return { kind: 'extended', task: extended, def, actor, reason };
    }
    case 'handled': {
      if (!(await markHandled(tx, task, me, now))) return { kind: 'already_handled' };
      await addTaskEvent(tx, { taskId: task.id, kind: 'handled', actorId: me }, now);
      return { kind: 'handled', task, def, actor };
    }
  }
}
