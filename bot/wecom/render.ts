/**
 * The WeCom renderer: channel-neutral messages (bot/channel.ts) → WeCom's message/send bodies, and card updates →
 * update_template_card bodies (the click's response_code goes with the update, delivery adds it). A card model
 * with buttons becomes a `button_interaction` template_card (a select becomes `button_selection`), one without
 * becomes a `text_notice`. Texts are cut to WeCom's limits here, so card builders need not know them.
 * 详情请参阅 https://developer.work.weixin.qq.com/document/path/90236 (template_card), 94888 (update_template_card)
 */
import type { ButtonStyle, CardModel, CardTone, CardUpdate as NeutralCardUpdate, OutMessage } from '../channel';
import type { CardUpdate, OutboundMessage, TemplateCard } from './outbound';
import { MAX_CONTENT_BYTES } from './api/validate';

/** WeCom button styles: 1 blue, 2 red, 4 grey (3 is unused by us). */
const STYLE: Record<ButtonStyle, number> = { primary: 1, danger: 2, default: 4 };
/** WeCom's source colours: 0 grey, 1 black, 2 red, 3 green. */
const TONE: Record<CardTone, number> = { neutral: 0, info: 1, alert: 2, success: 3 };
const cut = (s: string, n: number) => ([...s].length > n ? [...s].slice(0, n).join('') : s);

/** An app message's text or markdown content: at most 2048 bytes (WeCom refuses a longer one with 45002). */
export const MAX_TEXT_BYTES = MAX_CONTENT_BYTES;

/**
 * `text` within `max` UTF-8 bytes: whole when it fits, else cut after the last whole line that fits (a character
 * boundary when one line alone is too long) with "…" after it — the message arrives shortened rather than not at all.
 * The texts we build stay under the limit themselves (lists say how many they left out); this is the net below them.
 */
export function fitBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const room = max - Buffer.byteLength('\n…');
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > room) break;
    out += ch;
    bytes += n;
  }
  const lastLine = out.lastIndexOf('\n');
  return `${lastLine > out.length / 2 ? out.slice(0, lastLine) : out}\n…`;
}

export function renderCard(card: CardModel): TemplateCard {
  // The select's submit button goes last, unless the builder placed it among the buttons itself.
  const submit = card.select && !card.buttons.some((b) => b.key === card.select!.submit.key) ? [card.select.submit] : [];
  const buttons = [...card.buttons, ...submit].slice(0, 6);
  const body: TemplateCard = {
    card_type: buttons.length ? 'button_interaction' : 'text_notice',
    task_id: card.id,
    ...(card.source ? { source: { desc: cut(card.source, 13), desc_color: TONE[card.tone ?? 'neutral'] } } : {}),
    main_title: { title: cut(card.title, 26), ...(card.subtitle ? { desc: cut(card.subtitle, 40) } : {}) },
    ...(card.emphasis ? { emphasis_content: { title: cut(card.emphasis.value, 20), ...(card.emphasis.label ? { desc: cut(card.emphasis.label, 30) } : {}) } } : {}),
    ...(card.quote ? { quote_area: { type: 0, ...(card.quote.title ? { title: cut(card.quote.title, 40) } : {}), quote_text: cut(card.quote.text, 300) } } : {}),
    ...(card.fields.length ? {
      horizontal_content_list: card.fields.slice(0, 6).map((f) => ({
        keyname: cut(f.label, 10), value: cut(f.value, 40), ...(f.url ? { type: 1, url: f.url } : {}),
      })),
    } : {}),
    ...(card.note ? { sub_title_text: cut(card.note, 112) } : {}),
    ...(card.url ? { card_action: { type: 1, url: card.url } } : {}),
  };
  if (card.select) {
    body.button_selection = {
      question_key: card.select.key, title: cut(card.select.label, 12),
      option_list: card.select.options.slice(0, 10).map((o) => ({ id: o.id, text: cut(o.label, 16) })),
      ...(card.select.defaultId ? { selected_id: card.select.defaultId } : {}),
    };
  }
  if (buttons.length) body.button_list = buttons.map((b) => ({ text: cut(b.label, 12), style: STYLE[b.style ?? 'primary'], key: b.key }));
  else if (!card.url) body.card_action = { type: 1, url: 'https://work.weixin.qq.com/' }; // text_notice requires an action
  return body;
}

/** A neutral message as WeCom's message/send body (without touser/agentid). Files and images need a media id first. */
export function renderMessage(message: OutMessage, mediaId?: (ref: { path: string; name: string }) => string): OutboundMessage {
  switch (message.type) {
    case 'text': return { msgtype: 'text', text: { content: fitBytes(message.text, MAX_TEXT_BYTES) } };
    case 'markdown': return { msgtype: 'markdown', markdown: { content: fitBytes(message.text, MAX_TEXT_BYTES) } };
    case 'link': return { msgtype: 'textcard', textcard: { title: message.title, description: message.description, url: message.url, ...(message.buttonText ? { btntxt: message.buttonText } : {}) } };
    case 'card': return { msgtype: 'template_card', template_card: renderCard(message.card) };
    case 'file':
    case 'image': {
      if (!mediaId) throw new Error(`a ${message.type} needs its media uploaded before it is rendered`);
      const id = mediaId(message.media);
      return message.type === 'file' ? { msgtype: 'file', file: { media_id: id } } : { msgtype: 'image', image: { media_id: id } };
    }
  }
}

/** A neutral card update as WeCom's update body: the whole card again, or its buttons greyed out with one label. */
export function renderCardUpdate(update: NeutralCardUpdate): CardUpdate {
  return update.type === 'replace' ? { template_card: renderCard(update.card) } : { button: { replace_name: cut(update.label, 20) } };
}
