/**
 * Scoring sampled tasks in chat (R7): a tap on 1–5 on the scoring card (with the quick tag chosen on the same card)
 * is the use case usecases/reviews.ts scoreReview; the card is updated in place to show the score. The reviewer's
 * next text is the comment (commentOnReview).
 */
import type { BotContext } from '../bot/context';
import type { CardActionEvent, TextEvent } from '../bot/channel';
import type { Router } from '../bot/router';
import { REVIEW_ACTION, REVIEW_TAG_QUESTION, reviewCard, reviewTexts } from '../cards/review-cards';
import { normalizeText } from '../domain/text-normalize';
import { reviewFacts, scoreView, type ReviewServiceDeps } from '../usecases/review-service';
import { commentOnReview, endCommentWindow, scoreReview } from '../usecases/reviews';
import { actorOf, callFrom } from './call';
import type { HandlerDeps } from './index';

const SKIP = /^(跳过|不用了?|算了|无|没有|不写了?|取消|skip)$/i;

async function onScore(ctx: BotContext<CardActionEvent>, deps: ReviewServiceDeps): Promise<void> {
  const action = REVIEW_ACTION.parse(ctx.event.key);
  if (!action) return;
  const tagOptionIds = ctx.event.values[REVIEW_TAG_QUESTION] ?? [];
  const r = await scoreReview(callFrom(ctx, 'card'), deps, { actor: actorOf(ctx), reviewId: action.reviewId, score: action.score, tagOptionIds });
  if (r.kind === 'not_found') return ctx.say(reviewTexts.notFound);
  if (r.kind === 'own_task') return ctx.say(reviewTexts.ownTask);
  if (r.kind === 'not_reviewer') return ctx.say(reviewTexts.notReviewer);
  const facts = await reviewFacts(ctx.tx, deps, r.review);
  await ctx.updateCard({ type: 'replace', card: reviewCard(facts, ctx.event.card.id, await scoreView(ctx.tx, r.row)) });
  await ctx.say(r.rescored ? reviewTexts.rescored(action.score, r.row.version, r.commentMinutes) : reviewTexts.scored(action.score, r.tags, r.commentMinutes));
}

async function onText(ctx: BotContext<TextEvent>, next: () => Promise<void>, deps: ReviewServiceDeps): Promise<void> {
  // Stored as typed (only trimmed): the comment is the reviewer's words, not a command.
  const text = ctx.event.text.trim();
  const skip = SKIP.test(normalizeText(text).replace(/[。.!！]+$/, '').trim());
  const r = await commentOnReview(callFrom(ctx), deps, { actor: actorOf(ctx), text, skip });
  if (r.kind === 'no_window') return next();
  if (r.kind === 'skipped') return ctx.say(reviewTexts.commentSkipped);
  await ctx.say(reviewTexts.comment);
}

/** Registered first: a reviewer's text right after a score is the comment, unless it is a one-word command (router). */
export function registerReviews(router: Router, deps: HandlerDeps): void {
  router.conversation((ctx, next) => onText(ctx, next, deps.reviews), {
    // A command during the window (待评分…): the reviewer moved on; the window ends and the rep hears the score now.
    onInterrupt: async (ctx) => void (await endCommentWindow(callFrom(ctx), { actor: actorOf(ctx) })),
  });
  router.action(REVIEW_ACTION.pattern, (ctx) => onScore(ctx, deps.reviews));
}
