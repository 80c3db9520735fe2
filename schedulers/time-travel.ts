/**
 * The time-travel engine (时光机): moves a movable clock forward and runs everything that fell due on the way —
 * timers in order of their time, then the handlers and deliveries they caused. Used by the admin clock route
 * (app/clock-routes.ts) and the sandbox (sandbox/time-machine.ts); it lives here, below both.
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
