/**
 * Assembles the timer machinery: the working-time calendar, the task service, the timer worker, the cron jobs
 * (daily stall check, and whatever else registers) and the SOP media cache. Kept apart from server.ts.
 */
import { localParts } from '../domain/business-time';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { WecomClient } from '../bot/wecom/api';
import type { Clock } from '../domain/clock';
import type { ProcessDefinition } from '../domain/types';
import { addDuration, coverage, isWorkingDay, parseCalendar, type WorkCalendar } from '../domain/working-time';
import { morningDigest } from '../usecases/my-work';
import type { TaskServiceDeps } from '../usecases/tasks';
import { createMediaCache } from '../bot/wecom/media';
import { cronHandlers, ensureCron, type CronJob } from '../schedulers/cron';
import type { JobRunner } from '../schedulers/runner';
import { runStallCheck } from '../usecases/stall';
import { runConfirmationCheck } from '../usecases/confirmation-sop';
import { createTimerWorker, type CronContext } from '../schedulers/timer-worker';
import type { Database } from '../store/db';
import type { OutboxRepo } from '../store/outbox';
import { projectRoot } from '../store/paths';
import type { TimerRow } from '../store/tasks';
import type { LeaseKeeper } from '../store/leases';

export interface TimersSetupDeps {
  database: Database; outbox: OutboxRepo; client: WecomClient; clock: Clock; log: Logger; runner: JobRunner;
  process: ProcessDefinition; calendarFile?: string; link(customerId: number | null): string | null;
  onFired?(kind: string, lateMs: number): void;
  leases?: LeaseKeeper;
}

export function loadCalendar(file: string, log: Logger, now: Date): WorkCalendar {
  const cal = parseCalendar(fs.readFileSync(file, 'utf8'), path.relative(process.cwd(), file) || file);
  const cover = coverage(cal);
  const year = localParts(now).year;
  if (year >= cover.toYear) log.warn({ file, ...cover }, 'the working-time calendar ends this year: add next year’s holidays');
  if (cover.provisionalYears.length) log.warn({ provisional: cover.provisionalYears }, 'the working-time calendar has provisional years: check them against the official notice');
  return cal;
}

/**
 * Timers wake the worker on a grid of this many ms: timers due within one slot fire together, in one claim and one
 * transaction, at the slot's end (at most this late). Timers spread over a minute then cost about what a burst
 * costs per timer (bench:timers), and a slot is one delayed job whoever scheduled it (its id names the slot).
 */
export const WAKE_SLOT_MS = 500;

/** Schedules the timer worker's wake-ups for timers due at `fireAts`: one per slot. Returns how many slots. */
export function wakeTimersAt(runner: JobRunner, fireAts: readonly Date[], nowMs: number): number {
  const slots = new Set(fireAts.map((at) => Math.ceil(at.getTime() / WAKE_SLOT_MS) * WAKE_SLOT_MS));
  for (const slot of slots) runner.kickAt('timers', new Date(slot), nowMs, `timers@${slot}`);
  return slots.size;
}

export function setupTimers(deps: TimersSetupDeps) {
  const { runner, clock } = deps;
  const calendar = loadCalendar(deps.calendarFile ?? path.join(projectRoot(), 'config', 'calendar.yaml'), deps.log, clock.now());
  const wake = (timers: TimerRow[]) => {
    wakeTimersAt(runner, timers.map((t) => t.fireAt), clock.now().getTime());
  };
  const tasks: TaskServiceDeps = {
    process: deps.process,
    addTime: (start, ms, working) => addDuration(working ? calendar : null, start, ms, working ? 'working' : 'calendar'),
    wake,
    link: deps.link,
  };
  const digestTime = deps.process.myWork?.morningDigest ?? '08:45';
  const digestOn = digestTime !== 'off';
  const jobs: CronJob[] = [
    {
      name: 'stall_check', time: '09:00',
      run: async (ctx) => {
        // On working days the owners already read their stalled customers in the morning digest: one message, not two.
        const ownersCovered = digestOn && isWorkingDay(calendar, ctx.now);
        await runStallCheck(deps.database, ctx.tx, deps.process, ctx.now, ctx.emit, { ownersCovered });
      },
    },
    ...(digestOn ? [{
      // My work: each rep's tasks due today (and overdue) and stalled customers, on working days only.
      name: 'morning_digest', time: digestTime,
      run: async (ctx: CronContext) => {
        const sent = await morningDigest(ctx.tx, { database: deps.database, process: deps.process, calendar }, {
          now: ctx.now, emit: (to, text) => ctx.emit(to, { type: 'text', text: text }),
        });
        ctx.log.info({ sent }, 'morning digest');
      },
    }] : []),
    {
      // R9: three weeks in a row under 60% confirmation → 《技术话术应答质检表》.
      name: 'confirmation_check', weekday: 1, time: '08:45',
      run: async (ctx) => {
        await runConfirmationCheck(deps.database, ctx.tx, ctx.now, ctx.emit);
      },
    },
  ];
  const cron = cronHandlers(jobs, wake);
  const worker = createTimerWorker({
    database: deps.database, outbox: deps.outbox, clock, log: deps.log, tasks, cron,
    onOutbox: () => runner.kick('outbox'), onFired: deps.onFired, leases: deps.leases,
  });
  const media = createMediaCache({ database: deps.database, client: deps.client, log: deps.log, clock, root: projectRoot() });
  return {
    calendar, tasks, worker, media, jobs,
    /** Registers another cron job (the review and dashboard features add theirs). Call before `start`. */
    addJob(job: CronJob) {
      jobs.push(job);
      cron.set(job.name, cronHandlers([job], wake).get(job.name)!);
    },
    ensureCron: () => ensureCron(deps.database, jobs, clock.now(), wake),
  };
}
