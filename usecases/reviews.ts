/**
 * Scoring a sampled task (R7, R11): a score (1–5) with quick tags appends a score version, closes the reviewer's
 * `review` task on the first score and opens a short comment window; the reviewer's next text is the comment (a
 * new version with the same score). Nothing is overwritten.
 */
import type { OutMessage } from '../domain/messages';
import { summarize } from './emit';
import { coachingText, tagsFromSelection, type ReviewCardFacts } from '../cards/review-cards';
import { releaseCoachingNote, upsertCoachingNote, type StoredMessage } from '../store/coaching';
import { durationMs } from '../domain/duration';
import { REVIEW_FORM } from '../domain/review-config';
import { findPerson } from '../store/people';
import {
  activeCommentWindow, addScore, closeCommentWindow, closeReviewTask, getReview, latestScore, markScored, openCommentWindow, reviewTaskOf,
  type ReviewRow, type ScoreRow,
} from '../store/reviews';
import type { Call } from './deps';
import { mayScore, type Actor } from './permissions';
import { reviewFacts, type ReviewServiceDeps } from './review-service';

/** The rep hears the score as coaching (issue 14), with the comment: one note per review, rewritten while pending. */
async function coachingMessage(call: Call, reviewerId: string, repId: string, facts: ReviewCardFacts,
  s: { score: number; tags: string[]; comment: string | null }): Promise<StoredMessage> {
  const reviewer = await findPerson(call.tx, reviewerId);
  const rep = await findPerson(call.tx, repId);
  const body: OutMessage = { type: 'text', text: coachingText({
    repName: rep?.name ?? repId, reviewerName: reviewer?.name ?? reviewerId, taskName: facts.taskName, customerName: facts.customerName,
    score: s.score, tags: s.tags, comment: s.comment, quality: facts.quality?.total ?? null,
  }) };
  return { messageType: body.type, body, summary: summarize(body) };
}

export type ScoreResult =
  | { kind: 'scored'; review: ReviewRow; row: ScoreRow; tags: string[]; rescored: boolean; commentMinutes: number | null }
  | { kind: 'not_found' }
  | { kind: 'own_task' }
  | { kind: 'not_reviewer' };

export async function scoreReview(call: Call, deps: ReviewServiceDeps, input: {
  actor: Actor; reviewId: number; score: number; tagOptionIds: readonly string[];
}): Promise<ScoreResult> {
  const { tx, now } = call;
  const me = input.actor.userId;
  // The row lock serialises two clicks on the same review: versions are numbered one after the other.
  const review = await getReview(tx, input.reviewId, { forUpdate: true });
  if (!review) return { kind: 'not_found' };
  const may = mayScore(me, await findPerson(tx, me), review);
  if (may !== 'ok') return { kind: may };
  const tags = tagsFromSelection(input.tagOptionIds, deps.settings.tags);
  const previous = await latestScore(tx, review.id);
  const row = await addScore(tx, { reviewId: review.id, score: input.score, tags, comment: null, reviewerId: me }, now);
  if (!review.firstScoredAt) {
    await markScored(tx, review.id, now);
    const task = await reviewTaskOf(tx, review.id, review.reviewerId);
    if (task) await closeReviewTask(tx, task.id, me, { form: REVIEW_FORM, reviewId: review.id, scoreVersion: row.version, score: input.score }, now);
  }
  const windowMs = durationMs(deps.settings.commentWindow);
  const open = await openCommentWindow(tx, me, { reviewId: review.id, version: row.version }, now, new Date(now.getTime() + windowMs));
  // Held until the comment window closes, so the rep gets the score and the comment together, once.
  const facts = await reviewFacts(tx, deps, review);
  await upsertCoachingNote(tx, {
    reviewId: review.id, repId: review.repId, message: await coachingMessage(call, me, review.repId, facts, { score: input.score, tags, comment: null }),
    sendAt: open ? new Date(now.getTime() + windowMs) : now, channel: deps.channel,
  }, now);
  return { kind: 'scored', review, row, tags, rescored: !!previous, commentMinutes: open ? Math.max(1, Math.round(windowMs / 60_000)) : null };
}

/**
 * The reviewer's comment window ends without a comment (跳过, or a command sent meanwhile: they moved on): the rep
 * hears the score now. False when no window was open.
 */
export async function endCommentWindow(call: Call, input: { actor: Actor }): Promise<boolean> {
  const state = await activeCommentWindow(call.tx, input.actor.userId, call.now);
  if (!state) return false;
  await closeCommentWindow(call.tx, input.actor.userId);
  await releaseCoachingNote(call.tx, state.reviewId, call.now);
  return true;
}

export type CommentResult = { kind: 'no_window' } | { kind: 'skipped' } | { kind: 'commented'; row: ScoreRow };

/** The reviewer's text right after a score: the comment (a new score version), or a skip. */
export async function commentOnReview(call: Call, deps: ReviewServiceDeps, input: { actor: Actor; text: string; skip: boolean }): Promise<CommentResult> {
  const { tx, now } = call;
  const me = input.actor.userId;
  if (input.skip && input.text) return (await endCommentWindow(call, input)) ? { kind: 'skipped' } : { kind: 'no_window' };
  const state = await activeCommentWindow(tx, me, now);
  if (!state) return { kind: 'no_window' };
  await closeCommentWindow(tx, me);
  if (!input.text) return { kind: 'no_window' };
  const review = await getReview(tx, state.reviewId, { forUpdate: true });
  const last = review ? await latestScore(tx, review.id) : null;
  if (!review || !last) return { kind: 'no_window' };
  const row = await addScore(tx, { reviewId: review.id, score: last.score, tags: last.tags, comment: input.text.slice(0, 1000), reviewerId: me }, now);
  const facts = await reviewFacts(tx, deps, review);
  await upsertCoachingNote(tx, {
    reviewId: review.id, repId: review.repId, message: await coachingMessage(call, me, review.repId, facts, { score: last.score, tags: last.tags, comment: row.comment }),
    sendAt: now, channel: deps.channel,
  }, now);
  return { kind: 'commented', row };
}
