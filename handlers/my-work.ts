/**
 * My work in chat: `我的任务` / `待办`, and for supervisors `团队`, `停滞`, `待评分` (usecases/my-work.ts). One reply each.
 */
import type { Router } from '../bot/router';
import { normalizeText } from '../domain/text-normalize';
import { myTasks, reviewsWaiting, teamByStage, teamStalled, type MyWorkDeps } from '../usecases/my-work';

/** The phrasings, whole message only (after normalising punctuation and a polite 请/帮我看看 around them). */
export const MY_WORK_COMMANDS: { kind: 'my_tasks' | 'team' | 'stalled' | 'reviews'; re: RegExp }[] = [
  { kind: 'my_tasks', re: /^(?:我的)?(?:任务|待办|待办事项|代办|任务列表|今日任务|今天的任务|今天任务)$/ },
  { kind: 'team', re: /^(?:我的)?团队(?:客户|情况|概况)?$/ },
  { kind: 'stalled', re: /^(?:团队)?(?:停滞|停滞客户|卡住的客户|超期客户)$/ },
  { kind: 'reviews', re: /^(?:待评分|待打分|我的评分|待质检|待我评分)$/ },
];

export function parseMyWork(text: string): 'my_tasks' | 'team' | 'stalled' | 'reviews' | null {
  const t = normalizeText(text).replace(/^(?:请|帮我)?(?:看看|看下|看一下|查看|查一下|查下|列出)?\s*/, '').replace(/[\s.?!。？！~]+$/, '').replace(/\s+/g, '');
  return MY_WORK_COMMANDS.find((c) => c.re.test(t))?.kind ?? null;
}

export function registerMyWork(router: Router, deps: MyWorkDeps): void {
  router.on('message.text', async (ctx, next) => {
    const kind = parseMyWork(ctx.event.text);
    if (!kind) return next();
    const input = { userId: ctx.event.userId, now: ctx.now };
    const text = kind === 'my_tasks' ? await myTasks(ctx.tx, deps, input)
      : kind === 'team' ? await teamByStage(ctx.tx, deps, input)
        : kind === 'stalled' ? await teamStalled(ctx.tx, deps, input)
          : await reviewsWaiting(ctx.tx, deps, input);
    await ctx.say(text);
  });
}
