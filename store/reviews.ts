/**
 * Quality review storage (R7, R11): the daily sampling runs (seed and population recorded), reviews, append-only
 * scores (a re-score is a new version), the review's own task row, the short comment window after a score (a
 * `conversations` row of kind `review_comment`), the reviewer dashboard queries, and coach assignments.
 */
import { and, asc, desc, eq, gte, inArray, lt, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { SampleTask } from '../domain/sampling';
import { asDate, type Database, type DbOrTx } from './db';
import {
  coachAssignments, conversations, documents, forms, reviewScores, reviews, samplingRuns, taskEvents, tasks, timers,
} from './schema';
import { conversationChanged, conversationRow } from './forms';
import type { TaskRow } from './tasks';

export type ReviewRow = typeof reviews.$inferSelect;
export type ScoreRow = typeof reviewScores.$inferSelect;
export type SamplingRunRow = typeof samplingRuns.$inferSelect;

export const REVIEW_COMMENT_KIND = 'review_comment';

/** Finished tasks (closed in [from, to)) never reviewed before, excluding reviews themselves. */
export async function samplingPopulation(on: DbOrTx, q: { from: Date; to: Date; kinds: readonly string[]; exclude: readonly string[] }): Promise<SampleTask[]> {
  const conds: (SQL | undefined)[] = [
    eq(tasks.status, 'done'), gte(tasks.closedAt, q.from), lt(tasks.closedAt, q.to),
    q.kinds.length ? inArray(tasks.kind, [...q.kinds]) : undefined,
    ...q.exclude.map((k) => ne(tasks.kind, k)),
    sql`not exists (select 1 from reviews r where r.task_id = ${tasks.id})`,
  ];
  const rows = await on.select({ taskId: tasks.id, repId: tasks.assigneeId }).from(tasks)
    .where(and(...conds.filter((c): c is SQL => !!c))).orderBy(asc(tasks.id));
  return rows;
}

export async function runsOfDays(on: DbOrTx, days: readonly string[]): Promise<SamplingRunRow[]> {
  if (!days.length) return [];
  return on.select().from(samplingRuns).where(inArray(samplingRuns.day, [...days])).orderBy(asc(samplingRuns.day));
}

export async function getRun(on: DbOrTx, day: string): Promise<SamplingRunRow | null> {
  const [row] = await on.select().from(samplingRuns).where(eq(samplingRuns.day, day)).limit(1);
  return row ?? null;
}

/** The most recent run before `day` (for the reviewer pool's round robin). */
export async function previousRun(on: DbOrTx, day: string): Promise<SamplingRunRow | null> {
  const [row] = await on.select().from(samplingRuns).where(lt(samplingRuns.day, day)).orderBy(desc(samplingRuns.day)).limit(1);
  return row ?? null;
}

/** Records a run; null when the day was already drawn (the day is unique: one draw per day, ever). */
export async function insertRun(on: DbOrTx, run: Omit<typeof samplingRuns.$inferInsert, 'id'>): Promise<SamplingRunRow | null> {
  const [row] = await on.insert(samplingRuns).values(run).onConflictDoNothing({ target: samplingRuns.day }).returning();
  return row ?? null;
}

export async function insertReview(on: DbOrTx, r: {
  taskId: number; repId: string; reviewerId: string; samplingRunId: number; assignedAt: Date; dueAt: Date;
  qualityScore: number | null; qualityParts: unknown;
}): Promise<ReviewRow | null> {
  const [row] = await on.insert(reviews).values({ ...r, status: 'pending' }).onConflictDoNothing({ target: reviews.taskId }).returning();
  return row ?? null;
}

export async function getReview(on: DbOrTx, id: number, opts: { forUpdate?: boolean } = {}): Promise<ReviewRow | null> {
  const q = on.select().from(reviews).where(eq(reviews.id, id)).limit(1);
  const [row] = opts.forUpdate ? await q.for('update') : await q;
  return row ?? null;
}

export async function scoresOf(on: DbOrTx, reviewId: number): Promise<ScoreRow[]> {
  return on.select().from(reviewScores).where(eq(reviewScores.reviewId, reviewId)).orderBy(asc(reviewScores.version));
}

export async function latestScore(on: DbOrTx, reviewId: number): Promise<ScoreRow | null> {
  const [row] = await on.select().from(reviewScores).where(eq(reviewScores.reviewId, reviewId)).orderBy(desc(reviewScores.version)).limit(1);
  return row ?? null;
}

/** Appends a score version (the next number). Callers hold the review row lock, so versions never collide. */
export async function addScore(on: DbOrTx, s: { reviewId: number; score: number; tags: string[]; comment: string | null; reviewerId: string }, now: Date): Promise<ScoreRow> {
  const [row] = await on.insert(reviewScores).values({
    reviewId: s.reviewId, score: s.score, tags: s.tags, comment: s.comment, reviewerId: s.reviewerId, at: now,
    version: sql`(select coalesce(max(version), 0) + 1 from review_scores where review_id = ${s.reviewId})`,
  }).returning();
  return row!;
}

/** First score: the review becomes `scored` (first_scored_at is kept from the first time). */
export async function markScored(on: DbOrTx, reviewId: number, now: Date): Promise<void> {
  await on.update(reviews).set({ status: 'scored', firstScoredAt: sql`coalesce(${reviews.firstScoredAt}, ${now})` }).where(eq(reviews.id, reviewId));
}

export const reviewTrigger = (reviewId: number) => `review:${reviewId}`;

/** The review's task row (kind `review`, assignee = reviewer). */
export async function reviewTaskOf(on: DbOrTx, reviewId: number, assigneeId: string): Promise<TaskRow | null> {
  const [row] = await on.select().from(tasks)
    .where(and(eq(tasks.assigneeId, assigneeId), eq(tasks.kind, 'review'), eq(tasks.trigger, reviewTrigger(reviewId)))).limit(1);
  return row ?? null;
}

/** Closes the review's task (its timers are cancelled), by id: another review of the same customer stays open. */
export async function closeReviewTask(on: DbOrTx, taskId: number, by: string, deliverable: unknown, now: Date): Promise<boolean> {
  const closed = await on.update(tasks).set({ status: 'done', closedAt: now, closedBy: by, deliverable: deliverable as object, version: sql`${tasks.version} + 1` })
    .where(and(eq(tasks.id, taskId), eq(tasks.status, 'open'))).returning({ id: tasks.id });
  if (!closed.length) return false;
  await on.update(timers).set({ status: 'cancelled' }).where(and(eq(timers.taskId, taskId), eq(timers.status, 'pending')));
  await on.insert(taskEvents).values({ taskId, kind: 'done', actorId: by, data: deliverable ?? null, at: now });
  return true;
}

/** The form delivered with a task: the latest version of its form kind submitted while the task was open. */
export async function formFor(on: DbOrTx, task: TaskRow, formKind: string | undefined): Promise<Record<string, unknown> | null> {
  if (!formKind || !task.customerId || !task.closedAt) return null;
  const [row] = await on.select({ data: forms.data }).from(forms)
    .where(and(eq(forms.customerId, task.customerId), eq(forms.kind, formKind), gte(forms.submittedAt, task.openedAt), lte(forms.submittedAt, new Date(task.closedAt.getTime() + 1000))))
    .orderBy(desc(forms.submittedAt), desc(forms.version)).limit(1);
  const data = row?.data;
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
}

/** Documents uploaded for the task's customer while the task was open. */
export async function documentsFor(on: DbOrTx, task: TaskRow): Promise<{ id: number; name: string }[]> {
  if (!task.customerId || !task.closedAt) return [];
  return on.select({ id: documents.id, name: documents.name }).from(documents)
    .where(and(eq(documents.customerId, task.customerId), gte(documents.uploadedAt, task.openedAt), lte(documents.uploadedAt, new Date(task.closedAt.getTime() + 1000))))
    .orderBy(asc(documents.id)).limit(20);
}

export async function documentContent(on: DbOrTx, id: number) {
  const [row] = await on.select().from(documents).where(eq(documents.id, id)).limit(1);
  return row ?? null;
}

// ---- the comment window (conversations row) ----

export interface CommentState { reviewId: number; version: number }

/**
 * Opens (or renews) the comment window. A guided conversation of another kind that is still running is left
 * alone (false is returned): the reviewer's text then belongs to that conversation.
 */
export async function openCommentWindow(on: DbOrTx, userId: string, state: CommentState, now: Date, expiresAt: Date): Promise<boolean> {
  const rows = await on.insert(conversations).values({
    userId, kind: REVIEW_COMMENT_KIND, taskId: state.reviewId, step: 0, answers: state, startedAt: now, updatedAt: now, expiresAt,
  }).onConflictDoUpdate({
    target: conversations.userId,
    set: { kind: REVIEW_COMMENT_KIND, taskId: state.reviewId, customerId: null, step: 0, answers: state, startedAt: now, updatedAt: now, expiresAt },
    setWhere: sql`${conversations.kind} = ${REVIEW_COMMENT_KIND} or ${conversations.expiresAt} <= ${now}`,
  }).returning({ userId: conversations.userId });
  conversationChanged(on, userId);
  return rows.length === 1;
}

export async function activeCommentWindow(on: DbOrTx, userId: string, now: Date): Promise<CommentState | null> {
  const stored = await conversationRow(on, userId);
  const row = stored && stored.kind === REVIEW_COMMENT_KIND && stored.expiresAt.getTime() > now.getTime() ? stored : null;
  const a = row?.answers as Partial<CommentState> | undefined;
  return a && Number.isInteger(a.reviewId) && Number.isInteger(a.version) ? { reviewId: a.reviewId!, version: a.version! } : null;
}

export async function closeCommentWindow(on: DbOrTx, userId: string): Promise<void> {
  await on.delete(conversations).where(and(eq(conversations.userId, userId), eq(conversations.kind, REVIEW_COMMENT_KIND)));
  conversationChanged(on, userId);
}

// ---- dashboard data ----

export type ReviewStatusFilter = 'pending' | 'scored' | 'overdue';

export interface ReviewListItem {
  id: number;
  taskId: number;
  taskKind: string;
  customerId: number | null;
  repId: string;
  reviewerId: string;
  samplingRunId: number;
  status: 'pending' | 'scored' | 'overdue';
  assignedAt: Date;
  dueAt: Date;
  firstScoredAt: Date | null;
  scoredOnTime: boolean | null;
  qualityScore: number | null;
  score: number | null;
  tags: string[];
  comment: string | null;
  versions: number;
}


export async function listReviews(database: Database, f: { status?: ReviewStatusFilter; reviewer?: string; from: Date; to: Date; now: Date; limit: number }, on?: DbOrTx): Promise<ReviewListItem[]> {
  const status = f.status === 'overdue' ? sql` and r.status = 'pending' and r.due_at < ${f.now}`
    : f.status === 'pending' ? sql` and r.status = 'pending' and r.due_at >= ${f.now}`
      : f.status === 'scored' ? sql` and r.status = 'scored'` : sql``;
  const reviewer = f.reviewer ? sql` and lower(r.reviewer_id) = lower(${f.reviewer})` : sql``;
  const rows = await database.rows<{
    id: number; task_id: number; kind: string; customer_id: number | null; rep_id: string; reviewer_id: string; sampling_run_id: number;
    status: string; assigned_at: Date | string; due_at: Date | string; first_scored_at: Date | string | null; quality_score: number | null;
    score: number | null; tags: string[] | null; comment: string | null; versions: number;
  }>(sql`
    select r.id, r.task_id, t.kind, t.customer_id, r.rep_id, r.reviewer_id, r.sampling_run_id, r.status, r.assigned_at, r.due_at,
           r.first_scored_at, r.quality_score, s.score, s.tags, s.comment, coalesce(s.version, 0) as versions
    from reviews r
    left join tasks t on t.id = r.task_id
    left join lateral (select score, tags, comment, version from review_scores where review_id = r.id order by version desc limit 1) s on true
    where r.assigned_at >= ${f.from} and r.assigned_at < ${f.to}${status}${reviewer}
    order by r.assigned_at desc, r.id desc
    limit ${f.limit}`, on);
  return rows.map((r) => {
    const due = asDate(r.due_at);
    const first = asDate(r.first_scored_at);
    return {
      id: Number(r.id), taskId: Number(r.task_id), taskKind: r.kind, customerId: r.customer_id === null ? null : Number(r.customer_id),
      repId: r.rep_id, reviewerId: r.reviewer_id, samplingRunId: Number(r.sampling_run_id),
      status: r.status === 'scored' ? 'scored' : due.getTime() < f.now.getTime() ? 'overdue' : 'pending',
      assignedAt: asDate(r.assigned_at), dueAt: due, firstScoredAt: first,
      scoredOnTime: first ? first.getTime() <= due.getTime() : due.getTime() < f.now.getTime() ? false : null,
      qualityScore: r.quality_score, score: r.score, tags: r.tags ?? [], comment: r.comment, versions: Number(r.versions),
    };
  });
}

export interface ReviewerTimeliness {
  reviewerId: string;
  assigned: number;
  scored: number;
  scoredOnTime: number;
  /** Still pending and past due. */
  overdue: number;
  /** Pending, not yet due (not counted in the rate). */
  open: number;
  /** scoredOnTime / (assigned − open): the share scored within the deadline, of the reviews already decided. */
  rate: number | null;
}

/** Reviewer timeliness over reviews assigned in [from, to): the share scored within their deadline (24 h). */
export async function reviewerTimeliness(database: Database, f: { from: Date; to: Date; now: Date; reviewer?: string }, on?: DbOrTx): Promise<ReviewerTimeliness[]> {
  const reviewer = f.reviewer ? sql` and lower(reviewer_id) = lower(${f.reviewer})` : sql``;
  const rows = await database.rows<{ reviewer_id: string; assigned: number; scored: number; on_time: number; overdue: number; open: number }>(sql`
    select reviewer_id, count(*)::int as assigned,
           count(*) filter (where first_scored_at is not null)::int as scored,
           count(*) filter (where first_scored_at is not null and first_scored_at <= due_at)::int as on_time,
           count(*) filter (where first_scored_at is null and due_at < ${f.now})::int as overdue,
           count(*) filter (where first_scored_at is null and due_at >= ${f.now})::int as open
    from reviews
    where assigned_at >= ${f.from} and assigned_at < ${f.to}${reviewer}
    group by reviewer_id
    order by reviewer_id`, on);
  return rows.map((r) => {
    const decided = r.assigned - r.open;
    return {
      reviewerId: r.reviewer_id, assigned: r.assigned, scored: r.scored, scoredOnTime: r.on_time, overdue: r.overdue, open: r.open,
      rate: decided > 0 ? Math.round((r.on_time / decided) * 1000) / 1000 : null,
    };
  });
}

// ---- coach assignments ----

/** Records a coach offer; null when the rep already has one for that week (unique rep × week). */
export async function recordCoach(on: DbOrTx, a: { repId: string; coachId: string | null; week: string; reason: string }, now: Date) {
  const [row] = await on.insert(coachAssignments).values({ ...a, at: now })
    .onConflictDoNothing({ target: [coachAssignments.repId, coachAssignments.week] }).returning();
  return row ?? null;
}
