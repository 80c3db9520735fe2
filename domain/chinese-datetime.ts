/**
 * Chinese date-time phrases as reps type them (明天下午3点, 下周一上午9点, 11月30日 15:00), read in the business time
 * zone (business-time.ts) relative to `now`. Pure.
 *
 * Date-time reading (parseChineseDateTime), in business-time calendar days (no “after midnight it is
 * still yesterday” adjustment: at 00:10 明天 is the day after the date that has just begun):
 *   - a day without a time of day → 09:00; a period without an hour → 上午/早上 09:00, 中午 12:00,
 *     下午 14:00, 傍晚 18:00, 晚上 19:00, 凌晨 06:00;
 *   - an hour without a period: 1–6 点 → afternoon (明天3点 = 15:00), 7–12 as written;
 *   - a time without a day (下午3点, 十点一刻) → today if still ahead, otherwise tomorrow;
 *   - a bare weekday (周五) → its next occurrence; if it is today, today only while the time
 *     (default 09:00) is still ahead, otherwise the same weekday next week;
 *     下周X → the X of the next Monday-based week, 这周X/本周X → this week's X (may be past);
 *   - M月D日 / M-D / M.D without a year → this year, even if already past (validation then says so);
 *   - D号 alone → this month, or next month if that day has passed;
 *   - 月底 → last day of this month, 月初 → 1st of next month, 月中 → 15th;
 *   - N天后 / N周后 / N个月后 → that day (09:00 unless a time is given); N小时后 / N分钟后 / 半小时后 →
 *     exactly now plus that (to the minute);
 *   - vague phrases (下周, 过几天, 改天, 待定…) without a concrete day are not guessed.
 */
import { localInstant, localParts as businessParts } from './business-time';

const MINUTE_MS = 60_000;

interface LocalDay {
  y: number;
  /** 1–12 */
  m: number;
  d: number;
}

function localParts(at: Date): LocalDay & { h: number; mi: number; dow: number } {
  const p = businessParts(at);
  return { y: p.year, m: p.month, d: p.day, h: p.hour, mi: p.minute, dow: p.weekday % 7 };
}

/** Day overflow is allowed (d = 32, h = 24): it carries over. */
function instant(day: LocalDay, h: number, mi: number): Date {
  return localInstant({ year: day.y, month: day.m, day: day.d, hour: h, minute: mi });
}

function addDays(day: LocalDay, n: number): LocalDay {
  const s = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: s.getUTCFullYear(), m: s.getUTCMonth() + 1, d: s.getUTCDate() };
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function addMonths(day: LocalDay, n: number): LocalDay {
  const total = day.y * 12 + (day.m - 1) + n;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  return { y, m, d: Math.min(day.d, daysInMonth(y, m)) };
}

const WEEKDAY_NAMES = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** `11月30日（周一）15:00`; the year is added when it differs from `now`'s. */
export function formatDateTime(at: Date, now?: Date): string {
  const p = localParts(at);
  const year = now && localParts(now).y !== p.y ? `${p.y}年` : '';
  return `${year}${p.m}月${p.d}日（${WEEKDAY_NAMES[p.dow]}）${pad(p.h)}:${pad(p.mi)}`;
}

// ───────────────────────────── text clean-up ─────────────────────────────

const CN_DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 三 → 3, 十五 → 15, 二十三 → 23, 零五 → 5, 二〇二六 → 2026; anything else → null. */
export function cnToNumber(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  const parts = s.split('十');
  if (parts.length > 2) return null;
  if (parts.length === 2) {
    const [a, b] = parts;
    const tens = a === '' ? 1 : a.length === 1 ? CN_DIGIT[a] : undefined;
    const ones = b === '' ? 0 : b.length === 1 ? CN_DIGIT[b] : undefined;
    return tens === undefined || ones === undefined ? null : tens * 10 + ones;
  }
  let n = 0;
  for (const c of s) {
    const d = CN_DIGIT[c];
    if (d === undefined) return null;
    n = n * 10 + d;
  }
  return n;
}


// ───────────────────────────── date-time ─────────────────────────────

export type DateTimeReading = { ok: true; at: Date } | { ok: false; reason: 'empty' | 'unknown' | 'vague' | 'invalid' };

const VAGUE = /下下?个?(?:周|星期|礼拜)(?!\s*[一二三四五六日天七1-7])|过(?:几|两)天|改天|回头|待定|再定|再约|另约|近期|最近|尽快|有空|这几天|再说|看情况|不确定|年底|年后|节后|周末|晚点|晚些|稍后|待会|等会|一会/;
const WEEKDAY = /(下下个?|下个?|这个?|本)?\s*(?:周|星期|礼拜)\s*([一二三四五六日天七1-7])/;
const ISO_WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, 七: 7 };
const DAY_WORDS: [RegExp, number][] = [
  [/大后天/, 3],
  [/大前天/, -3],
  [/后天/, 2],
  [/前天/, -2],
  [/明天|明日/, 1],
  [/今天|今日/, 0],
  [/昨天|昨日/, -1],
];
const PERIODS: [RegExp, string][] = [
  [/凌晨/, 'dawn'],
  [/早上|早晨|清早|上午|早/, 'morning'],
  [/中午|午饭后/, 'noon'],
  [/下午|午后/, 'afternoon'],
  [/傍晚/, 'evening'],
  [/晚上|夜里|夜间|半夜|晚/, 'night'],
];
const PERIOD_DEFAULT_HOUR: Record<string, number> = { dawn: 6, morning: 9, noon: 12, afternoon: 14, evening: 18, night: 19 };
const DEFAULT_HOUR = 9;

export function readDateTime(text: string, now: Date, clean: (s: string) => string = (s) => s): DateTimeReading {
  let t = clean(text).toLowerCase().replace(/\s+/g, ' ').trim();
  if (!t) return { ok: false, reason: 'empty' };
  t = t
    .replace(/今晚/g, '今天晚上')
    .replace(/明晚/g, '明天晚上')
    .replace(/明早/g, '明天早上')
    .replace(/今早/g, '今天早上')
    .replace(/明儿/g, '明天')
    .replace(/今儿/g, '今天')
    .replace(/一早/g, '早上')
    .replace(/最晚|最迟|之前|以前/g, ' ');
  const vague = VAGUE.test(t);
  const today = localParts(now);
  const todayDay: LocalDay = { y: today.y, m: today.m, d: today.d };

  // weekdays before Chinese numerals become digits (周一 is not 周1 of a count)
  const wd = WEEKDAY.exec(t);
  if (wd) t = t.slice(0, wd.index) + ' ' + t.slice(wd.index + wd[0].length);
  t = t
    .replace(/一刻/g, '15分')
    .replace(/三刻/g, '45分')
    .replace(/[零〇一二两三四五六七八九十]+/g, (m) => String(cnToNumber(m) ?? m));

  // exact offsets from now
  const rel = /(\d+)\s*个?\s*(半)?\s*(?:小时|钟头)\s*(?:后|以后|之后)/.exec(t);
  const halfHour = /半\s*个?\s*(?:小时|钟头)\s*(?:后|以后|之后)/.exec(t);
  const mins = /(\d+)\s*分钟\s*(?:后|以后|之后)/.exec(t);
  const offset = rel
    ? (Number(rel[1]) * 60 + (rel[2] ? 30 : 0)) * MINUTE_MS
    : halfHour
      ? 30 * MINUTE_MS
      : mins
        ? Number(mins[1]) * MINUTE_MS
        : null;
  if (offset !== null) return { ok: true, at: new Date(Math.floor((now.getTime() + offset) / MINUTE_MS) * MINUTE_MS) };

  // the day
  let day: LocalDay | null = null;
  let weekday: { iso: number; which: string } | null = null;
  let invalid = false;
  const take = (re: RegExp, f: (m: RegExpExecArray) => LocalDay | null): boolean => {
    const m = re.exec(t);
    if (!m) return false;
    t = t.slice(0, m.index) + ' ' + t.slice(m.index + m[0].length);
    day = f(m);
    if (!day) invalid = true;
    return true;
  };
  const checked = (y: number, m: number, d: number): LocalDay | null =>
    y >= 2000 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m) ? { y, m, d } : null;

  const nextMonth = (): LocalDay => addMonths({ ...todayDay, d: 1 }, 1);
  const monthOf = (which: string | undefined): LocalDay => addMonths({ ...todayDay, d: 1 }, which?.startsWith('下') ? 1 : 0);
  // alternatives, most specific first; the first that matches is the day
  const dayReaders: (() => boolean)[] = [
    () => take(/(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?/, (m) => checked(+m[1], +m[2], +m[3])),
    () => take(/(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?/, (m) => checked(today.y, +m[1], +m[2])),
    () => take(/(?<![\d.:])(\d{1,2})\s*[-/]\s*(\d{1,2})(?![\d:])/, (m) => checked(today.y, +m[1], +m[2])),
    () => take(/(?<![\d.:])(\d{1,2})\.(\d{1,2})(?![\d:.])(?=\s|号|日|$|[上下晚中早凌傍])/, (m) => checked(today.y, +m[1], +m[2])),
    () => take(/下个?月\s*(\d{1,2})\s*[号日]/, (m) => checked(nextMonth().y, nextMonth().m, +m[1])),
    () => take(/(下个?|本|这个?)?月\s*月?底/, (m) => ({ ...monthOf(m[1]), d: daysInMonth(monthOf(m[1]).y, monthOf(m[1]).m) })),
    // 月初 said on its own means the coming one
    () => take(/(下个?|本|这个?)?月\s*初/, (m) => (m[1] && !m[1].startsWith('下') ? monthOf(m[1]) : nextMonth())),
    () => take(/(下个?|本|这个?)?月\s*中旬?/, (m) => ({ ...monthOf(m[1]), d: 15 })),
    () => DAY_WORDS.some(([re, n]) => take(re, () => addDays(todayDay, n))),
    () => take(/(\d+)\s*天\s*(?:后|以后|之后)/, (m) => addDays(todayDay, +m[1])),
    () => take(/(\d+)\s*个?\s*(?:周|星期|礼拜)\s*(?:后|以后|之后)/, (m) => addDays(todayDay, 7 * +m[1])),
    () => take(/(\d+)\s*个\s*月\s*(?:后|以后|之后)/, (m) => addMonths(todayDay, +m[1])),
    () =>
      take(/(?<![\d月])(\d{1,2})\s*[号日]/, (m) => {
        const d = +m[1];
        return d >= today.d ? checked(today.y, today.m, d) : checked(nextMonth().y, nextMonth().m, d);
      }),
  ];
  dayReaders.some((read) => read());
  if (invalid) return { ok: false, reason: 'invalid' };
  if (!day && wd) weekday = { iso: ISO_WEEKDAY[wd[2]] ?? Number(wd[2]), which: wd[1] ?? '' };

  // the time of day
  let hour: number | null = null;
  let minute = 0;
  const ampm = /(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b/.exec(t);
  const clock = /(\d{1,2})\s*:\s*(\d{2})/.exec(t);
  const dian = /(\d{1,2})\s*(?:点钟?|时)\s*(?:(\d{1,2})\s*分?|(半)|整)?/.exec(t);
  if (ampm) {
    hour = (+ampm[1] % 12) + (ampm[3] === 'pm' ? 12 : 0);
    minute = ampm[2] ? +ampm[2] : 0;
  } else if (clock) {
    hour = +clock[1];
    minute = +clock[2];
  } else if (dian) {
    hour = +dian[1];
    minute = dian[3] ? 30 : dian[2] ? +dian[2] : 0;
  }
  const period = PERIODS.find(([re]) => re.test(t))?.[1] ?? null;
  if (hour !== null) {
    if (hour > 24 || minute > 59 || (hour === 24 && minute > 0)) return { ok: false, reason: 'invalid' };
    if (!ampm) hour = adjustHour(hour, period, Boolean(clock));
  }
  if (!day && !weekday && hour === null && !period) return { ok: false, reason: vague ? 'vague' : 'unknown' };
  if (!day && !weekday && vague) return { ok: false, reason: 'vague' };

  const h = hour ?? (period ? PERIOD_DEFAULT_HOUR[period] : DEFAULT_HOUR);
  if (day) return { ok: true, at: instant(day, h, minute) };
  if (weekday) return { ok: true, at: instant(weekdayDay(todayDay, today.dow, weekday, h, minute, now), h, minute) };
  // a time without a day: its next occurrence
  const sameDay = instant(todayDay, h, minute);
  return { ok: true, at: sameDay.getTime() > now.getTime() ? sameDay : instant(addDays(todayDay, 1), h, minute) };
}

function adjustHour(hour: number, period: string | null, clock: boolean): number {
  switch (period) {
    case 'afternoon':
    case 'evening':
      return hour < 12 ? hour + 12 : hour;
    case 'night':
      return hour === 12 ? 24 : hour < 6 ? hour : hour < 12 ? hour + 12 : hour;
    case 'noon':
      return hour >= 1 && hour <= 3 ? hour + 12 : hour;
    case 'dawn':
      return hour === 12 ? 0 : hour;
    case 'morning':
      return hour;
    default:
      // 3点 with no period is 15:00 at work; 15:00 and 03:00 typed as a clock stay as typed
      return !clock && hour >= 1 && hour <= 6 ? hour + 12 : hour;
  }
}

function weekdayDay(today: LocalDay, dow: number, wd: { iso: number; which: string }, h: number, mi: number, now: Date): LocalDay {
  const isoToday = dow === 0 ? 7 : dow;
  const monday = addDays(today, 1 - isoToday);
  if (wd.which.startsWith('下下')) return addDays(monday, 14 + wd.iso - 1);
  if (wd.which.startsWith('下')) return addDays(monday, 7 + wd.iso - 1);
  if (wd.which) return addDays(monday, wd.iso - 1);
  const ahead = (wd.iso - isoToday + 7) % 7;
  if (ahead > 0) return addDays(today, ahead);
  return instant(today, h, mi).getTime() > now.getTime() ? today : addDays(today, 7);
}

/**
 * Reads a Chinese date-time (明天下午3点, 下周一上午9点, 11月30日 15:00, 2026-12-01 09:30, 3天后, 2小时后,
 * 月底…) in the business time zone relative to `now`. Text around the time (电话回访, 好的) is ignored. Returns null
 * for anything it cannot place on the calendar, vague phrases (下周, 改天) and impossible dates (11月31日).
 * A past result is returned as is; validatePainPoint says it is past. Rules: see the module comment.
 */
export function parseChineseDateTime(text: string, now: Date, clean?: (s: string) => string): Date | null {
  const r = readDateTime(text, now, clean);
  return r.ok ? r.at : null;
}

// ───────────────────────────── texts ─────────────────────────────

