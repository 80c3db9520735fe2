/**
 * The coaching note to a reviewed rep (issue 14: R7's point is coaching, not blame). One message per review round:
 * written when the reviewer scores, held back until the comment window closes (`notBefore`), and rewritten in
 * place while it is still pending — a comment, a re-score or 跳过 — so the rep gets the score and the comment
 * together, once. A change after it went out is a new message.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { outbox } from './schema';

export const coachingCause = (reviewId: number) => `coaching:review:${reviewId}`;

/** Writes or rewrites the pending coaching note of a review; `sendAt` is when it may go out. */
export interface StoredMessage { messageType: string; body: unknown; summary: string }

export async function upsertCoachingNote(on: DbOrTx, input: { reviewId: number; repId: string; message: StoredMessage; sendAt: Date; channel?: string }, now: Date): Promise<void> {
  const cause = coachingCause(input.reviewId);
  const updated = await on.update(outbox).set({
    body: input.message.body, summary: input.message.summary, messageType: input.message.messageType, nextAttemptAt: input.sendAt,
  }).where(and(eq(outbox.cause, cause), eq(outbox.recipient, input.repId), eq(outbox.status, 'pending'), eq(outbox.attempts, 0)))
    .returning({ id: outbox.id });
  if (updated.length) return;
  await on.insert(outbox).values({
    channel: input.channel ?? 'wecom', recipient: input.repId, kind: 'message', messageType: input.message.messageType, body: input.message.body, summary: input.message.summary,
    status: 'pending', nextAttemptAt: input.sendAt, createdAt: now, cause,
  });
}

/** Releases a pending coaching note at once (the reviewer commented or said 跳过). */
export async function releaseCoachingNote(on: DbOrTx, reviewId: number, now: Date): Promise<void> {
  await on.update(outbox).set({ nextAttemptAt: now })
    .where(and(eq(outbox.cause, coachingCause(reviewId)), eq(outbox.status, 'pending'), sql`${outbox.nextAttemptAt} > ${now}`));
}
