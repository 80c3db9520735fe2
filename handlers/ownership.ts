/**
 * `<客户> 转给 <同事>`: a supervisor (of the current owner) or an admin hands a customer to another rep. The change
 * itself is the use case usecases/customers.ts changeOwner (logged in the history; both reps are told).
 */
import type { Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import { customerTexts as T } from '../cards/customer-texts';
import { parseCommand } from '../domain/commands';
import { normalizeText } from '../domain/text-normalize';
import { changeOwner } from '../usecases/customers';
import { actorOf, callFrom } from './call';
import { resolveCustomer, type StageDeps } from './stage-move';

const HAND_OVER = /^(.+?)\s*(?:转给|转交给|移交给|交给)\s*(.+)$/;

export function registerOwnership(router: Router, deps: StageDeps): void {
  router.on('message.text', async (ctx, next) => {
    const text = normalizeText(ctx.event.text).replace(/[。！!]+$/, '').trim();
    const m = HAND_OVER.exec(text);
    // Only a plain hand-over: "<客户> 留言 …交给法务…" is another command that happens to contain 交给.
    if (!m || parseCommand(text).kind !== 'unknown' || m[2]!.trim().length > 20 || /\s/.test(m[2]!.trim())) return next();
    const c = await resolveCustomer(ctx, m[1]!.trim(), (id) => ACTION.show(id), deps);
    if (!c) return;
    const r = await changeOwner(callFrom(ctx), deps, { actor: actorOf(ctx), customer: c, to: m[2]!.trim() });
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
