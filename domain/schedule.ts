/**
 * Recurring schedules in business time (the configured zone, see business-time.ts): "every day at 09:00",
 * "every Monday at 09:00". Pure: `after` is passed in.
 */
import { calendarDaysBetween as daysBetween, localDate, nextLocalTime, parseTimeOfDay } from './business-time';

export interface Recurrence {
  /** 1 = Monday … 7 = Sunday; absent = every day. */
  weekday?: number;
  /** `HH:mm` in the business time zone. */
  time: string;
}

export const parseTime = parseTimeOfDay;

/** The first occurrence strictly after `after`. */
export function nextOccurrence(r: Recurrence, after: Date): Date {
  return nextLocalTime(after, r.time, r.weekday);
}

/** The business day (YYYY-MM-DD in the business time zone) of an instant. */
export function businessDay(at: Date): string {
  return localDate(at);
}

/** Whole calendar days between two instants' business days (b − a). */
export function calendarDaysBetween(a: Date, b: Date): number {
  return daysBetween(a, b);
}
