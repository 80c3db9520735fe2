/**
 * `<客户> 转给 <同事>`: a supervisor (of the current owner) or an admin hands a customer to another rep. The change
 * itself is the use case usecases/customers.ts changeOwner (logged in the history; both reps are told).
 */
import type { Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import { customerTexts as T } from '../cards/customer-texts';
import { changeOwner } from '../usecases/customers';
import { actorOf, callFrom } from './call';
import { resolveCustomer, type StageDeps } from './stage-move';

export function registerOwnership(router: Router, deps: StageDeps): void {
  router.command('hand_over', async (ctx, cmd) => {
    const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps);
    if (!c) return;
    const r = await changeOwner(callFrom(ctx), deps, { actor: actorOf(ctx), customer: c, to: cmd.to });
    switch (r.kind) {
      case 'not_allowed': return ctx.say(T.handOverNotAllowed);
      case 'ambiguous_person': return ctx.say(T.handOverAmbiguous(r.who));
      case 'unknown_person': return ctx.say(T.handOverUnknown(r.who));
      case 'same_owner': return ctx.say(T.handOverSameOwner(c.name, r.owner.name));
      case 'conflict': return ctx.say(T.handOverConflict(c.name));
      case 'not_found': return ctx.say(T.notFound(c.name));
      case 'changed': return ctx.say(T.handedOver(c.name, r.from?.name ?? c.ownerId, r.to.name));
    }
  });
}
