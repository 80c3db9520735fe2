/**
 * Channel-neutral outbound messages and the card model (卡片模型): what handlers, use cases, cards and schedulers build,
 * and what each channel's renderer (bot/wecom/render.ts, bot/dingtalk/renderer.ts) turns into its platform's payload.
 * Types only; they live below the use cases so no use case imports a channel (bot/channel.ts re-exports them).
 */

/** A file the channel uploads (and caches) as platform media before sending: a path under the project or DATA_DIR. */
export interface MediaRef { path: string; name: string; contentType?: string }

export type ButtonStyle = 'primary' | 'default' | 'danger';

export type CardTone = 'neutral' | 'info' | 'alert' | 'success';

export interface CardField { label: string; value: string; url?: string }

export interface CardButton { label: string; key: string; style?: ButtonStyle }

export interface CardSelect {
  key: string;
  label: string;
  options: { id: string; label: string }[];
  /** The button that submits the choice (it may also stand among the card's buttons, where it then shows). */
  submit: CardButton;
  /** The option chosen before anyone picks (optional). */
  defaultId?: string;
}

/**
 * The card model (卡片模型): what every card the bot sends is made of. Renderers map it to WeCom's
 * template card (with buttons, or a plain notice when there are none; bot/wecom/render.ts) and to DingTalk's interactive
 * card / ActionCard. Keep titles short: renderers cut to the platform's limits.
 */
export interface CardModel {
  /** Stable id, unique per card sent (becomes the platform's card id): [A-Za-z0-9_-], ≤ 64 (a copy per person adds 13: usecases/emit.ts). */
  id: string;
  /** Small line above the title (source), e.g. 销售流程助手. */
  source?: string;
  /** How the source line reads: neutral (grey, the default), info, alert (red: warnings), success (green). */
  tone?: CardTone;
  title: string;
  subtitle?: string;
  /** One figure shown large (a deadline), with its label. */
  emphasis?: { value: string; label?: string };
  /** A quoted block (what was delivered, how to do a task). */
  quote?: { title?: string; text: string };
  /** Label/value lines; a field with `url` opens it (an attachment). */
  fields: CardField[];
  /** A line of explanation under the fields. */
  note?: string;
  buttons: CardButton[];
  select?: CardSelect;
  /** A link the whole card opens (optional). */
  url?: string;
}

export type OutMessage =
  | { type: 'text'; text: string }
  | { type: 'markdown'; title: string; text: string }
  | { type: 'link'; title: string; description: string; url: string; buttonText?: string }
  | { type: 'file'; media: MediaRef }
  | { type: 'image'; media: MediaRef }
  | { type: 'card'; card: CardModel };

/** A change to a card already sent: replace it whole, or grey out its buttons with one label. */
export type CardUpdate = { type: 'replace'; card: CardModel } | { type: 'disable'; label: string };
