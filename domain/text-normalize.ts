/**
 * Lenient text normalisation for what reps type on a phone: full-width letters, digits, spaces
 * and punctuation become half-width (NFKC), runs of whitespace collapse, and trailing sentence
 * punctuation goes. Used by the command parser, stage lookup and customer matching alike.
 */

const ARROWS = /\s*(?:→|⇒|➡|➔|⟶|—>|–>|-+>|=+>)\s*/g;
const TRAILING = /[\s。.!！~～…]+$/u;
const CN_DIGITS: Record<string, string> = { 一: '1', 二: '2', 两: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9', 十: '10' };

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks): U+202E turns `gpj.exe` into what looks like
 * `exe.jpg`. Never meaningful in names or chat commands, so they are removed wherever text enters.
 */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
export function stripBidi(text: string): string {
  return text.replace(BIDI, '');
}

/** Longest customer name (characters): fits a card title with its 6-character prefix (WeCom suggests ≤ 36). */
export const MAX_NAME_CHARS = 30;
/** Longest industry (characters), shown as a card field. */
export const MAX_INDUSTRY_CHARS = 20;

/** Cuts text to `max` characters (code points), ending with … when cut; bidirectional controls removed. */
export function clip(text: string, max: number): string {
  const chars = [...stripBidi(text)];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** NFKC, unify arrows to ` → `, collapse whitespace, trim, drop trailing 。/./!. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\u200b|\u200c|\u200d|\ufeff/g, '')
    .replace(BIDI, '')
    .replace(ARROWS, ' → ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(TRAILING, '');
}

/** Key for equality and substring comparisons: normalised, lower-case, without spaces. */
export function compactKey(text: string): string {
  return normalizeText(text).toLowerCase().replace(/[\s_\-·・]/g, '');
}

/** `5`, `５`, `五`, `第5`, `第五阶段` → 5; anything else → null. */
export function parseOrdinal(text: string): number | null {
  const t = normalizeText(text).replace(/^第\s*/, '').replace(/\s*(?:阶段|步|级)$/, '');
  if (/^\d{1,3}$/.test(t)) return Number(t);
  const cn = CN_DIGITS[t];
  return cn ? Number(cn) : null;
}
