/**
 * Wires the quality review (R7, R8, R11) into the bot, kept apart from server.ts: checks the `review:` section,
 * installs the `review` task definition (so the timer worker reminds and escalates reviews), registers the daily
 * sampling and weekly leaderboard cron jobs, and builds the HTTP routes.
 */
import type express from 'express';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock';
import { checkReviewSettings, installReviewTask, reviewSettings } from '../domain/review-config';
import type { ProcessDefinition } from '../domain/types';
import { reviewDocKeys, reviewServiceDeps } from '../usecases/review-service';
import type { TaskServiceDeps } from '../usecases/tasks';
import type { DocumentBytes } from '../usecases/document-bytes';
import type { CronJob } from '../schedulers/cron';
import { reviewCronJobs } from '../schedulers/review-cron';
import type { Database } from '../store/db';
import type { OutboxRepo } from '../store/outbox';
import type { Config } from './config';
import { createReviewRoutes } from './review-routes';

export interface ReviewSetupDeps {
  database: Database;
  clock: Clock;
  log: Logger;
  config: Config;
  process: ProcessDefinition;
}

export function setupReviews(deps: ReviewSetupDeps) {
  const settings = reviewSettings(deps.process);
  const problems = checkReviewSettings(settings, deps.process);
  if (problems.length) throw new Error(problems.map((p) => `${deps.config.processConfig}: ${p}`).join('\n'));
  installReviewTask(deps.process);
  const serviceFor = (tasks: TaskServiceDeps) => reviewServiceDeps({ process: deps.process, tasks, config: deps.config });
  return {
    settings,
    /** The review service for a task service (handlers score with it; jobs and routes open reviews with it). */
    service: serviceFor,
    /** Registers review_sampling (daily) and review_leaderboard (weekly). Call before `start`. */
    registerJobs(timers: { addJob(job: CronJob): void; tasks: TaskServiceDeps }) {
      for (const job of reviewCronJobs({ database: deps.database, service: serviceFor(timers.tasks) })) timers.addJob(job);
    },
    routes(input: { tasks: TaskServiceDeps; outbox: OutboxRepo; documentBytes: DocumentBytes; onEnqueued(): void }): express.Router {
      return createReviewRoutes({
        database: deps.database, clock: deps.clock, log: deps.log, adminToken: deps.config.adminToken, outbox: input.outbox,
        service: serviceFor(input.tasks), docKeys: reviewDocKeys(deps.config), documentBytes: input.documentBytes, onEnqueued: input.onEnqueued,
      });
    },
  };
}
