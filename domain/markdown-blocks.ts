/**
 * A small Markdown reader for the SOP documents (config/sop/*.md), pure: headings, paragraphs, list items,
 * quotes, tables and rules — what the SOPs use — as blocks a renderer lays out (schedulers/sop-pdf.ts). Inline
 * emphasis markers are dropped (the PDF sets headings in bold instead).
 */
export type Block =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'item'; marker: string; text: string; depth: number }
  | { kind: 'quote'; text: string }
  | { kind: 'table'; rows: string[][] }
  | { kind: 'rule' };

const inline = (s: string) => s.replace(/\*\*(.+?)\*\*|__(.+?)__/g, '$1$2').replace(/`([^`]+)`/g, '$1').trim();
const cells = (line: string) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => inline(c));

export function markdownBlocks(text: string): Block[] {
  const out: Block[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  const push = (b: Block) => out.push(b);
  while (i < lines.length) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (!line) {
      i++;
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      push({ kind: 'heading', level: h[1]!.length, text: inline(h[2]!) });
      i++;
      continue;
    }
    if (/^(?:-{3,}|\*{3,}|_{3,})$/.test(line)) {
      push({ kind: 'rule' });
      i++;
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('|')) {
        const l = lines[i]!.trim();
        if (!/^\|?[\s:|-]+\|?$/.test(l)) rows.push(cells(l));
        i++;
      }
      push({ kind: 'table', rows });
      continue;
    }
    if (line.startsWith('>')) {
      const parts: string[] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('>')) {
        parts.push(lines[i]!.trim().replace(/^>\s?/, ''));
        i++;
      }
      push({ kind: 'quote', text: inline(parts.join('\n')) });
      continue;
    }
    const item = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(raw);
    if (item) {
      const parts = [item[3]!];
      i++;
      // Continuation lines: indented, not a new item or block.
      while (i < lines.length && /^\s{2,}\S/.test(lines[i]!) && !/^\s*([-*+]|\d+[.)])\s+/.test(lines[i]!)) {
        parts.push(lines[i]!.trim());
        i++;
      }
      const marker = /\d/.test(item[2]!) ? item[2]!.replace(')', '.') : '•';
      push({ kind: 'item', marker, text: inline(parts.join('\n')), depth: Math.min(3, Math.floor(item[1]!.length / 2)) });
      continue;
    }
    const parts: string[] = [];
    while (i < lines.length && lines[i]!.trim() && !/^(#{1,6}\s|>|\||([-*+]|\d+[.)])\s)/.test(lines[i]!.trim())) {
      parts.push(lines[i]!.trim());
      i++;
    }
    if (!parts.length) {
      parts.push(line);
      i++;
    }
    push({ kind: 'paragraph', text: inline(parts.join('')) });
  }
  return out;
}
