/**
 * My work in chat: `我的任务` / `待办`, and for supervisors `团队`, `停滞`, `待评分` (usecases/my-work.ts). One reply each.
 * The phrasings are entries of the command table (domain/command-table.ts).
 */
import type { Router } from '../bot/router';
import { myTasks, reviewsWaiting, teamByStage, teamStalled, type MyWorkDeps } from '../usecases/my-work';

export function registerMyWork(router: Router, deps: MyWorkDeps): void {
  const input = (ctx: { event: { userId: string }; now: Date }) => ({ userId: ctx.event.userId, now: ctx.now });
  router.command('my_tasks', async (ctx) => ctx.say(await myTasks(ctx.tx, deps, input(ctx))));
  router.command('team', async (ctx) => ctx.say(await teamByStage(ctx.tx, deps, input(ctx))));
  router.command('stalled', async (ctx) => ctx.say(await teamStalled(ctx.tx, deps, input(ctx))));
  router.command('reviews_waiting', async (ctx) => ctx.say(await reviewsWaiting(ctx.tx, deps, input(ctx))));
}
