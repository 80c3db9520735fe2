/**
 * What a WeCom member sees of a message the bot sent (the sandbox's fake WeCom records them in WeCom's shapes): one
 * readable line, the card keys that can still be pressed, the media id. The demo driver (app/demo-driver.ts) reads
 * the WeCom sandbox through these, so WeCom's wire names stay in this folder.
 */
export interface SeenMessage { msgtype: string; content: Record<string, unknown>; replaceName?: string }

type Obj = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** The keys of the buttons (and submit, menu items) the member can still press. */
export function keysOf(m: SeenMessage): string[] {
  if (m.msgtype !== 'template_card' || m.replaceName) return [];
  const c = m.content;
  const buttons = Array.isArray(c.button_list) ? (c.button_list as Obj[]).filter((b) => Number(b.type ?? 0) === 0).map((b) => str(b.key)) : [];
  const submit = c.submit_button && typeof c.submit_button === 'object' ? [str((c.submit_button as Obj).key)] : [];
  const menu = c.action_menu && typeof c.action_menu === 'object' && Array.isArray((c.action_menu as Obj).action_list)
    ? ((c.action_menu as Obj).action_list as Obj[]).map((a) => str(a.key)) : [];
  return [...buttons, ...submit, ...menu].filter(Boolean);
}

/** One readable line for a timeline. */
export function describeMessage(m: { msgtype: string; content: Obj; replaceName?: string }, fileName?: string): string {
  const c = m.content;
  switch (m.msgtype) {
    case 'text':
    case 'markdown':
      return str(c.content);
    case 'textcard':
      return `${str(c.title)} — ${str(c.description)}`;
    case 'file':
    case 'image':
      return `[${m.msgtype}] ${fileName ?? str(c.media_id)}`;
    case 'news':
      return Array.isArray(c.articles) ? (c.articles as Obj[]).map((a) => str(a.title)).join(' / ') : '[news]';
    case 'template_card': {
      const title = c.main_title && typeof c.main_title === 'object' ? c.main_title as Obj : {};
      const kv = Array.isArray(c.horizontal_content_list)
        ? (c.horizontal_content_list as Obj[]).map((h) => `${str(h.keyname)}:${str(h.value)}`).join('，') : '';
      const quote = c.quote_area && typeof c.quote_area === 'object' ? c.quote_area as Obj : {};
      return [`[${str(c.card_type)}] ${str(title.title)}`, str(title.desc), str(c.sub_title_text), str(quote.title), str(quote.quote_text), kv,
        m.replaceName ? `（${m.replaceName}）` : ''].filter(Boolean).join(' · ');
    }
    default:
      return `[${m.msgtype}]`;
  }
}

/** The media id a file or image message carries. */
export function mediaIdOf(m: SeenMessage): string | undefined {
  return typeof m.content.media_id === 'string' ? m.content.media_id : undefined;
}

/** A card (optionally of this card type). */
export function isCard(m: SeenMessage, cardType?: string): boolean {
  return m.msgtype === 'template_card' && (!cardType || m.content.card_type === cardType);
}
