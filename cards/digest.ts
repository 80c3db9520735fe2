import type { OutMessage } from '../domain/messages';
import { texts } from './texts';

/** WeCom refuses app text over 2048 bytes (the smallest limit of our channels); stay under with room for the footer. */
const MAX_BYTES = 1900;
/** One item's line is whole, up to this many characters; a longer first line is shortened at a sentence end. */
const MAX_ITEM_CHARS = 120;


/** Shortens at the last sentence end (。！？；) that fits, never mid-sentence; a single overlong sentence is kept whole. */
function wholeSentences(line: string): string {
  if ([...line].length <= MAX_ITEM_CHARS) return line;
  const head = [...line].slice(0, MAX_ITEM_CHARS).join('');
  const end = Math.max(head.lastIndexOf('。'), head.lastIndexOf('！'), head.lastIndexOf('？'), head.lastIndexOf('；'));
  return end > 0 ? head.slice(0, end + 1) : line;
}

/**
 * One digest item, as one whole line: the message's first line in full (a card: its title and description), not
 * the 60-character summary that used to cut items mid-sentence.
 */
export function digestLine(row: { body: unknown; summary: string }): string {
  const b = (row.body ?? {}) as Partial<OutMessage>;
  const first = (s: string | undefined) => (s ?? '').replace(/[#*>`]|<[^>]+>/g, '').split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  let line = '';
  if (b.type === 'text') line = first(b.text);
  else if (b.type === 'markdown') line = first(b.text);
  else if (b.type === 'link') line = [b.title, first(b.description)].filter(Boolean).join('：');
  else if (b.type === 'card' && b.card) line = [b.card.title, b.card.subtitle ?? b.card.note].filter(Boolean).join('：');
  return wholeSentences(line || row.summary);
}

/** Merges several pending notifications to one member into one text message (over the platform's per-member limit). */
export function buildDigest(items: string[]): { messageType: 'text'; body: OutMessage; summary: string } {
  const title = texts.digest.title(items.length);
  const lines: string[] = [title, texts.digest.intro];
  let bytes = Buffer.byteLength(lines.join('\n'));
  let shown = 0;
  for (const s of items) {
    const line = `${shown + 1}. ${s}`;
    const add = Buffer.byteLength(line) + 1;
    if (bytes + add > MAX_BYTES - 80) break; // whole items only; room kept for the "另有 N 条" line
    lines.push(line);
    bytes += add;
    shown++;
  }
  if (shown < items.length) lines.push(texts.digest.more(items.length - shown));
  const content = lines.join('\n');
  return { messageType: 'text', body: { type: 'text', text: content }, summary: title };
}
