/**
 * The one way an action's messages leave: rows in the outbox, written in the caller's transaction (so a crash
 * keeps both the state change and its messages, or neither). Chat replies (bot/context.ts), use cases, the timer
 * worker and the cron jobs all build their rows here.
 */
import { cardMessage, outboxFields, textMessage, type OutboundMessage } from '../bot/wecom/outbound';
import type { DbOrTx } from '../store/db';
import type { NewOutboxMessage } from '../store/outbox';

/** Sends one message to each of `to` (duplicates and empty ids dropped). */
export type Emit = (to: readonly string[], message: OutboundMessage) => Promise<void>;

/** Where rows go: the outbox repository's enqueue (store/outbox.ts). */
export type Enqueue = (on: DbOrTx, messages: NewOutboxMessage[], now: Date) => Promise<unknown>;

/** The outbox rows for one message to several people. */
export function outboxRows(to: readonly string[], message: OutboundMessage, cause: string): NewOutboxMessage[] {
  const fields = outboxFields(message);
  return [...new Set(to)].filter(Boolean).map((recipient) => ({ recipient, kind: 'message' as const, body: message, cause, ...fields }));
}

/** An Emit bound to one transaction, instant and cause. `count()` tells how many rows it wrote. */
export function emitter(on: DbOrTx, enqueue: Enqueue, now: Date, cause: string): Emit & { count(): number } {
  let n = 0;
  const emit = async (to: readonly string[], message: OutboundMessage) => {
    const rows = outboxRows(to, message, cause);
    if (!rows.length) return;
    await enqueue(on, rows, now);
    n += rows.length;
  };
  return Object.assign(emit, { count: () => n });
}

/** A text message (the most common kind), and a card message. */
export const text = textMessage;
export const card = cardMessage;
