/**
 * Durations as a sales manager writes them in configuration: `72h`, `30m`, `2d`, `90s`, `1h30m`.
 * Units: d (day = 24 h, not a calendar day), h, m, s.
 */

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?[dhms])+$/;
const PART = /(\d+(?:\.\d+)?)([dhms])/g;

/** Milliseconds of a duration text, or null when it is not one. */
export function parseDuration(text: string): number | null {
  const compact = text.trim().toLowerCase().replace(/\s+/g, '');
  if (!WHOLE.test(compact)) return null;
  let ms = 0;
  for (const [, amount, unit] of compact.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
  return Math.round(ms);
}

/** Like parseDuration, for texts already validated at load time. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`Invalid duration "${text}" (expected e.g. 72h, 30m, 2d)`);
  return ms;
}
