/**
 * The channel seam (渠道接口): what every chat platform (WeCom 企业微信, DingTalk 钉钉) gives the rest of the bot, and
 * what the rest of the bot gives it. Handlers, use cases, cards and the outbox speak only these neutral types;
 * each platform's wire format lives in its own folder under bot/ (bot/wecom/, bot/dingtalk/), whose receiver
 * turns platform callbacks into ChatEvents and whose renderer turns OutMessages into platform payloads.
 *
 * This file is the contract between channels: extend it with optional fields; never put a platform's wire name here.
 */
import type { CardUpdate, OutMessage } from '../domain/messages';

export type ChannelName = 'wecom' | 'dingtalk';

// ---------------------------------------------------------------------------------------------------------------
// Inbound: channel-neutral events
// ---------------------------------------------------------------------------------------------------------------

export interface ChatEventBase {
  channel: ChannelName;
  /** The platform's user id of the person the event is from (WeCom userid, DingTalk userId/staffId). */
  userId: string;
  /** When the platform says the event happened (seconds since the epoch). */
  createTime: number;
}

/** A text a person typed to the bot (one-to-one chat). */
export interface TextEvent extends ChatEventBase { kind: 'message.text'; msgId: string; text: string }

/**
 * A reference to a card already sent, enough for the channel to update it in place: the card's stable id
 * (CardModel.id) and, where the platform needs one, a single-use update token from the click (bot/wecom/).
 */
export interface CardRef { channel: ChannelName; id: string; token?: string }

/** A click on a card button, or a choice submitted from a card's select. */
export interface CardActionEvent extends ChatEventBase {
  kind: 'card.action';
  /** The button's or select's action key (cards/action-keys.ts). */
  key: string;
  /** Selected option ids per select key (always arrays, possibly empty). */
  values: Record<string, string[]>;
  card: CardRef;
}

/** The company directory changed (a member or department added, edited, removed). */
export interface ContactChangedEvent extends ChatEventBase {
  kind: 'contact.changed';
  change: 'create_user' | 'update_user' | 'delete_user' | 'create_party' | 'update_party' | 'delete_party' | 'other';
  subjectUserId?: string;
  newUserId?: string;
  departmentId?: string;
}

/** A member added, edited or removed an external contact (the customer's own WeChat / DingTalk account). */
export interface ExternalContactChangedEvent extends ChatEventBase {
  kind: 'external_contact.changed';
  change: 'add' | 'edit' | 'delete' | 'other';
  memberUserId: string;
  externalUserId: string;
  /** The platform's own change name, for logging. */
  rawChange?: string;
}

/** Anything else the platform sent (images, voice, menu clicks…), kept for logging and a polite answer. */
export interface OtherEvent extends ChatEventBase { kind: 'unknown'; type: string; msgId?: string; raw?: Record<string, unknown> }

export type ChatEvent = TextEvent | CardActionEvent | ContactChangedEvent | ExternalContactChangedEvent | OtherEvent;
export type ChatEventKind = ChatEvent['kind'];

// ---------------------------------------------------------------------------------------------------------------
// Outbound: channel-neutral messages and the card model (domain/messages.ts)
// ---------------------------------------------------------------------------------------------------------------

export type { MediaRef, ButtonStyle, CardTone, CardField, CardButton, CardSelect, CardModel, OutMessage, CardUpdate } from '../domain/messages';

// ---------------------------------------------------------------------------------------------------------------
// The channel
// ---------------------------------------------------------------------------------------------------------------

/** What a platform allows, declared by its channel; the outbox budget and digest read these, not constants. */
export interface ChannelLimits {
  /** Messages one member may receive from the app per minute / hour before the platform drops them. */
  perMemberPerMinute: number;
  perMemberPerHour: number;
  /** Recipients one send call accepts. */
  recipientsPerCall: number;
  /** True when the platform drops over-limit messages silently (no error): the outbox must never rely on errors. */
  silentDrops: boolean;
}

/** The outcome of one send, classified once by the channel. */
export type SendResult =
  | { ok: true; platformId?: string; /** A handle to update this card later (the platform's update token). */ cardToken?: string; /** Delivered, with a note (e.g. some recipients invalid). */ warning?: string }
  | { ok: false; retry: 'later' | 'never' | 'unknown'; code: string; message: string; retryAfterMs?: number };

export interface Channel {
  readonly name: ChannelName;
  readonly limits: ChannelLimits;
  /** Sends one message to one person. `idempotencyKey` is stable across retries of the same outbox row. */
  send(to: string, message: OutMessage, idempotencyKey: string): Promise<SendResult>;
  /** Updates a card in place (after a click: the click's ref; otherwise the card's id), as `to` sees it. */
  updateCard(ref: CardRef, update: CardUpdate, idempotencyKey: string, to?: string): Promise<SendResult>;
}
