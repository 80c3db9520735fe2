/**
 * Business time (营业时间的时区): the one place that turns instants into local days, hours and weeks and back.
 * Every business rule (daily 09:00 jobs, ISO-week reports, calendar-day stall counts, working hours, zh-CN times
 * in messages, dates typed by reps) goes through here, in one configured time zone (default Asia/Shanghai; set once
 * at start-up from the `TZ` / `BUSINESS_TZ` setting with `setBusinessZone`). Pure apart from that one setting: no
 * function reads the wall clock, `now` is always passed in. Every function also takes an explicit `tz`.
 *
 * Built on dayjs (utc, timezone, isoWeek). The zone offset of an instant is looked up through one cached
 * Intl formatter per zone, because dayjs' `.tz()` builds a new formatter per call (~0.2 ms) and the working-time
 * walk calls this in loops.
 */
import dayjs, { type Dayjs } from 'dayjs';
import isoWeekPlugin from 'dayjs/plugin/isoWeek';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);
dayjs.extend(isoWeekPlugin);

export const DEFAULT_BUSINESS_ZONE = 'Asia/Shanghai';
const DAY_MS = 86_400_000;

let zone = DEFAULT_BUSINESS_ZONE;

/** Whether `tz` is an IANA time zone this runtime knows (`Asia/Shanghai`, `Asia/Tokyo`, `UTC`). */
export function isValidZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.trim() !== '';
  } catch {
    return false;
  }
}

/** Sets the business time zone for every rule (called once at start-up, and by tests that prove another zone). */
export function setBusinessZone(tz: string): void {
  if (!isValidZone(tz)) throw new RangeError(`unknown time zone "${tz}"`);
  zone = tz;
}

/** The business time zone in force. */
export function businessZone(): string {
  return zone;
}

// ---- offsets ----

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Milliseconds the zone's wall clock is ahead of UTC at instant `t` (+8 h for Asia/Shanghai). */
export function zoneOffsetMs(t: number, tz = zone): number {
  const p: Record<string, number> = {};
  for (const x of formatter(tz).formatToParts(new Date(t))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * The local wall time of an instant as a dayjs value in UTC mode whose fields (year(), hour(), isoWeekday()…) are
 * the local ones. Use it for reading fields and calendar arithmetic, then turn wall times back with `fromWall`.
 */
export function wall(at: Date, tz = zone): Dayjs {
  return dayjs.utc(at.getTime() + zoneOffsetMs(at.getTime(), tz));
}

/** The instant at which the zone's wall clock shows `w` (a UTC-mode dayjs or UTC milliseconds of wall fields). */
export function fromWall(w: Dayjs | number, tz = zone): Date {
  const ms = typeof w === 'number' ? w : w.valueOf();
  let t = ms - zoneOffsetMs(ms, tz);
  const again = ms - zoneOffsetMs(t, tz); // second pass: right across a daylight-saving change
  if (again !== t) t = again;
  return new Date(t);
}

export interface LocalParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

/** Local calendar fields of an instant. */
export function localParts(at: Date, tz = zone): LocalParts {
  const w = wall(at, tz);
  return { year: w.year(), month: w.month() + 1, day: w.date(), hour: w.hour(), minute: w.minute(), second: w.second(), weekday: w.isoWeekday() };
}

/** The instant of a local wall time. Overflow carries (day 32, hour 24 → the next month / day). */
export function localInstant(p: { year: number; month: number; day: number; hour?: number; minute?: number }, tz = zone): Date {
  return fromWall(Date.UTC(p.year, p.month - 1, p.day, p.hour ?? 0, p.minute ?? 0), tz);
}

// ---- days ----

/** The local calendar date of an instant, `YYYY-MM-DD`. */
export function localDate(at: Date, tz = zone): string {
  return wall(at, tz).format('YYYY-MM-DD');
}

/** Days since 1970-01-01 of the local date (a day number for calendar walks). */
export function localDayNumber(at: Date, tz = zone): number {
  return Math.floor(wall(at, tz).valueOf() / DAY_MS);
}

/** The instant local midnight starts on day number `day` (see localDayNumber). */
export function startOfDayNumber(day: number, tz = zone): Date {
  return fromWall(day * DAY_MS, tz);
}

/** The instant local midnight starts on the local date of `at`, or on a `YYYY-MM-DD` date. */
export function startOfLocalDay(at: Date | string, tz = zone): Date {
  if (typeof at === 'string') return fromWall(parseDateKey(at), tz);
  return fromWall(wall(at, tz).startOf('day'), tz);
}

/** The same local wall time `n` calendar days later (earlier when negative). */
export function addLocalDays(at: Date, n: number, tz = zone): Date {
  return fromWall(wall(at, tz).add(n, 'day'), tz);
}

/** Whole calendar days from `earlier` to `later` in the zone (23:59 → 00:01 the next day is 1). */
export function calendarDaysBetween(earlier: Date, later: Date, tz = zone): number {
  return localDayNumber(later, tz) - localDayNumber(earlier, tz);
}

/** `YYYY-MM-DD` → UTC milliseconds of that date's midnight (wall fields); throws on a date that does not exist. */
function parseDateKey(key: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(t).toISOString().slice(0, 10) !== key) throw new RangeError(`invalid date "${key}" (expected YYYY-MM-DD)`);
  return t;
}

// ---- times of day ----

/** `HH:mm` → hours and minutes; throws on anything else. */
export function parseTimeOfDay(time: string): { h: number; m: number } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`invalid time "${time}", expected HH:mm`);
  return { h: Number(m[1]), m: Number(m[2]) };
}

/**
 * The first local `HH:mm` strictly after `after` (on ISO weekday `weekday` if given): "the next 09:00",
 * "the next Monday 09:30".
 */
export function nextLocalTime(after: Date, time: string, weekday?: number, tz = zone): Date {
  const { h, m } = parseTimeOfDay(time);
  const today = wall(after, tz).startOf('day');
  for (let d = 0; d <= 8; d++) {
    const day = today.add(d, 'day');
    if (weekday && day.isoWeekday() !== weekday) continue;
    const at = fromWall(day.hour(h).minute(m), tz);
    if (at.getTime() > after.getTime()) return at;
  }
  throw new Error('unreachable: no occurrence within 8 days');
}

// ---- ISO weeks ----

/** ISO-8601 week of an instant, `2026-W48`. */
export function isoWeekOf(at: Date, tz = zone): string {
  const w = wall(at, tz);
  return `${w.isoWeekYear()}-W${String(w.isoWeek()).padStart(2, '0')}`;
}

/** Monday 00:00 local of the ISO week containing `at`. */
export function startOfIsoWeek(at: Date, tz = zone): Date {
  return fromWall(wall(at, tz).startOf('isoWeek'), tz);
}

/** Monday 00:00 local of ISO week `2026-W48`, and of the week after it. */
export function isoWeekRange(week: string, tz = zone): { start: Date; end: Date } {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new RangeError(`invalid ISO week "${week}" (expected YYYY-Www)`);
  const jan4 = dayjs.utc(Date.UTC(Number(m[1]), 0, 4));
  const monday = jan4.startOf('isoWeek').add(Number(m[2]) - 1, 'week');
  return { start: fromWall(monday, tz), end: fromWall(monday.add(1, 'week'), tz) };
}

// ---- formatting and parsing ----

/** Formats an instant's local wall time with a dayjs pattern (`M月D日 HH:mm`, `YYYY-MM-DD HH:mm`). */
export function formatLocal(at: Date, pattern: string, tz = zone): string {
  return wall(at, tz).format(pattern);
}

const WEEKDAY_ZH = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

/** `2026年12月1日 周二 02:30 (Asia/Shanghai)`: how the sandbox and the demo state an instant. */
export function describeLocal(at: Date, tz = zone): string {
  const w = wall(at, tz);
  return `${w.format('YYYY年M月D日')} ${WEEKDAY_ZH[w.isoWeekday()]} ${w.format('HH:mm')} (${tz})`;
}

/**
 * A local wall time typed as `YYYY-MM-DD`, `YYYY-MM-DD HH:mm` or `YYYY-MM-DDTHH:mm[:ss]` (no zone) → instant.
 * Null when it is not one of those or names a date that does not exist.
 */
export function parseLocal(text: string, tz = zone): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1);
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const back = new Date(ms);
  if (back.getUTCDate() !== Number(d) || back.getUTCHours() !== Number(h) || back.getUTCMinutes() !== Number(mi)) return null;
  return fromWall(ms, tz);
}
