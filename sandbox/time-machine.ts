/**
 * The sandbox's time machine (时光机): moves the one clock forward and runs what fell due. "+2小时", "+1天" and
 * "下周一 09:00" (business time zone) in the console; any duration (`90m`, `3d`) from the demo driver.
 *
 * NOTE for the merge with the timers work: that work owns `POST /api/clock`. Until it lands, the console calls
 * `POST /sandbox/api/clock`, which does the minimum here: advance, then run the jobs (`timers` when a job of that
 * name is defined, then inbox and outbox). Once /api/clock exists, point `advance` at its implementation.
 */
import { AdjustableClock } from '../app/clock';
import type { Clock } from '../domain/clock';
import { parseDuration } from '../domain/duration';
import type { JobRunner } from '../schedulers/runner';

export type AdvanceSpec = '2h' | '1d' | 'next monday' | (string & {});

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function localParts(at: Date, tz: string) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour),
    minute: Number(parts.minute), second: Number(parts.second), weekday: WEEKDAYS[parts.weekday ?? 'Mon'] ?? 1,
  };
}

/** The offset (ms) of `tz` from UTC at `at`. */
function offsetMs(at: Date, tz: string): number {
  const p = localParts(at, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant of a wall-clock time in `tz`. */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, tz: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - offsetMs(new Date(guess), tz);
  return new Date(guess - offsetMs(new Date(first), tz));
}

/** Monday 09:00 of next week in `tz` (from a Monday, the Monday a week later). */
export function nextMonday0900(now: Date, tz: string): Date {
  const p = localParts(now, tz);
  const days = 8 - p.weekday; // Mon → 7, Sun → 1
  return zonedTime(p.year, p.month, p.day + days, 9, 0, tz);
}

export function targetOf(spec: AdvanceSpec, now: Date, tz: string): Date {
  const s = spec.trim().toLowerCase();
  if (s === 'next monday' || s === 'next_monday' || s === '下周一') return nextMonday0900(now, tz);
  const ms = parseDuration(s);
  if (ms === null || ms <= 0) throw new RangeError(`cannot move time by ${JSON.stringify(spec)}: use 2h, 1d, 90m or "next monday"`);
  return new Date(now.getTime() + ms);
}

export interface TimeMachineDeps {
  clock: Clock;
  runner: JobRunner;
  tz: string;
  /** Remembers the new time (the sandbox keeps it across restarts). */
  onMoved?(to: Date): Promise<void>;
}

/** Jobs run after a jump, in order; a name the runner does not define is skipped. */
const DUE_JOBS = ['timers', 'inbox', 'outbox'];

export async function runDueJobs(runner: JobRunner): Promise<void> {
  for (const name of DUE_JOBS) {
    try {
      await runner.runNow(name);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('unknown job'))) throw err;
    }
  }
}

export async function advance(deps: TimeMachineDeps, spec: AdvanceSpec): Promise<{ from: Date; to: Date }> {
  if (!(deps.clock instanceof AdjustableClock)) throw new TypeError('this bot runs on the wall clock; the time machine needs the sandbox (or ALLOW_TIME_TRAVEL)');
  const from = deps.clock.now();
  const to = deps.clock.set(targetOf(spec, from, deps.tz));
  await deps.onMoved?.(to);
  await runDueJobs(deps.runner);
  return { from, to };
}
