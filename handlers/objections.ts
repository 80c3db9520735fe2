/**
 * Customer objections from chat (R10): `<客户> 异议 <内容>` stores a touchpoint of kind `objection` (customer → rep)
 * for the objection-word counts of the dashboard. And `看板` (仪表盘, 流程看板): a signed dashboard link for
 * supervisors and admins. Registered before the customer commands; anything else goes on with `next()`.
 */
import type { BotContext } from '../bot/context';
import type { TextMessage } from '../bot/wecom/events';
import type { Next, Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import { dashboardTexts as T } from '../cards/dashboard-texts';
import { managedScope } from '../domain/dashboard';
import { parseObjectionCommand } from '../domain/objections';
import { normalizeText } from '../domain/text-normalize';
import { addObjection } from '../store/analytics';
import { people } from '../store/schema';
import { sharedSegmenter } from '../usecases/segmenter';
import { LINK_DEFAULT_TTL_MS } from '../dashboard/access';
import { resolveCustomer, type StageDeps } from './stage-move';

export interface ObjectionDeps extends StageDeps {
  /** A signed dashboard link for a person; without it the 看板 command is not offered. */
  dashboardLink?(userId: string): string;
}

const DASHBOARD = /^(?:看板|仪表盘|数据看板|流程看板|健康看板|热力图)$/;

async function onText(ctx: BotContext<TextMessage>, next: Next, deps: ObjectionDeps): Promise<void> {
  const text = ctx.event.text;
  if (deps.dashboardLink && DASHBOARD.test(normalizeText(text))) {
    const org = await ctx.tx.select({
      userId: people.userId, officeId: people.officeId, roles: people.roles, supervisorId: people.supervisorId, active: people.active,
    }).from(people);
    const scope = managedScope(ctx.event.userId, org);
    if (scope.kind === 'none') return ctx.say(T.link.notManager);
    return ctx.say(T.link.reply(deps.dashboardLink(ctx.event.userId), Math.round(LINK_DEFAULT_TTL_MS / 86_400_000)));
  }
  const cmd = parseObjectionCommand(text);
  if (!cmd) return next();
  if (cmd.kind === 'incomplete') return ctx.say(T.objection.usage);
  const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps);
  if (!c) return;
  await addObjection(ctx.tx, { customerId: c.id, text: cmd.content, actorId: ctx.event.userId, at: ctx.now }, ctx.now);
  let terms: string[] = [];
  try {
    terms = sharedSegmenter(ctx.log).terms(cmd.content);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'objection words: segmentation failed');
  }
  ctx.log.info({ customerId: c.id, terms: terms.length }, 'objection recorded');
  return ctx.say(T.objection.recorded(c.name, terms));
}

export function registerObjections(router: Router, deps: ObjectionDeps): void {
  router.on('message.text', (ctx, next) => onText(ctx, next, deps));
}
