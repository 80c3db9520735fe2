/**
 * Recurring schedules in business time (Asia/Shanghai, UTC+8, no daylight saving): "every day at 09:00",
 * "every Monday at 09:00". Pure: `after` is passed in.
 */
const OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

export interface Recurrence {
  /** 1 = Monday … 7 = Sunday; absent = every day. */
  weekday?: number;
  /** `HH:mm` in Asia/Shanghai. */
  time: string;
}

export function parseTime(time: string): { h: number; m: number } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`invalid time "${time}", expected HH:mm`);
  return { h: Number(m[1]), m: Number(m[2]) };
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(r: Recurrence, after: Date): Date {
  const { h, m } = parseTime(r.time);
  const local = after.getTime() + OFFSET_MS;
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  for (let d = 0; d <= 8; d++) {
    const candidateLocal = dayStart + d * DAY_MS + (h * 60 + m) * 60_000;
    const weekday = ((new Date(candidateLocal).getUTCDay() + 6) % 7) + 1;
    if (r.weekday && weekday !== r.weekday) continue;
    const at = candidateLocal - OFFSET_MS;
    if (at > after.getTime()) return new Date(at);
  }
  throw new Error('unreachable: no occurrence within 8 days');
}

/** The business day (YYYY-MM-DD in Asia/Shanghai) of an instant. */
export function businessDay(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** Whole calendar days between two instants' business days (b − a). */
export function calendarDaysBetween(a: Date, b: Date): number {
  const da = Date.parse(`${businessDay(a)}T00:00:00Z`);
  const db = Date.parse(`${businessDay(b)}T00:00:00Z`);
  return Math.round((db - da) / DAY_MS);
}
