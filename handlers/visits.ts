/**
 * `<客户> 拜访结束`: the use case usecases/customers.ts endVisit logs the visit and opens the 48-hour post-visit task
 * (R7); the rep is answered with its deadline and deliverable.
 */
import type { Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import { customerTexts as T } from '../cards/customer-texts';
import { deliverableOf } from '../domain/tasks';
import { TEXTS_ZH } from '../domain/texts.zh';
import { endVisit } from '../usecases/customers';
import { actorOf, callFrom } from './call';
import { focusedCustomer, resolveCustomer, type StageDeps } from './stage-move';

export function registerVisits(router: Router, deps: StageDeps): void {
  router.command('visit_ended', async (ctx, cmd) => {
    // Without a name (拜访完了): the customer the rep last worked on.
    const c = cmd.customer ? await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps) : await focusedCustomer(ctx);
    if (!cmd.customer && !c) return ctx.say(T.whichCustomer);
    if (!c) return;
    // One reply: it names the task and its deadline, so no separate at-open reminder.
    const r = await endVisit(callFrom(ctx), deps, { actor: actorOf(ctx), customerId: c.id, announced: true });
    if (r.kind !== 'ended' || !r.task) return ctx.say(T.visitLogged(c.name));
    await ctx.say(T.visitTask(c.name, TEXTS_ZH.formatTime(r.task.dueAt), r.def?.name ?? r.task.kind, deliverableOf(r.def, c.name)));
  });
}
