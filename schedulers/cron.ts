/**
 * Recurring jobs (daily stall check, daily sampling, weekly reports) kept as durable timers: one pending timer per
 * job holds its next occurrence (key `cron:<job>:<instant>`, unique), so a restart, a flushed Redis or several
 * instances never skip or repeat an occurrence. Running a job schedules the next one in the same transaction.
 */
import { sql } from 'drizzle-orm';
import { nextOccurrence, type Recurrence } from '../domain/schedule';
import type { Database } from '../store/db';
import { scheduleTimers, type TimerRow } from '../store/tasks';
import type { CronHandler } from './timer-worker';

export interface CronJob extends Recurrence {
  name: string;
  run: CronHandler;
  /** Idempotent work outside the job's transaction (see CronHandler.prepare). */
  prepare?: CronHandler['prepare'];
}

const cronKey = (name: string, at: Date) => `cron:${name}:${at.toISOString()}`;

/** Wraps each job so that running it schedules its next occurrence; returns the handler map for the timer worker. */
export function cronHandlers(jobs: CronJob[], wake: (t: TimerRow[]) => void): Map<string, CronHandler> {
  const map = new Map<string, CronHandler>();
  for (const job of jobs) {
    const handler: CronHandler = async (ctx) => {
      const next = nextOccurrence(job, ctx.timer.fireAt > ctx.now ? ctx.timer.fireAt : ctx.now);
      const created = await scheduleTimers(ctx.tx, [{ kind: 'cron', key: cronKey(job.name, next), fireAt: next, payload: { job: job.name } }], ctx.now);
      wake(created);
      await job.run(ctx);
    };
    handler.prepare = job.prepare;
    map.set(job.name, handler);
  }
  return map;
}

/** Makes sure every job has its next occurrence scheduled (at start; idempotent). */
export async function ensureCron(database: Database, jobs: CronJob[], now: Date, wake: (t: TimerRow[]) => void): Promise<void> {
  for (const job of jobs) {
    const [pending] = await database.rows<{ n: number }>(sql`
      select count(*)::int as n from timers where kind = 'cron' and status in ('pending', 'firing') and key like ${`cron:${job.name}:%`}`);
    if (pending && pending.n > 0) continue;
    const next = nextOccurrence(job, now);
    wake(await scheduleTimers(database.db, [{ kind: 'cron', key: cronKey(job.name, next), fireAt: next, payload: { job: job.name } }], now));
  }
}
