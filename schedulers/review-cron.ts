/** The quality review's cron jobs: daily sampling and the weekly leaderboard (use cases in usecases/review-jobs.ts). */
import { runLeaderboard, runSampling, type ReviewJobDeps } from '../usecases/review-jobs';
import type { CronJob } from './cron';

/** The two cron jobs, timed by the `review:` section. */
export function reviewCronJobs(deps: ReviewJobDeps): CronJob[] {
  const s = deps.service.settings;
  return [
    { name: 'review_sampling', time: s.sampling.time, run: async (ctx) => void (await runSampling(deps, ctx)) },
    { name: 'review_leaderboard', time: s.leaderboard.time, weekday: s.leaderboard.weekday, run: async (ctx) => void (await runLeaderboard(deps, ctx)) },
  ];
}
