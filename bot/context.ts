/**
 * The handler context: one object per event, built by the inbox worker inside the transaction that marks the
 * inbox row done. Everything a handler sends goes to the outbox in that same transaction, so a crash either
 * keeps both the state change and its messages, or neither.
 */
import type { Logger } from 'pino';
import type { Tx } from '../store/db';
import type { NewOutboxMessage } from '../store/outbox';
import type { WecomEvent } from './wecom/events';
import { summarize, type CardUpdate, type OutboundMessage, type TemplateCard } from './wecom/outbound';

/** The sender, resolved from WeCom userid to a person in our org (null when unknown to us). */
export interface Actor {
  userId: string;
  person: { userId: string; name: string; officeId: string | null; roles: string[]; supervisorId: string | null } | null;
}

export interface BotContext<E extends WecomEvent = WecomEvent> {
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
  /** Any message to the sender, or to the given userids. */
  send(message: OutboundMessage, to?: string[]): Promise<void>;
  sendCard(card: TemplateCard, to?: string[]): Promise<void>;
  /** Updates the clicked card in place (template_card_event only; uses the click's ResponseCode). */
  updateCard(update: CardUpdate): Promise<void>;
  /** Outbox rows written by this context (for tests and logging). */
  readonly outboxCount: number;
}

export interface ContextDeps {
  event: WecomEvent;
  actor: Actor;
  tx: Tx;
  now: Date;
  log: Logger;
  inboxId: number;
  prepared?: unknown;
  enqueue(tx: Tx, messages: NewOutboxMessage[], now: Date): Promise<unknown>;
  /** Writes messages to the outbox in this event's transaction (usecases/emit.ts, the one emit helper). */
  emit(to: readonly string[], message: OutboundMessage, cause: string): Promise<void>;
}

export function createContext(deps: ContextDeps): BotContext {
  const { event, tx, now } = deps;
  let count = 0;
  const cause = `inbox:${deps.inboxId}`;

  async function send(message: OutboundMessage, to?: string[]) {
    const recipients = [...new Set(to ?? [event.userId])].filter(Boolean);
    await deps.emit(recipients, message, cause);
    count += recipients.length;
  }

  return {
    event, actor: deps.actor, tx, now, log: deps.log, inboxId: deps.inboxId, prepared: deps.prepared,
    get outboxCount() {
      return count;
    },
    say: (text) => send({ msgtype: 'text', text: { content: text } }),
    send,
    sendCard: (card, to) => send({ msgtype: 'template_card', template_card: card }, to),
    async updateCard(update) {
      if (event.kind !== 'event.template_card_event' && event.kind !== 'event.template_card_menu_event') {
        throw new Error('updateCard is only available for card click events');
      }
      const summary = 'template_card' in update ? summarize({ msgtype: 'template_card', template_card: update.template_card }) : update.button.replace_name;
      await deps.enqueue(tx, [{
        recipient: event.userId, kind: 'card_update', msgtype: 'template_card', body: update, summary, cause,
        taskId: event.taskId, responseCode: event.responseCode,
      }], now);
      count += 1;
    },
  };
}
