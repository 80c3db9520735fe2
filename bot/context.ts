/**
 * The handler context: one object per event, built by the inbox worker inside the transaction that marks the
 * inbox row done. Everything a handler sends goes to the outbox in that same transaction, so a crash either
 * keeps both the state change and its messages, or neither. Events and messages are channel-neutral
 * (bot/channel.ts): the same handler serves WeCom and DingTalk.
 */
import type { Logger } from 'pino';
import type { Tx } from '../store/db';
import type { NewOutboxMessage } from '../store/outbox';
import type { CardModel, CardUpdate, ChatEvent, OutMessage } from './channel';

/** The sender, resolved from the platform's user id to a person in our org (null when unknown to us). */
export interface Actor {
  userId: string;
  person: { userId: string; name: string; officeId: string | null; roles: string[]; supervisorId: string | null } | null;
}

export interface BotContext<E extends ChatEvent = ChatEvent> {
  event: E;
  actor: Actor;
  /** The transaction every handler write must use (never the bare database: PGlite would deadlock). */
  tx: Tx;
  /** The one clock's time when handling started. */
  now: Date;
  log: Logger;
  inboxId: number;
  /** What the router's `prepare` hook for this event kind fetched before the transaction (or undefined). */
  prepared: unknown;
  /** Text reply to the sender. */
  say(text: string): Promise<void>;
  /** Any message to the sender, or to the given user ids. */
  send(message: OutMessage, to?: string[]): Promise<void>;
  sendCard(card: CardModel, to?: string[]): Promise<void>;
  /** Updates the clicked card in place (card actions only). */
  updateCard(update: CardUpdate): Promise<void>;
  /** Outbox rows written by this context (for tests and logging). */
  readonly outboxCount: number;
}

export interface ContextDeps {
  event: ChatEvent;
  actor: Actor;
  tx: Tx;
  now: Date;
  log: Logger;
  inboxId: number;
  prepared?: unknown;
  enqueue(tx: Tx, messages: NewOutboxMessage[], now: Date): Promise<unknown>;
  /** Writes messages to the outbox in this event's transaction (usecases/emit.ts, the one emit helper). */
  emit(to: readonly string[], message: OutMessage, cause: string): Promise<void>;
}

export function createContext(deps: ContextDeps): BotContext {
  const { event, tx, now } = deps;
  let count = 0;
  const cause = `inbox:${deps.inboxId}`;

  async function send(message: OutMessage, to?: string[]) {
    const recipients = [...new Set(to ?? [event.userId])].filter(Boolean);
    await deps.emit(recipients, message, cause);
    count += recipients.length;
  }

  return {
    event, actor: deps.actor, tx, now, log: deps.log, inboxId: deps.inboxId, prepared: deps.prepared,
    get outboxCount() {
      return count;
    },
    say: (text) => send({ type: 'text', text }),
    send,
    sendCard: (card, to) => send({ type: 'card', card }, to),
    async updateCard(update) {
      if (event.kind !== 'card.action') throw new Error('updateCard is only available for card actions');
      const summary = update.type === 'replace' ? update.card.title : update.label;
      await deps.enqueue(tx, [{
        channel: event.card.channel, recipient: event.userId, kind: 'card_update', messageType: update.type, body: update, summary, cause,
        cardId: event.card.id, cardToken: event.card.token,
      }], now);
      count += 1;
    },
  };
}
