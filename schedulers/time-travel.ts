/**
 * The time-travel engine (时光机): moves a movable clock forward and runs everything that fell due on the way —
 * timers in order of their time, then the handlers and deliveries they caused. One `TimeMachine` per bot
 * (app/server.ts) is the one door for every jump: the admin clock route (app/clock-routes.ts), the sandbox console
 * and the demo driver (sandbox/time-machine.ts) all move the clock through it, so jumps queue behind each other and
 * the sandbox remembers each one, whichever door it came in by.
 */
import type { Clock } from '../domain/clock';
import type { Database } from '../store/db';
import { nextTimerAt } from '../store/tasks';
import type { JobRunner } from './runner';

/** A clock that can be set forward (app/clock.ts AdjustableClock). */
export interface MovableClock extends Clock {
  set(to: Date): Date;
  advance(ms: number): Date;
  /** Runs `fn` with the clock stopped, then lets it tick on (AdjustableClock.stopped). */
  stopped<T>(fn: () => Promise<T>): Promise<T>;
}

export function isMovableClock(clock: Clock): clock is MovableClock {
  const c = clock as Partial<MovableClock>;
  return typeof c.set === 'function' && typeof c.advance === 'function' && typeof c.stopped === 'function';
}

/** Runs everything due at the clock's current time until nothing more is due. */
export async function settle(runner: JobRunner): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await runner.runNow('timers');
    await runner.runNow('inbox');
    await runner.runNow('outbox');
  }
}

/**
 * Moves the clock to `target`, stopping at every timer on the way so each fires at its own time. The clock does not
 * tick during the travel: the work done at a stop happens at the stop's exact instant, so the result never depends
 * on how fast the machine is.
 */
export async function travelTo(deps: { database: Database; runner: JobRunner; clock: MovableClock }, target: Date): Promise<number> {
  return deps.clock.stopped(() => travel(deps, target));
}

async function travel(deps: { database: Database; runner: JobRunner; clock: MovableClock }, target: Date): Promise<number> {
  let stops = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const next = await nextTimerAt(deps.database);
    if (!next || next.getTime() > target.getTime()) break;
    if (next.getTime() > deps.clock.now().getTime()) deps.clock.set(next);
    await settle(deps.runner);
    stops++;
  }
  if (target.getTime() > deps.clock.now().getTime()) deps.clock.set(target);
  await settle(deps.runner);
  return stops;
}

export interface TimeMachine {
  /**
   * Moves the clock to `target(now)`, `now` being the clock's time when this jump's turn comes (jumps run one at a
   * time, in the order asked: two "+1天" move it two days). Throws a RangeError, and moves nothing, when the target
   * is before now. Resolves after everything due on the way has run and the new position is remembered.
   */
  move(target: (now: Date) => Date): Promise<{ from: Date; to: Date; stops: number; saved: boolean }>;
}

/** A jump refused before anything moved: to a time before now, or to no valid instant. */
export class TimeTravelRefused extends RangeError {
  constructor(readonly reason: 'backwards' | 'invalid') {
    super(reason === 'backwards' ? 'time only moves forward' : 'the target time is not a valid instant');
  }
}

export function createTimeMachine(deps: {
  database: Database; runner: JobRunner; clock: MovableClock;
  /** Remembers the new position (the sandbox keeps it across restarts). */
  onMoved?(to: Date): Promise<void>;
}): TimeMachine {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    move(target) {
      const run = queue.then(async () => {
        const from = deps.clock.now();
        const to = target(from);
        if (!Number.isFinite(to.getTime())) throw new TimeTravelRefused('invalid');
        if (to.getTime() < from.getTime()) throw new TimeTravelRefused('backwards');
        const stops = await travelTo(deps, to);
        const now = deps.clock.now();
        // The clock has moved whatever happens next: a failed save is reported, not thrown (a retry would jump twice).
        const saved = await (deps.onMoved?.(now) ?? Promise.resolve()).then(() => true, () => false);
        return { from, to: now, stops, saved };
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
