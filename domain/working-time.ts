/**
 * Working-time calendar (工作日历): deadlines that count office hours of working days only.
 *
 * Pure: the caller reads config/calendar.yaml and passes its text; every instant is passed in.
 * Local dates and office hours are read in the business time zone (business-time.ts; default
 * Asia/Shanghai). The calendar's `timezone` field documents the zone its dates were written for.
 *
 * A working day is Monday–Friday, or a weekend day listed as a make-up working day (调休上班),
 * and never a listed public holiday. Dates outside the calendar's years count as ordinary weeks;
 * `coverage()` tells the app when the calendar is about to run out.
 *
 * Boundary rules (one choice, used everywhere):
 * - office periods are half-open [open, close): 18:00 itself is outside office hours;
 * - a deadline landing exactly on a closing time (12:00 or 18:00) stays there, on that day,
 *   it is not moved to the next opening (17:00 + 1 h = 18:00 the same day);
 * - counting from outside office hours starts at the next opening (20:00 + 30 min = 09:30 next
 *   working day);
 * - adding 0 ms returns the start unchanged, even outside office hours (nothing to count).
 */
import { z } from 'zod';
import { fromWall, localDayNumber } from './business-time';
import { ConfigFileError, formatPath, loadYamlConfig, type ConfigIssue, type ConfigPath, type ConfigProblem } from './yaml-config';

export type DurationMode = 'calendar' | 'working';

/** Office hours of a working day, local time `HH:MM` (24-hour). */
export interface OfficeHours {
  open: string;
  close: string;
  /** `null`: the office works through lunch. */
  lunchBreak: { from: string; to: string } | null;
}

export interface CalendarHoliday {
  /** 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节, or a company's own closing day. */
  name: string;
  /** First and last local date (`YYYY-MM-DD`), inclusive. */
  from: string;
  to: string;
}

export interface MakeUpWorkday {
  /** A Saturday or Sunday that is a working day (调休上班). */
  date: string;
  /** The holiday it pays for. */
  for?: string;
}

export interface CalendarYear {
  year: number;
  /** The notice the dates come from. */
  source?: string;
  /** True while the official notice is not out: the dates are a projection. */
  provisional: boolean;
  holidays: CalendarHoliday[];
  makeUpWorkdays: MakeUpWorkday[];
}

/** A validated working-time calendar (see parseCalendar). */
export interface WorkCalendar {
  timezone: 'Asia/Shanghai';
  officeHours: OfficeHours;
  /** Consecutive years, ascending. */
  years: CalendarYear[];
  /** Working periods of a working day in minutes after local midnight, [start, end), ascending. */
  periods: ReadonlyArray<{ start: number; end: number }>;
  /** Local date → holiday name. */
  holidayOn: ReadonlyMap<string, string>;
  /** Local date → the holiday a make-up working day pays for ('' when not said). */
  makeUpOn: ReadonlyMap<string, string>;
}

export interface CalendarCoverage {
  fromYear: number;
  toYear: number;
  /** Years whose dates are a projection, not the official notice. */
  provisionalYears: number[];
}

export const DEFAULT_OFFICE_HOURS: OfficeHours = { open: '09:00', close: '18:00', lunchBreak: { from: '12:00', to: '13:30' } };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Safety stop for the day-by-day walk: no deadline is 200 years of working time away. */
const MAX_DAYS = 366 * 200;
const MAX_HOLIDAY_DAYS = 31;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

// ---------------------------------------------------------------------------------------------
// Local dates as day numbers (days since 1970-01-01 in the business time zone, see business-time.ts)

const localDay = (t: number): number => localDayNumber(new Date(t));
/** The instant the local wall clock shows `minutes` past midnight on `day`. */
const wallInstant = (day: number, minutes: number): number => fromWall(day * DAY_MS + minutes * MINUTE_MS).getTime();
const dateKey = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const weekdayOf = (day: number): number => new Date(day * DAY_MS).getUTCDay();
const isWeekend = (day: number): boolean => weekdayOf(day) === 0 || weekdayOf(day) === 6;

/** Day number of a `YYYY-MM-DD` text, or null when it is not a real date. */
function dayOfKey(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = t / DAY_MS;
  return dateKey(day) === text ? day : null;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function dayOfInput(date: Date | string): number {
  if (typeof date === 'string') {
    const day = dayOfKey(date);
    if (day === null) throw new RangeError(`Invalid date "${date}" (expected YYYY-MM-DD)`);
    return day;
  }
  return localDay(instant(date, 'date'));
}

function instant(date: Date, what: string): number {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new RangeError(`Invalid ${what}: not a valid Date`);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Queries

function isWorkingDayNumber(cal: WorkCalendar, day: number): boolean {
  const key = dateKey(day);
  if (cal.holidayOn.has(key)) return false;
  if (cal.makeUpOn.has(key)) return true;
  return !isWeekend(day);
}

/**
 * Whether offices are open on a local date in the business time zone.
 * @param date an instant (its local date counts) or a local date `YYYY-MM-DD`.
 */
export function isWorkingDay(cal: WorkCalendar, date: Date | string): boolean {
  return isWorkingDayNumber(cal, dayOfInput(date));
}

/** The public holiday on a local date (`春节`), or null. */
export function holidayName(cal: WorkCalendar, date: Date | string): string | null {
  return cal.holidayOn.get(dateKey(dayOfInput(date))) ?? null;
}

/** The years the calendar knows; dates outside count as ordinary weeks (warn when near the end). */
export function coverage(cal: WorkCalendar): CalendarCoverage {
  return {
    fromYear: cal.years[0].year,
    toYear: cal.years[cal.years.length - 1].year,
    provisionalYears: cal.years.filter((y) => y.provisional).map((y) => y.year),
  };
}

/** Working periods of a day as absolute [start, end) instants; empty on a day off. */
function periodsOn(cal: WorkCalendar, day: number): Array<[number, number]> {
  if (!isWorkingDayNumber(cal, day)) return [];
  return cal.periods.map((p) => [wallInstant(day, p.start), wallInstant(day, p.end)]);
}

/** `at` itself when it falls inside office hours of a working day, otherwise the next opening. */
export function nextWorkingMoment(cal: WorkCalendar, at: Date): Date {
  const t = instant(at, 'instant');
  const first = localDay(t);
  for (let day = first; day < first + MAX_DAYS; day++) {
    for (const [start, end] of periodsOn(cal, day)) if (t < end) return new Date(Math.max(t, start));
  }
  throw new RangeError('No working time found in the calendar');
}

/**
 * `start` plus `ms` of working time: only office hours of working days count. Counting from
 * outside office hours starts at the next opening; a result exactly on a closing time stays on
 * that day (see the module comment); 0 ms returns `start` unchanged.
 */
export function addWorkingTime(cal: WorkCalendar, start: Date, ms: number): Date {
  const t = instant(start, 'start');
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Working time must be a finite, non-negative duration (got ${ms})`);
  let remaining = Math.round(ms);
  if (remaining === 0) return new Date(t);
  const first = localDay(t);
  for (let day = first; day < first + MAX_DAYS; day++) {
    for (const [periodStart, periodEnd] of periodsOn(cal, day)) {
      const from = Math.max(t, periodStart);
      if (from >= periodEnd) continue;
      const available = periodEnd - from;
      if (remaining <= available) return new Date(from + remaining);
      remaining -= available;
    }
  }
  throw new RangeError(`Working time of ${ms} ms is too long for the calendar`);
}

/** Working time between two instants in ms (negative when `b` is before `a`); inverse of addWorkingTime. */
export function workingMsBetween(cal: WorkCalendar, a: Date, b: Date): number {
  const ta = instant(a, 'instant');
  const tb = instant(b, 'instant');
  if (tb < ta) return -workingMsBetween(cal, b, a);
  let total = 0;
  for (let day = localDay(ta), last = localDay(tb); day <= last; day++) {
    for (const [start, end] of periodsOn(cal, day)) total += Math.max(0, Math.min(end, tb) - Math.max(start, ta));
  }
  return total;
}

/**
 * A deadline `ms` after `start`: elapsed time (`calendar`) or office hours only (`working`).
 * @throws Error in `working` mode without a calendar: the configuration must provide one.
 */
export function addDuration(cal: WorkCalendar | null, start: Date, ms: number, mode: DurationMode): Date {
  if (mode === 'calendar') {
    if (!Number.isFinite(ms)) throw new RangeError(`Duration must be finite (got ${ms})`);
    return new Date(instant(start, 'start') + ms);
  }
  if (!cal) throw new Error('A working-hours deadline needs the working-time calendar (config/calendar.yaml)');
  return addWorkingTime(cal, start, ms);
}

// ---------------------------------------------------------------------------------------------
// Loading config/calendar.yaml

export class CalendarConfigError extends ConfigFileError {
  override readonly name = 'CalendarConfigError';
  constructor(sourceName: string, issues: ConfigIssue[]) {
    super(sourceName, issues);
  }
}

const timeOfDay = z
  .string()
  .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, { error: 'expected a time like 09:00 (24-hour HH:MM, in quotes)' })
  .transform((v) => v.padStart(5, '0'));

const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date like 2026-10-01 (YYYY-MM-DD)' })
  .refine((v) => dayOfKey(v) !== null, { error: 'not a real date (check the month and the day)' });

const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });

const officeHoursSchema = z
  .object({
    open: timeOfDay,
    close: timeOfDay,
    lunchBreak: z
      .object({ from: timeOfDay, to: timeOfDay })
      .strict()
      .nullish()
      .transform((v) => v ?? null),
  })
  .strict();

const yearSchema = z
  .object({
    source: nonEmpty.optional(),
    provisional: z.boolean().default(false),
    holidays: z.array(z.object({ name: nonEmpty, from: localDate, to: localDate.optional() }).strict()).default([]),
    makeUpWorkdays: z.array(z.object({ date: localDate, for: nonEmpty.optional() }).strict()).default([]),
  })
  .strict();

const calendarSchema = z
  .object({
    timezone: z.literal('Asia/Shanghai').default('Asia/Shanghai'),
    officeHours: officeHoursSchema.default(DEFAULT_OFFICE_HOURS),
    years: z.record(z.string(), yearSchema),
  })
  .strict();

type CalendarInput = z.output<typeof calendarSchema>;

function checkOfficeHours(hours: OfficeHours, problems: ConfigProblem[]): void {
  const at = (...path: ConfigPath): ConfigPath => ['officeHours', ...path];
  const open = minutesOf(hours.open);
  const close = minutesOf(hours.close);
  if (close <= open) problems.push({ path: at('close'), message: `must be after open (${hours.open})` });
  const lunch = hours.lunchBreak;
  if (!lunch) return;
  const from = minutesOf(lunch.from);
  const to = minutesOf(lunch.to);
  if (from <= open) problems.push({ path: at('lunchBreak', 'from'), message: `must be after open (${hours.open})` });
  if (to <= from) problems.push({ path: at('lunchBreak', 'to'), message: `must be after the lunch break's from (${lunch.from})` });
  else if (to >= close && close > open) problems.push({ path: at('lunchBreak', 'to'), message: `must be before close (${hours.close})` });
}

function checkYears(input: CalendarInput, problems: ConfigProblem[]): void {
  const keys = Object.keys(input.years);
  if (keys.length === 0) {
    problems.push({ path: ['years'], message: 'list at least one year (e.g. 2026:) with its holidays' });
    return;
  }
  const years: number[] = [];
  for (const key of keys) {
    if (/^\d{4}$/.test(key)) years.push(Number(key));
    else problems.push({ path: ['years', key], message: `"${key}" is not a year; write a 4-digit year like 2026` });
  }
  years.sort((a, b) => a - b);
  for (let i = 1; i < years.length; i++) {
    if (years[i] !== years[i - 1] + 1) {
      problems.push({ path: ['years', String(years[i])], message: `years must be consecutive: ${years[i - 1] + 1} is missing` });
    }
  }

  const holidayAt = new Map<number, { name: string; path: string }>();
  const makeUpAt = new Map<number, string>();
  for (const year of years) {
    const entry = input.years[String(year)];
    entry.holidays.forEach((h, i) => {
      const at = (field: string): ConfigPath => ['years', String(year), 'holidays', i, field];
      const from = dayOfKey(h.from) as number;
      const to = dayOfKey(h.to ?? h.from) as number;
      if (!h.from.startsWith(`${year}-`) && !(h.to ?? h.from).startsWith(`${year}-`)) {
        problems.push({ path: at('from'), message: `${h.from} is not in ${year}; list it under its own year` });
        return;
      }
      if (to < from) {
        problems.push({ path: at('to'), message: `${h.to} is before from (${h.from})` });
        return;
      }
      if (to - from + 1 > MAX_HOLIDAY_DAYS) {
        problems.push({ path: at('to'), message: `${to - from + 1} days from ${h.from}: longer than ${MAX_HOLIDAY_DAYS} days, check the dates` });
        return;
      }
      for (let day = from; day <= to; day++) {
        const other = holidayAt.get(day);
        if (other) {
          problems.push({ path: at('from'), message: `${dateKey(day)} is already in ${other.name} (${other.path}); holidays must not overlap` });
          return;
        }
      }
      for (let day = from; day <= to; day++) holidayAt.set(day, { name: h.name, path: formatPath(at('from').slice(0, -1)) });
    });
  }
  for (const year of years) {
    input.years[String(year)].makeUpWorkdays.forEach((m, i) => {
      const path: ConfigPath = ['years', String(year), 'makeUpWorkdays', i, 'date'];
      const day = dayOfKey(m.date) as number;
      const holiday = holidayAt.get(day);
      if (!m.date.startsWith(`${year}-`)) problems.push({ path, message: `${m.date} is not in ${year}; list it under its own year` });
      else if (!isWeekend(day)) {
        problems.push({ path, message: `${m.date} is a ${WEEKDAY_NAMES[weekdayOf(day)]}; make-up working days (调休上班) are Saturdays or Sundays` });
      } else if (holiday) {
        problems.push({ path, message: `${m.date} is also a holiday (${holiday.name}, ${holiday.path}); a date can't be both` });
      } else if (makeUpAt.has(day)) {
        problems.push({ path, message: `${m.date} is listed twice (also ${makeUpAt.get(day)})` });
      } else makeUpAt.set(day, formatPath(path.slice(0, -1)));
    });
  }
}

function build(input: CalendarInput): WorkCalendar {
  const years = Object.keys(input.years)
    .map(Number)
    .sort((a, b) => a - b)
    .map((year): CalendarYear => {
      const y = input.years[String(year)];
      return {
        year,
        ...(y.source === undefined ? {} : { source: y.source }),
        provisional: y.provisional,
        holidays: y.holidays.map((h) => ({ name: h.name, from: h.from, to: h.to ?? h.from })),
        makeUpWorkdays: y.makeUpWorkdays.map((m) => (m.for === undefined ? { date: m.date } : { date: m.date, for: m.for })),
      };
    });
  const holidayOn = new Map<string, string>();
  const makeUpOn = new Map<string, string>();
  for (const y of years) {
    for (const h of y.holidays) {
      for (let day = dayOfKey(h.from) as number, last = dayOfKey(h.to) as number; day <= last; day++) holidayOn.set(dateKey(day), h.name);
    }
    for (const m of y.makeUpWorkdays) makeUpOn.set(m.date, m.for ?? '');
  }
  const hours = input.officeHours;
  const open = minutesOf(hours.open);
  const close = minutesOf(hours.close);
  const periods = hours.lunchBreak
    ? [
        { start: open, end: minutesOf(hours.lunchBreak.from) },
        { start: minutesOf(hours.lunchBreak.to), end: close },
      ]
    : [{ start: open, end: close }];
  return { timezone: input.timezone, officeHours: hours, years, periods, holidayOn, makeUpOn };
}

/**
 * Parses and validates a working-time calendar.
 * @param text YAML source (the caller reads the file).
 * @param sourceName How messages name the source, e.g. `config/calendar.yaml`.
 * @throws CalendarConfigError listing every problem with its line and field path.
 */
export function parseCalendar(text: string, sourceName: string): WorkCalendar {
  return loadYamlConfig(text, sourceName, calendarSchema, (data) => {
    const problems: ConfigProblem[] = [];
    checkOfficeHours(data.officeHours, problems);
    checkYears(data, problems);
    return { value: problems.length ? (null as unknown as WorkCalendar) : build(data), problems };
  }, (name, issues) => new CalendarConfigError(name, issues));
}
