/**
 * The one way an action's messages leave: rows in the outbox, written in the caller's transaction (so a crash
 * keeps both the state change and its messages, or neither). Chat replies (bot/context.ts), use cases, the timer
 * worker and the cron jobs all build their rows here. Messages are channel-neutral (bot/channel.ts); the row's
 * channel renders them at delivery.
 */
import { createHash } from 'node:crypto';
import type { CardModel, MediaRef, OutMessage } from '../domain/messages';
import type { DbOrTx } from '../store/db';
import type { NewOutboxMessage } from '../store/outbox';

export type { OutMessage } from '../domain/messages';

/** Sends one message to each of `to` (duplicates and empty ids dropped). */
export type Emit = (to: readonly string[], message: OutMessage) => Promise<void>;

/** Where rows go: the outbox repository's enqueue (store/outbox.ts). */
export type Enqueue = (on: DbOrTx, messages: NewOutboxMessage[], now: Date) => Promise<unknown>;

/** A one-line zh-CN summary of a message (logs, the ops API, the digest's fallback). */
export function summarize(m: OutMessage): string {
  switch (m.type) {
    case 'text': return firstLine(m.text);
    case 'markdown': return firstLine(m.title || m.text.replace(/[#*>`]|<[^>]+>/g, ''));
    case 'link': return m.title;
    case 'file': return `文件：${m.media.name}`;
    case 'image': return '图片';
    case 'card': return m.card.title;
  }
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** What the outbox records beside a message: its type, the card's id (for updates) and a one-line summary. */
export function outboxFields(m: OutMessage): { messageType: string; cardId: string | undefined; summary: string } {
  return { messageType: m.type, cardId: m.type === 'card' ? m.card.id : undefined, summary: summarize(m) };
}

/**
 * The outbox rows for one message to several people. A card sent to several people is a copy per person, each with
 * its own id: the platforms identify a card by it (WeCom's task_id is unique per app and a second send with it is
 * refused; DingTalk's outTrackId names one card instance), and a click updates the clicker's copy only.
 */
export function outboxRows(to: readonly string[], message: OutMessage, cause: string): NewOutboxMessage[] {
  const recipients = [...new Set(to)].filter(Boolean);
  return recipients.map((recipient) => {
    const body = message.type === 'card' && recipients.length > 1 ? { ...message, card: { ...message.card, id: copyId(message.card.id, recipient) } } : message;
    return { recipient, kind: 'message' as const, body, cause, ...outboxFields(body) };
  });
}

/** One person's copy of a card: the card's id and a short digest of the person ([A-Za-z0-9_-], ≤ 128 bytes). */
function copyId(cardId: string, recipient: string): string {
  return `${cardId.slice(0, 110)}-${createHash('sha256').update(recipient).digest('hex').slice(0, 12)}`;
}

/** An Emit bound to one transaction, instant and cause. `count()` tells how many rows it wrote. */
export function emitter(on: DbOrTx, enqueue: Enqueue, now: Date, cause: string): Emit & { count(): number } {
  let n = 0;
  const emit = async (to: readonly string[], message: OutMessage) => {
    const rows = outboxRows(to, message, cause);
    if (!rows.length) return;
    await enqueue(on, rows, now);
    n += rows.length;
  };
  return Object.assign(emit, { count: () => n });
}

/** Message builders: a text (the most common kind), markdown, a card, a file or an image. */
export const text = (content: string): OutMessage => ({ type: 'text', text: content });
export const markdown = (title: string, content: string): OutMessage => ({ type: 'markdown', title, text: content });
export const card = (model: CardModel): OutMessage => ({ type: 'card', card: model });
export const file = (media: MediaRef): OutMessage => ({ type: 'file', media });
export const image = (media: MediaRef): OutMessage => ({ type: 'image', media });
