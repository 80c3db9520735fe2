/**
 * Customer objections from chat (R10): `<客户> 异议 <内容>` is the use case recordObjection (a touchpoint of kind
 * `objection`, counted by the dashboard's word cloud). And `看板` (仪表盘, 流程看板): a signed dashboard link for
 * supervisors and admins (dashboardLinkFor). Both are entries of the command table (domain/command-table.ts).
 */
import type { Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import { dashboardTexts as T } from '../cards/dashboard-texts';
import { recordObjection } from '../usecases/customers';
import { dashboardLinkFor } from '../usecases/dashboard-link';
import { sharedSegmenter } from '../usecases/segmenter';
import { actorOf, callFrom } from './call';
import { resolveCustomer, type StageDeps } from './stage-move';

export interface ObjectionDeps extends StageDeps {
  /** A signed dashboard link for a person; without it the 看板 command is not offered. */
  dashboardLink?(userId: string): Promise<string>;
  /** How many days a dashboard link stays valid (said in the reply). */
  dashboardLinkDays?: number;
}

export function registerObjections(router: Router, deps: ObjectionDeps): void {
  router.command('dashboard', async (ctx, _cmd, next) => {
    if (!deps.dashboardLink) return next();
    const r = await dashboardLinkFor(callFrom(ctx, 'text'), { actor: actorOf(ctx), link: deps.dashboardLink });
    if (r.kind === 'not_manager') return ctx.say(T.link.notManager);
    return ctx.say(T.link.reply(r.url, deps.dashboardLinkDays ?? 3));
  });
  router.command('objection', async (ctx, cmd) => {
    if (!cmd.customer || !cmd.content) return ctx.say(T.objection.usage);
    const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps);
    if (!c) return;
    await recordObjection(callFrom(ctx, 'text'), deps, { actor: actorOf(ctx), customerId: c.id, text: cmd.content });
    let terms: string[] = [];
    try {
      terms = sharedSegmenter(ctx.log).terms(cmd.content);
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'objection words: segmentation failed');
    }
    ctx.log.info({ customerId: c.id, terms: terms.length }, 'objection recorded');
    return ctx.say(T.objection.recorded(c.name, terms));
  });
}
