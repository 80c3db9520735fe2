/**
 * Tasks and their durable timers. Timers are rows with a unique key (scheduling twice is harmless); a timer is
 * claimed with a lease and marked fired in the same transaction as the messages it causes, so it fires once.
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { asDate, type Database, type DbOrTx } from './db';
import { hotQuery, jsonValue } from './hot-query';
import type { PersonRow } from './people';
import { customers, people, taskEvents, tasks, timers } from './schema';

export type TaskRow = typeof tasks.$inferSelect;
export type TimerRow = typeof timers.$inferSelect;

export interface NewTimer { kind: string; key: string; fireAt: Date; taskId?: number | null; customerId?: number | null; payload?: unknown }

/** Inserts timers, ignoring keys that already exist. Returns the ones actually created. */
const insertTimer = hotQuery('spb_timer_insert', (on, name) => on.insert(timers).values({
  kind: sql.placeholder('kind'), key: sql.placeholder('key'), fireAt: sql.placeholder('fireAt'), taskId: sql.placeholder('taskId'),
  customerId: sql.placeholder('customerId'), payload: sql`${sql.placeholder('payload')}`, status: 'pending', createdAt: sql.placeholder('now'),
}).onConflictDoNothing({ target: timers.key }).returning().prepare(name));

export async function scheduleTimers(on: DbOrTx, list: NewTimer[], now: Date): Promise<TimerRow[]> {
  if (!list.length) return [];
  if (list.length === 1) {
    const t = list[0]!;
    return insertTimer(on, { kind: t.kind, key: t.key, fireAt: t.fireAt, taskId: t.taskId ?? null, customerId: t.customerId ?? null, payload: jsonValue(t.payload), now });
  }
  return on.insert(timers).values(list.map((t) => ({
    kind: t.kind, key: t.key, fireAt: t.fireAt, taskId: t.taskId ?? null, customerId: t.customerId ?? null,
    payload: t.payload ?? null, status: 'pending', createdAt: now,
  }))).onConflictDoNothing({ target: timers.key }).returning();
}

export async function openTask(on: DbOrTx, input: {
  kind: string; customerId: number | null; assigneeId: string; trigger: string; openedAt: Date; dueAt: Date;
}): Promise<TaskRow> {
  const [row] = await insertTask(on, input);
  await insertTaskEvent(on, { taskId: row!.id, kind: 'opened', actorId: input.assigneeId, note: null, data: jsonValue({ trigger: input.trigger, dueAt: input.dueAt }), at: input.openedAt });
  return row!;
}

const insertTask = hotQuery('spb_task_insert', (on, name) => on.insert(tasks).values({
  kind: sql.placeholder('kind'), customerId: sql.placeholder('customerId'), assigneeId: sql.placeholder('assigneeId'), trigger: sql.placeholder('trigger'),
  openedAt: sql.placeholder('openedAt'), dueAt: sql.placeholder('dueAt'), status: 'open',
}).returning().prepare(name));

const insertTaskEvent = hotQuery('spb_task_event_insert', (on, name) => on.insert(taskEvents).values({
  taskId: sql.placeholder('taskId'), kind: sql.placeholder('kind'), actorId: sql.placeholder('actorId'), note: sql.placeholder('note'),
  data: sql`${sql.placeholder('data')}`, at: sql.placeholder('at'),
}).prepare(name));

export async function getTask(on: DbOrTx, id: number): Promise<TaskRow | null> {
  const [row] = await on.select().from(tasks).where(eq(tasks.id, id)).limit(1);
  return row ?? null;
}

export async function openTasksOf(on: DbOrTx, customerId: number, kinds?: string[]): Promise<TaskRow[]> {
  const conds = [eq(tasks.customerId, customerId), eq(tasks.status, 'open')];
  if (kinds) conds.push(kinds.length ? inArray(tasks.kind, kinds) : sql`false`);
  return on.select().from(tasks).where(and(...conds)).orderBy(asc(tasks.id));
}

export async function openTasksOfAssignee(on: DbOrTx, assigneeId: string, kind?: string): Promise<TaskRow[]> {
  const conds = [eq(tasks.assigneeId, assigneeId), eq(tasks.status, 'open')];
  if (kind) conds.push(eq(tasks.kind, kind));
  return on.select().from(tasks).where(and(...conds)).orderBy(asc(tasks.dueAt));
}

/** Closes open tasks of the given kinds for a customer; their pending timers are cancelled. */
export async function closeTasks(on: DbOrTx, customerId: number, kinds: string[], by: string, deliverable: unknown, now: Date): Promise<TaskRow[]> {
  if (!kinds.length) return [];
  const closed = await on.update(tasks).set({ status: 'done', closedAt: now, closedBy: by, deliverable: deliverable ?? null, version: sql`${tasks.version} + 1` })
    .where(and(eq(tasks.customerId, customerId), eq(tasks.status, 'open'), inArray(tasks.kind, kinds))).returning();
  if (closed.length) {
    await on.update(timers).set({ status: 'cancelled' })
      .where(and(inArray(timers.taskId, closed.map((t) => t.id)), eq(timers.status, 'pending')));
    await on.insert(taskEvents).values(closed.map((t) => ({ taskId: t.id, kind: 'done', actorId: by, data: deliverable ?? null, at: now })));
  }
  return closed;
}

export async function addTaskEvent(on: DbOrTx, e: { taskId: number; kind: string; actorId: string | null; note?: string | null; data?: unknown }, now: Date) {
  await insertTaskEvent(on, { taskId: e.taskId, kind: e.kind, actorId: e.actorId, note: e.note ?? null, data: jsonValue(e.data), at: now });
}

export interface NewTaskEvent { taskId: number; kind: string; actorId: string | null; data?: unknown }

/**
 * Appends many task events with one INSERT … SELECT from a single JSON parameter (drizzle's multi-row VALUES
 * costs ~100 µs of CPU per row to build; this is one JSON.stringify).
 */
export async function addTaskEvents(on: DbOrTx, list: NewTaskEvent[], now: Date) {
  if (!list.length) return;
  const rows = JSON.stringify(list.map((e) => ({ task_id: e.taskId, kind: e.kind, actor_id: e.actorId, data: e.data ?? null })));
  await on.execute(sql`
    insert into task_events (task_id, kind, actor_id, data, at)
    select task_id, kind, actor_id, data, ${now}::timestamptz
    from rows from (jsonb_to_recordset(${rows}::jsonb) as (task_id int, kind text, actor_id text, data jsonb)) with ordinality as x(task_id, kind, actor_id, data, n)
    order by n`);
}

export async function taskHistory(on: DbOrTx, taskId: number) {
  return on.select().from(taskEvents).where(eq(taskEvents.taskId, taskId)).orderBy(asc(taskEvents.id));
}

/** A new deadline (延期): bumps the version so timers of the old deadline become stale, and cancels them. */
export async function extendTask(on: DbOrTx, task: TaskRow, newDue: Date): Promise<TaskRow | null> {
  const [row] = await on.update(tasks).set({ dueAt: newDue, version: task.version + 1, escalationLevel: 0, handledAt: null, handledBy: null })
    .where(and(eq(tasks.id, task.id), eq(tasks.version, task.version), eq(tasks.status, 'open'))).returning();
  if (row) await on.update(timers).set({ status: 'cancelled' }).where(and(eq(timers.taskId, task.id), eq(timers.status, 'pending')));
  return row ?? null;
}

export async function markHandled(on: DbOrTx, task: TaskRow, by: string, now: Date): Promise<boolean> {
  const r = await on.update(tasks).set({ handledAt: now, handledBy: by })
    .where(and(eq(tasks.id, task.id), eq(tasks.status, 'open'), sql`${tasks.handledAt} is null`)).returning({ id: tasks.id });
  return r.length === 1;
}

/** Raises the escalation level of many tasks (one task once per call) where it is lower. Returns the raised ids. */
export async function raiseEscalations(on: DbOrTx, list: { taskId: number; level: number }[]): Promise<Set<number>> {
  if (!list.length) return new Set();
  const rows = await rowsOf<{ id: number | string }>(on, sql`
    update tasks set escalation_level = x.level
    from jsonb_to_recordset(${JSON.stringify(list.map((e) => ({ id: e.taskId, level: e.level })))}::jsonb) as x(id bigint, level int)
    where tasks.id = x.id and tasks.escalation_level < x.level returning tasks.id`);
  return new Set(rows.map((r) => Number(r.id)));
}

/** Tasks by id, each with its customer's name (one query; the timer worker re-reads them at fire time). */
export async function getTasksForFiring(on: DbOrTx, ids: number[]): Promise<Map<number, { task: TaskRow; customerName: string | null }>> {
  if (!ids.length) return new Map();
  const rows = await on.select({ task: tasks, customerName: customers.name }).from(tasks)
    .leftJoin(customers, eq(customers.id, tasks.customerId)).where(inArray(tasks.id, ids));
  return new Map(rows.map((r) => [r.task.id, r]));
}

/**
 * Loads into `cache`, in one query, the people with these userids (or their lower-case form, which findPerson
 * falls back to) and their supervisors up to `depth` levels. Userids asked for and absent are cached as null.
 */
export async function loadPeopleChains(on: DbOrTx, cache: Map<string, PersonRow | null>, userIds: string[], depth = 5) {
  const ids = [...new Set(userIds.flatMap((u) => [u, u.toLowerCase()]))].filter((u) => !cache.has(u));
  if (!ids.length) return;
  const rows = await on.select().from(people).where(sql`${people.userId} in (
    with recursive up(user_id, supervisor_id, depth) as (
      select user_id, supervisor_id, 0 from people where ${inArray(people.userId, ids)}
      union all
      select p.user_id, p.supervisor_id, up.depth + 1 from up join people p on p.user_id in (up.supervisor_id, lower(up.supervisor_id))
      where up.depth < ${depth})
    select user_id from up)`);
  for (const id of ids) cache.set(id, null);
  for (const r of rows) cache.set(r.userId, r);
}

/** Claims due timers (pending and due, or firing with an expired lease) for this worker. */
export async function claimDueTimers(database: Database, now: Date, limit: number, leaseMs: number): Promise<TimerRow[]> {
  const until = new Date(now.getTime() + leaseMs);
  const rows = await database.rows<TimerRow>(sql`
    update timers set status = 'firing', locked_until = ${until}, attempts = attempts + 1
    where id in (
      select id from timers
      where (status = 'pending' and fire_at <= ${now}) or (status = 'firing' and locked_until < ${now})
      order by fire_at, id limit ${limit} for update skip locked)
    returning id, kind, key, task_id as "taskId", customer_id as "customerId", fire_at as "fireAt", status,
      locked_until as "lockedUntil", attempts, fired_at as "firedAt", last_error as "lastError", payload, created_at as "createdAt"`);
  return rows.map((r) => ({
    ...r, fireAt: asDate(r.fireAt), lockedUntil: asDate(r.lockedUntil), firedAt: asDate(r.firedAt), createdAt: asDate(r.createdAt),
  }));
}

/**
 * Marks many claimed timers fired with one UPDATE, inside the transaction of their effects. Returns the ids whose
 * claim still holds (status `firing` with the attempt count we claimed); the others went to another worker.
 */
export async function markTimersFired(on: DbOrTx, list: Pick<TimerRow, 'id' | 'attempts'>[], now: Date): Promise<Set<number>> {
  if (!list.length) return new Set();
  const rows = await rowsOf<{ id: number | string }>(on, sql`
    update timers set status = 'fired', fired_at = ${now}, locked_until = null
    from jsonb_to_recordset(${JSON.stringify(list.map((t) => ({ id: t.id, attempts: t.attempts })))}::jsonb) as x(id bigint, attempts int)
    where timers.id = x.id and timers.status = 'firing' and timers.attempts = x.attempts returning timers.id`);
  return new Set(rows.map((r) => Number(r.id)));
}

async function rowsOf<T>(on: DbOrTx, query: SQL): Promise<T[]> {
  return ((await on.execute(query)) as unknown as { rows: T[] }).rows;
}

export async function timerFailed(on: DbOrTx, t: Pick<TimerRow, 'id' | 'attempts'>, error: string, retryAt: Date, maxAttempts: number) {
  await on.update(timers).set({
    status: t.attempts >= maxAttempts ? 'failed' : 'pending', lastError: error.slice(0, 2000), lockedUntil: null, fireAt: retryAt,
  }).where(and(eq(timers.id, t.id), eq(timers.attempts, t.attempts)));
}

export async function nextTimerAt(database: Database): Promise<Date | null> {
  const [r] = await database.rows<{ at: Date | string | null }>(sql`select min(fire_at) as at from timers where status = 'pending'`);
  return r?.at ? new Date(r.at) : null;
}

export async function listTasks(on: DbOrTx, f: { status?: string; assigneeId?: string; limit?: number }) {
  const conds = [];
  if (f.status) conds.push(eq(tasks.status, f.status));
  if (f.assigneeId) conds.push(eq(tasks.assigneeId, f.assigneeId));
  return on.select().from(tasks).where(conds.length ? and(...conds) : undefined).orderBy(desc(tasks.id)).limit(f.limit ?? 200);
}

/**
 * Open tasks cancelled with their timers: all of a closed customer's (won/lost: no more reminders), or only `kinds`
 * (the tasks of stages a move went past).
 */
export async function cancelOpenTasks(on: DbOrTx, customerId: number, by: string, reason: string, now: Date, kinds?: readonly string[]): Promise<number> {
  if (kinds && !kinds.length) return 0;
  const cancelled = await on.update(tasks).set({ status: 'cancelled', closedAt: now, closedBy: by, version: sql`${tasks.version} + 1` })
    .where(and(eq(tasks.customerId, customerId), eq(tasks.status, 'open'), sql`${tasks.kind} <> 'review'`, kinds ? inArray(tasks.kind, [...kinds]) : undefined))
    .returning({ id: tasks.id });
  if (cancelled.length) {
    await on.update(timers).set({ status: 'cancelled' })
      .where(and(inArray(timers.taskId, cancelled.map((t) => t.id)), eq(timers.status, 'pending')));
    await on.insert(taskEvents).values(cancelled.map((t) => ({ taskId: t.id, kind: 'cancelled', actorId: by, note: reason, at: now })));
  }
  return cancelled.length;
}
