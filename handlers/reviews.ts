/**
 * Scoring sampled tasks in chat (R7): a tap on 1–5 on the scoring card (with the quick tag chosen on the same
 * card) appends a score version, closes the reviewer's `review` task on the first score, updates the card in
 * place to show the score, and opens a short comment window: the reviewer's next text is the comment (a new
 * version with the same score). A re-score is a new version; nothing is overwritten.
 */
import type { BotContext } from '../bot/context';
import type { TemplateCardEvent } from '../bot/wecom/events';
import type { Router } from '../bot/router';
import { REVIEW_ACTION, REVIEW_TAG_QUESTION, reviewCard, reviewTexts, tagsFromSelection } from '../cards/review-cards';
import { durationMs } from '../domain/duration';
import { REVIEW_FORM } from '../domain/review-config';
import { normalizeText } from '../domain/text-normalize';
import { findPerson } from '../store/people';
import {
  activeCommentWindow, addScore, closeCommentWindow, closeReviewTask, getReview, latestScore, markScored, openCommentWindow, reviewTaskOf,
} from '../store/reviews';
import type { HandlerDeps } from './index';
import { reviewFacts, reviewServiceDeps, scoreView, type ReviewServiceDeps } from '../usecases/review-service';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const SKIP = /^(跳过|不用了?|算了|无|没有|不写了?|skip)$/i;

async function onScore(ctx: BotContext<TemplateCardEvent>, deps: ReviewServiceDeps): Promise<void> {
  const action = REVIEW_ACTION.parse(ctx.event.eventKey);
  if (!action) return;
  const { tx, now } = ctx;
  const me = ctx.event.userId;
  // The row lock serialises two clicks on the same review: versions are numbered one after the other.
  const review = await getReview(tx, action.reviewId, { forUpdate: true });
  if (!review) return ctx.say(reviewTexts.notFound);
  if (same(me, review.repId)) return ctx.say(reviewTexts.ownTask);
  const actor = await findPerson(tx, me);
  if (!same(me, review.reviewerId) && !actor?.roles.includes('admin')) return ctx.say(reviewTexts.notReviewer);

  const optionIds = ctx.event.selectedItems.find((s) => s.questionKey === REVIEW_TAG_QUESTION)?.optionIds ?? [];
  const tags = tagsFromSelection(optionIds, deps.settings.tags);
  const previous = await latestScore(tx, review.id);
  const row = await addScore(tx, { reviewId: review.id, score: action.score, tags, comment: null, reviewerId: me }, now);
  if (!review.firstScoredAt) {
    await markScored(tx, review.id, now);
    const task = await reviewTaskOf(tx, review.id, review.reviewerId);
    if (task) await closeReviewTask(tx, task.id, me, { form: REVIEW_FORM, reviewId: review.id, scoreVersion: row.version, score: action.score }, now);
  }
  const windowMs = durationMs(deps.settings.commentWindow);
  const commentOpen = await openCommentWindow(tx, me, { reviewId: review.id, version: row.version }, now, new Date(now.getTime() + windowMs));
  const facts = await reviewFacts(tx, deps, review);
  await ctx.updateCard({ template_card: reviewCard(facts, ctx.event.taskId, await scoreView(tx, row)) });
  const minutes = commentOpen ? Math.max(1, Math.round(windowMs / 60_000)) : null;
  await ctx.say(previous ? reviewTexts.rescored(action.score, row.version, minutes) : reviewTexts.scored(action.score, tags, minutes));
}

async function onText(ctx: BotContext, next: () => Promise<void>): Promise<void> {
  if (ctx.event.kind !== 'message.text') return next();
  const state = await activeCommentWindow(ctx.tx, ctx.event.userId, ctx.now);
  if (!state) return next();
  // Stored as typed (only trimmed): the comment is the reviewer's words, not a command.
  const text = ctx.event.text.trim();
  await closeCommentWindow(ctx.tx, ctx.event.userId);
  if (!text) return next();
  if (SKIP.test(normalizeText(text).replace(/[。.!！]+$/, '').trim())) return ctx.say(reviewTexts.commentSkipped);
  const review = await getReview(ctx.tx, state.reviewId, { forUpdate: true });
  const last = review ? await latestScore(ctx.tx, review.id) : null;
  if (!review || !last) return next();
  const row = await addScore(ctx.tx, { reviewId: review.id, score: last.score, tags: last.tags, comment: text.slice(0, 1000), reviewerId: ctx.event.userId }, ctx.now);
  await ctx.say(reviewTexts.comment(row.version));
}

/** Registered first: a reviewer's text right after a score is the comment, before any command parsing. */
export function registerReviews(router: Router, deps: HandlerDeps): void {
  const service = reviewServiceDeps({ process: deps.process, tasks: deps.tasks, config: deps.config });
  router.on('message.text', (ctx, next) => onText(ctx, next));
  router.action(REVIEW_ACTION.pattern, (ctx) => onScore(ctx, service));
}
