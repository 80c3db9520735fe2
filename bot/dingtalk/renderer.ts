/**
 * Neutral messages and the card model → DingTalk payloads (dingtalk-api.md §6, §7).
 * - With a card template id: the card model becomes the template's variables (all strings, see
 *   bot/dingtalk/templates/README.md); buttons call back with params {action, v} where v is the render nonce.
 * - Without one (fallback): an ActionCard (1–5 buttons) or markdown (more buttons, a select) whose buttons are
 *   `dtmd://dingtalkclient/sendMessage` links: a click makes the member's client send a short text ending in a
 *   tag ⟦cardId|key|nonce⟧ to the robot, which events.ts turns back into a card action. Not documented by
 *   DingTalk (community practice, §6); a member typing the tag gets exactly what the click would (the use case
 *   checks permissions either way).
 */
import { createHash } from 'node:crypto';
import { dingtalkTexts } from '../../cards/dingtalk-texts';
import type { CardModel, OutMessage } from '../channel';

export interface RobotPayload { msgKey: string; msgParam: Record<string, string> }

/** A short, stable hash of what the card shows: the same card renders the same nonce on every retry. */
export function cardNonce(card: CardModel): string {
  const { id: _id, ...shown } = card;
  return createHash('sha1').update(JSON.stringify(shown)).digest('hex').slice(0, 8);
}

export const MAX_TEMPLATE_BUTTONS = 4;

/** The template's variables (cardParamMap). `status` non-empty = buttons greyed out with that label. */
export function templateParams(model: CardModel, status = ''): Record<string, string> {
  const v = cardNonce(model);
  const card = flat(model);
  const p: Record<string, string> = {
    lastMessage: card.title.slice(0, 60), source: card.source ?? '', title: card.title, subtitle: card.subtitle ?? '',
    fields: JSON.stringify(card.fields.map((f) => ({ label: f.label, value: f.value }))),
    fields_md: card.fields.map((f) => `**${f.label}**：${f.value}`).join('\n'),
    note: card.note ?? '', url: card.url ?? '', nonce: v, status,
    has_buttons: String(!status && card.buttons.length > 0),
  };
  for (let i = 0; i < MAX_TEMPLATE_BUTTONS; i++) {
    const b = card.buttons[i];
    const n = i + 1;
    p[`btn${n}_show`] = String(!!b && !status);
    p[`btn${n}_text`] = b?.label ?? '';
    p[`btn${n}_action`] = b?.key ?? '';
    p[`btn${n}_style`] = b?.style ?? 'default';
  }
  const s = card.select;
  p.has_select = String(!!s && !status);
  p.select_key = s?.key ?? '';
  p.select_label = s?.label ?? '';
  p.select_options = JSON.stringify((s?.options ?? []).map((o) => ({ value: o.id, text: o.label })));
  p.select_default = s?.defaultId ?? '';
  p.select_submit_text = s?.submit.label ?? '';
  p.select_submit_action = s?.submit.key ?? '';
  return p;
}

// --- fallback cards -------------------------------------------------------------------------------------------

const TAG = /\s*⟦([A-Za-z0-9_-]{1,64})\|([^|⟧]{1,200})\|([0-9a-f]{8})(?:\|([^=|⟧]{1,64})=([^|⟧]{1,128}))?⟧\s*$/;

export function fallbackTag(cardId: string, key: string, nonce: string, select?: { key: string; value: string }): string {
  return `⟦${cardId}|${key}|${nonce}${select ? `|${select.key}=${select.value}` : ''}⟧`;
}

/** The text a fallback button makes the client send, parsed back; null for ordinary text. */
export function parseFallbackAction(text: string): { cardId: string; key: string; nonce: string; values: Record<string, string[]> } | null {
  const m = TAG.exec(text);
  if (!m) return null;
  return { cardId: m[1]!, key: m[2]!, nonce: m[3]!, values: m[4] ? { [m[4]]: [m[5]!] } : {} };
}

const sendLink = (text: string) => `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(text)}`;

/**
 * The card model as DingTalk's cards show it: the emphasised figure becomes the first field, the quote joins the
 * note.
 */
function flat(card: CardModel): CardModel {
  const fields = [...(card.emphasis ? [{ label: card.emphasis.label ?? '', value: card.emphasis.value }] : []), ...card.fields];
  const note = [card.quote ? `${card.quote.title ? `${card.quote.title}：` : ''}${card.quote.text}` : '', card.note ?? ''].filter(Boolean).join('\n') || undefined;
  return { ...card, fields, ...(note ? { note } : {}) };
}

function cardMarkdown(model: CardModel, status?: string): string {
  const card = flat(model);
  const lines = [card.source ? `<font color=#999999>${card.source}</font>` : '', `### ${card.title}`, card.subtitle ?? ''];
  for (const f of card.fields) lines.push(`- **${f.label}**：${f.value}`);
  if (card.note) lines.push('', `> ${card.note}`);
  if (status) lines.push('', `**${status}**`);
  return lines.filter((l, i) => l !== '' || i > 2).join('\n');
}

/** A fallback card: ActionCard with 1–5 link buttons, else markdown with inline links. */
export function fallbackCard(model: CardModel, status?: string): RobotPayload {
  const nonce = cardNonce(model);
  const text = cardMarkdown(model, status);
  const card = flat(model);
  const title = card.title.slice(0, 60);
  if (status || (!card.buttons.length && !card.select)) {
    if (card.url && !status) return { msgKey: 'sampleActionCard', msgParam: { title, text, singleTitle: dingtalkTexts.open, singleURL: card.url } };
    return { msgKey: 'sampleMarkdown', msgParam: { title, text } };
  }
  const buttons = card.buttons.map((b) => ({ title: b.label, url: sendLink(`${b.label} ${fallbackTag(card.id, b.key, nonce)}`) }));
  if (!card.select && buttons.length === 1) {
    return { msgKey: 'sampleActionCard', msgParam: { title, text, singleTitle: buttons[0]!.title, singleURL: buttons[0]!.url } };
  }
  if (!card.select && buttons.length <= 5) {
    const p: Record<string, string> = { title, text };
    buttons.forEach((b, i) => {
      p[`actionTitle${i + 1}`] = b.title;
      p[`actionURL${i + 1}`] = b.url;
    });
    return { msgKey: `sampleActionCard${buttons.length}`, msgParam: p };
  }
  const links = buttons.map((b) => `[${b.title}](${b.url})`);
  if (card.select) {
    const s = card.select;
    links.unshift(dingtalkTexts.choose(s.label), ...s.options.map((o) =>
      `- [${o.label}](${sendLink(`${o.label} ${fallbackTag(card.id, s.submit.key, nonce, { key: s.key, value: o.id })}`)})`), '');
  }
  return { msgKey: 'sampleMarkdown', msgParam: { title, text: `${text}\n\n${links.join('\n')}` } };
}

/** Robot payload for everything but media (the channel uploads media first) and template cards. */
export function robotPayload(m: Exclude<OutMessage, { type: 'file' } | { type: 'image' }>): RobotPayload {
  switch (m.type) {
    case 'text':
      return { msgKey: 'sampleText', msgParam: { content: m.text } };
    case 'markdown':
      return { msgKey: 'sampleMarkdown', msgParam: { title: m.title, text: m.text } };
    case 'link':
      return { msgKey: 'sampleLink', msgParam: { title: m.title, text: m.description, messageUrl: m.url, picUrl: '' } };
    case 'card':
      return fallbackCard(m.card);
  }
}

/** The same message as a work notification (工作通知) body; cards cannot be clicked there. */
export function workNoticeMsg(m: OutMessage): Record<string, unknown> | null {
  switch (m.type) {
    case 'text':
      return { msgtype: 'text', text: { content: m.text } };
    case 'markdown':
      return { msgtype: 'markdown', markdown: { title: m.title, text: m.text } };
    case 'link':
      return { msgtype: 'link', link: { title: m.title, text: m.description, messageUrl: m.url, picUrl: '' } };
    case 'card':
      return { msgtype: 'markdown', markdown: { title: m.card.title.slice(0, 60), text: `${cardMarkdown(m.card)}\n\n${dingtalkTexts.actInRobotChat}` } };
    default:
      return null; // media: robot only
  }
}

/** The first line of a message, for logs and digests. */
export function summaryOf(m: OutMessage): string {
  const s = m.type === 'text' ? m.text : m.type === 'card' ? m.card.title : m.type === 'file' || m.type === 'image' ? m.media.name : m.title;
  return s.split('\n')[0]!.slice(0, 60);
}
