/**
 * The sandbox's time machine (时光机): "+2小时", "+1天" and "下周一 09:00" (business time zone) in the console, any
 * duration (`90m`, `3d`) or "next monday" from the demo driver. The jump itself is the bot's one time machine
 * (schedulers/time-travel.ts, also behind `POST /api/clock`): the clock stops at every timer on the way so each fires
 * at its own time, then handlers and deliveries run; jumps from every door queue behind each other and are saved. The console calls `POST /sandbox/api/clock`, which needs no admin
 * token (the page cannot know an ADMIN_TOKEN set in the environment) and adds "next monday".
 */
import { settle, type TimeMachine } from '../schedulers/time-travel';
import { localDayNumber, nextLocalTime, startOfDayNumber } from '../domain/business-time';
import { parseDuration } from '../domain/duration';
import type { JobRunner } from '../schedulers/runner';

export type AdvanceSpec = '2h' | '1d' | 'next monday' | (string & {});

/** Monday 09:00 of next week in `tz` (from a Monday, the Monday a week later). */
export function nextMonday0900(now: Date, tz: string): Date {
  return nextLocalTime(startOfDayNumber(localDayNumber(now, tz) + 1, tz), '09:00', 1, tz);
}

export function targetOf(spec: AdvanceSpec, now: Date, tz: string): Date {
  const s = spec.trim().toLowerCase();
  if (s === 'next monday' || s === 'next_monday' || s === '下周一') return nextMonday0900(now, tz);
  const ms = parseDuration(s);
  if (ms === null || ms <= 0) throw new RangeError(`cannot move time by ${JSON.stringify(spec)}: use 2h, 1d, 90m or "next monday"`);
  return new Date(now.getTime() + ms);
}

/** Runs timers, inbox and outbox until what is due now is done. */
export const runDueJobs = (runner: JobRunner): Promise<void> => settle(runner);

/** A jump of the console or the demo driver, through the bot's one time machine (schedulers/time-travel.ts). */
export async function advance(machine: TimeMachine | null, spec: AdvanceSpec, tz: string): Promise<{ from: Date; to: Date }> {
  if (!machine) throw new TypeError('this bot runs on the wall clock; the time machine needs the sandbox (or ALLOW_TIME_TRAVEL)');
  const { from, to } = await machine.move((now) => targetOf(spec, now, tz));
  return { from, to };
}
