/**
 * The quality review service shared by the daily draw (schedulers/review-jobs.ts), the scoring clicks
 * (handlers/reviews.ts) and the admin API (app/review-routes.ts): the R11 quality score of a finished task from
 * its evidence, opening a review (review row + its `review` task and timers + the scoring card), the card's facts,
 * and signed links to the delivered documents. Runs inside the caller's transaction.
 */
import { card } from './emit';
import type { OutMessage } from '../domain/messages';
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
import { signingKeys, signToken, verifyToken, type SigningKeys } from './signed-token';
import { scheduleTaskTimers, taskDef, type TaskServiceDeps } from './tasks';

export interface ReviewServiceDeps {
  process: ProcessDefinition;
  settings: ReviewSettings;
  tasks: TaskServiceDeps;
  /** A link to a delivered document, valid from `issuedAt` until `expiresAt`; null when the bot has no public address. */
  docLink(docId: number, t: { issuedAt: Date; expiresAt: Date }): Promise<string | null>;
  /** The channel that delivers this deployment's messages (CHANNEL): the coaching note's outbox row names it. */
  channel?: string;
}

/** How long document links on a review card stay valid after the review's deadline. */
const DOC_LINK_GRACE_MS = 7 * 86_400_000;

// ---- signed document links: a JWT for audience `review-doc` (usecases/signed-token.ts) ----

export type DocTokenResult = { ok: true; docId: number } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

/** The signing keys (TOKEN_SIGNING_KEYS, or derived from the app's secrets), the same as every other link's. */
export function reviewDocKeys(config: Parameters<typeof signingKeys>[0]): SigningKeys {
  return signingKeys(config);
}

/** A token for one document (d = its id), valid from `issuedAt` until `expiresAt` (whole seconds). */
export async function createDocToken(docId: number, t: { issuedAt: Date; expiresAt: Date }, keys: SigningKeys): Promise<string> {
  if (!Number.isSafeInteger(docId) || docId <= 0) throw new RangeError('docId must be a positive integer');
  return signToken(keys, 'review-doc', { d: docId }, t);
}

/** Signature, audience, shape and expiry. A link is valid up to, not including, its expiry second. */
export async function verifyDocToken(token: unknown, keys: SigningKeys, now: Date): Promise<DocTokenResult> {
  const v = await verifyToken(keys, 'review-doc', token, now);
  if (!v.ok) return { ok: false, reason: v.reason === 'too_long' ? 'malformed' : v.reason };
  const d = (v.claims as { d?: unknown }).d;
  if (!Number.isSafeInteger(d) || (d as number) <= 0) return { ok: false, reason: 'malformed' };
  return { ok: true, docId: d as number };
}

/** The service's dependencies from the app's configuration (the same for handlers, jobs and routes). */
export function reviewServiceDeps(input: {
  process: ProcessDefinition; tasks: TaskServiceDeps;
  config: Parameters<typeof signingKeys>[0] & { publicBaseUrl?: string; channel?: string };
}): ReviewServiceDeps {
  const keys = reviewDocKeys(input.config);
  const base = input.config.publicBaseUrl?.replace(/\/+$/, '');
  return {
    process: input.process,
    settings: reviewSettings(input.process),
    tasks: input.tasks,
    channel: input.config.channel ?? 'wecom',
    docLink: async (docId, t) => (base ? `${base}/review/doc/${await createDocToken(docId, t, keys)}` : null),
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
    documents: await Promise.all(evidence.documents.map(async (d) => ({
      name: d.name, url: d.id ? await deps.docLink(d.id, { issuedAt: review.assignedAt, expiresAt: linkUntil }) : null,
    }))),
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
