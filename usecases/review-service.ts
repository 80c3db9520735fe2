/**
 * The quality review service shared by the daily draw (schedulers/review-jobs.ts), the scoring clicks
 * (handlers/reviews.ts) and the admin API (app/review-routes.ts): the R11 quality score of a finished task from
 * its evidence, opening a review (review row + its `review` task and timers + the scoring card), the card's facts,
 * and signed links to the delivered documents. Runs inside the caller's transaction.
 */
import { card } from './emit';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { OutMessage } from '../bot/channel';
import { deliverableLines, newReviewCardId, reviewCard, type ReviewCardFacts, type ScoreView } from '../cards/review-cards';
import { durationMs } from '../domain/duration';
import { qualityScore, type QualityScore } from '../domain/quality-score';
import { REVIEW_TASK_KIND, qualityRuleFor, reviewSettings, type ReviewSettings } from '../domain/review-config';
import type { Assignment } from '../domain/sampling';
import type { ProcessDefinition } from '../domain/types';
import { getCustomer } from '../store/customers';
import type { DbOrTx } from '../store/db';
import { findPerson } from '../store/people';
import { documentsFor, formFor, insertReview, reviewTrigger, type ReviewRow, type ScoreRow } from '../store/reviews';
import { getTask, openTask, type TaskRow } from '../store/tasks';
import { scheduleTaskTimers, taskDef, type TaskServiceDeps } from './tasks';

export interface ReviewServiceDeps {
  process: ProcessDefinition;
  settings: ReviewSettings;
  tasks: TaskServiceDeps;
  /** A link to a delivered document, valid until `expiresAt`; null when the bot has no public address. */
  docLink(docId: number, expiresAt: Date): string | null;
}

/** How long document links on a review card stay valid after the review's deadline. */
const DOC_LINK_GRACE_MS = 7 * 86_400_000;

// ---- signed document links (no state: HMAC of the document id and expiry) ----

export function reviewDocKey(secrets: { secret: string; encodingAesKey: string }): Buffer {
  return createHash('sha256').update(`review-doc:${secrets.secret}${secrets.encodingAesKey}`).digest();
}

export function createDocToken(docId: number, expiresAt: Date, key: Buffer): string {
  const body = Buffer.from(JSON.stringify({ d: docId, e: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url');
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

export function verifyDocToken(token: string, key: Buffer, now: Date): { ok: true; docId: number } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' } {
  const m = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(createHmac('sha256', key).update(m[1]!).digest('base64url'));
  const given = Buffer.from(m[2]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let data: { d?: unknown; e?: unknown };
  try {
    data = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as { d?: unknown; e?: unknown };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!Number.isSafeInteger(data.d) || !Number.isSafeInteger(data.e)) return { ok: false, reason: 'malformed' };
  if (now.getTime() >= (data.e as number) * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, docId: data.d as number };
}

/** The service's dependencies from the app's configuration (the same for handlers, jobs and routes). */
export function reviewServiceDeps(input: {
  process: ProcessDefinition; tasks: TaskServiceDeps; config: { secret: string; encodingAesKey: string; publicBaseUrl?: string };
}): ReviewServiceDeps {
  const key = reviewDocKey(input.config);
  const base = input.config.publicBaseUrl?.replace(/\/+$/, '');
  return {
    process: input.process,
    settings: reviewSettings(input.process),
    tasks: input.tasks,
    docLink: (docId, expiresAt) => (base ? `${base}/review/doc/${createDocToken(docId, expiresAt, key)}` : null),
  };
}

// ---- evidence and the R11 score ----

export interface TaskEvidence {
  form: Record<string, unknown> | null;
  documents: { id: number | null; name: string }[];
}

export async function taskEvidence(on: DbOrTx, deps: ReviewServiceDeps, task: TaskRow): Promise<TaskEvidence> {
  const def = taskDef(deps.process, task.kind);
  let form = await formFor(on, task, def?.form);
  const deliverable = (task.deliverable ?? null) as Record<string, unknown> | null;
  if (!form && deliverable && typeof deliverable.data === 'object' && deliverable.data && !Array.isArray(deliverable.data)) {
    form = deliverable.data as Record<string, unknown>;
  }
  const docs: { id: number | null; name: string }[] = await documentsFor(on, task);
  if (deliverable && typeof deliverable.document === 'string' && !docs.some((d) => d.name === deliverable.document)) {
    docs.push({ id: null, name: deliverable.document });
  }
  return { form, documents: docs };
}

export function scoreTask(deps: ReviewServiceDeps, task: TaskRow, evidence: TaskEvidence): QualityScore | null {
  if (!task.closedAt) return null;
  return qualityScore({
    openedAt: task.openedAt, dueAt: task.dueAt, closedAt: task.closedAt,
    form: evidence.form, documents: evidence.documents.map((d) => d.name), delivered: task.status === 'done',
    rule: qualityRuleFor(deps.settings, task.kind), weights: deps.settings.quality.weights,
  });
}

// ---- opening a review ----

/**
 * Opens the review of one drawn task: the review row (with the R11 score), the reviewer's `review` task and its
 * timers (reminder at 20 h, escalation when overdue), and the scoring card to the reviewer. Null when the task
 * was reviewed before (never twice) or is gone.
 */
export async function openReview(on: DbOrTx, deps: ReviewServiceDeps, input: {
  assignment: Assignment & { reviewerId: string }; samplingRunId: number; now: Date;
  emit(to: string[], message: OutMessage): Promise<void>;
}): Promise<ReviewRow | null> {
  const { assignment: a, now } = input;
  const task = await getTask(on, a.taskId);
  if (!task) return null;
  const evidence = await taskEvidence(on, deps, task);
  const quality = scoreTask(deps, task, evidence);
  const reviewDef = taskDef(deps.process, REVIEW_TASK_KIND);
  const dueAt = new Date(now.getTime() + durationMs(deps.settings.due));
  const review = await insertReview(on, {
    taskId: task.id, repId: a.repId, reviewerId: a.reviewerId, samplingRunId: input.samplingRunId, assignedAt: now, dueAt,
    qualityScore: quality?.total ?? null, qualityParts: quality ? { ...quality.parts, via: a.via } : { via: a.via },
  });
  if (!review) return null;
  if (reviewDef) {
    const reviewTask = await openTask(on, {
      kind: REVIEW_TASK_KIND, customerId: task.customerId, assigneeId: a.reviewerId, trigger: reviewTrigger(review.id), openedAt: now, dueAt,
    });
    await scheduleTaskTimers(on, deps.tasks, reviewDef, reviewTask, now, now);
  }
  const facts = await reviewFacts(on, deps, review, { task, evidence, quality });
  await input.emit([a.reviewerId], card(reviewCard(facts, newReviewCardId(review.id))));
  return review;
}

/** What the scoring card shows (re-read from the database, so an updated card matches the first one). */
export async function reviewFacts(on: DbOrTx, deps: ReviewServiceDeps, review: ReviewRow, known: {
  task?: TaskRow; evidence?: TaskEvidence; quality?: QualityScore | null;
} = {}): Promise<ReviewCardFacts> {
  const task = known.task ?? (await getTask(on, review.taskId));
  const evidence = known.evidence ?? (task ? await taskEvidence(on, deps, task) : { form: null, documents: [] });
  const quality = known.quality !== undefined ? known.quality : storedQuality(review);
  const def = task ? taskDef(deps.process, task.kind) : undefined;
  const customer = task?.customerId ? await getCustomer(on, task.customerId) : null;
  const rep = await findPerson(on, review.repId);
  const linkUntil = new Date(review.dueAt.getTime() + DOC_LINK_GRACE_MS);
  return {
    reviewId: review.id,
    taskName: def?.name ?? task?.kind ?? '任务',
    repName: rep?.name ?? review.repId,
    customerName: customer?.name ?? null,
    closedAt: task?.closedAt ?? review.assignedAt,
    taskDueAt: task?.dueAt ?? review.assignedAt,
    reviewDueAt: review.dueAt,
    lines: deliverableLines(evidence.form),
    documents: evidence.documents.map((d) => ({ name: d.name, url: d.id ? deps.docLink(d.id, linkUntil) : null })),
    quality,
    tags: deps.settings.tags,
  };
}

function storedQuality(review: ReviewRow): QualityScore | null {
  if (review.qualityScore === null || !review.qualityParts || typeof review.qualityParts !== 'object') return null;
  const parts = review.qualityParts as QualityScore['parts'];
  if (!parts.timeliness || !parts.completeness) return null;
  return { total: review.qualityScore, parts: { timeliness: parts.timeliness, completeness: parts.completeness, keywords: parts.keywords ?? null } };
}

export async function scoreView(on: DbOrTx, s: ScoreRow): Promise<ScoreView> {
  const reviewer = await findPerson(on, s.reviewerId);
  return { score: s.score, tags: s.tags, comment: s.comment, version: s.version, reviewerName: reviewer?.name ?? s.reviewerId, at: s.at };
}
