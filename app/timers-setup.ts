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
import { addDuration, coverage, parseCalendar, type WorkCalendar } from '../domain/working-time';
import type { TaskServiceDeps } from '../usecases/tasks';
import { createMediaCache } from '../bot/wecom/media';
import { cronHandlers, ensureCron, type CronJob } from '../schedulers/cron';
import type { JobRunner } from '../schedulers/runner';
import { runStallCheck } from '../usecases/stall';
import { runConfirmationCheck } from '../usecases/confirmation-sop';
import { createTimerWorker } from '../schedulers/timer-worker';
import type { Database } from '../store/db';
import type { OutboxRepo } from '../store/outbox';
import { projectRoot } from '../store/paths';
import type { TimerRow } from '../store/tasks';

export interface TimersSetupDeps {
  database: Database; outbox: OutboxRepo; client: WecomClient; clock: Clock; log: Logger; runner: JobRunner;
  process: ProcessDefinition; calendarFile?: string; link(customerId: number | null): string;
  onFired?(kind: string, lateMs: number): void;
}

export function loadCalendar(file: string, log: Logger, now: Date): WorkCalendar {
  const cal = parseCalendar(fs.readFileSync(file, 'utf8'), path.relative(process.cwd(), file) || file);
  const cover = coverage(cal);
  const year = localParts(now).year;
  if (year >= cover.toYear) log.warn({ file, ...cover }, 'the working-time calendar ends this year: add next year’s holidays');
  if (cover.provisionalYears.length) log.warn({ provisional: cover.provisionalYears }, 'the working-time calendar has provisional years: check them against the official notice');
  return cal;
}

export function setupTimers(deps: TimersSetupDeps) {
  const { runner, clock } = deps;
  const calendar = loadCalendar(deps.calendarFile ?? path.join(projectRoot(), 'config', 'calendar.yaml'), deps.log, clock.now());
  const wake = (timers: TimerRow[]) => {
    for (const t of timers) runner.kickAt('timers', t.fireAt, clock.now().getTime(), `timer-${t.id}`);
  };
  const tasks: TaskServiceDeps = {
    process: deps.process,
    addTime: (start, ms, working) => addDuration(working ? calendar : null, start, ms, working ? 'working' : 'calendar'),
    wake,
    link: deps.link,
  };
  const jobs: CronJob[] = [
    {
      name: 'stall_check', time: '09:00',
      run: async (ctx) => {
        await runStallCheck(deps.database, ctx.tx, deps.process, ctx.now, ctx.emit);
      },
    },
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
    onOutbox: () => runner.kick('outbox'), onFired: deps.onFired,
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
