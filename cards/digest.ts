import { texts } from './texts';

/** WeCom truncates app text beyond 2048 bytes; stay under with room for the footer. */
const MAX_BYTES = 1900;

/** Merges several pending notifications to one member into one text message (over WeCom's per-member limit). */
export function buildDigest(summaries: string[]): { msgtype: 'text'; body: { msgtype: 'text'; text: { content: string } }; summary: string } {
  const title = texts.digest.title(summaries.length);
  const lines: string[] = [title, texts.digest.intro];
  let bytes = Buffer.byteLength(lines.join('\n'));
  let shown = 0;
  for (const s of summaries) {
    const line = `${shown + 1}. ${s}`;
    const add = Buffer.byteLength(line) + 1;
    if (bytes + add > MAX_BYTES) break;
    lines.push(line);
    bytes += add;
    shown++;
  }
  if (shown < summaries.length) lines.push(texts.digest.more(summaries.length - shown));
  const content = lines.join('\n');
  return { msgtype: 'text', body: { msgtype: 'text', text: { content } }, summary: title };
}
