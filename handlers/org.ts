/**
 * Keeps the org current between full syncs: WeCom's change_contact events (member created, updated or deleted;
 * department created, updated or deleted) are applied inside the handler's transaction. WeCom is asked first
 * (user/get, department/list), then the changes are written on ctx.tx.
 */
import type { WecomClient } from '../bot/api';
import type { Router } from '../bot/router';
import { applyContactChange } from '../schedulers/org-sync';

export interface OrgHandlerDeps {
  client: WecomClient;
}

export function registerOrg(router: Router, deps: OrgHandlerDeps): void {
  router.on('event.change_contact', async (ctx) => {
    const { changeType, subjectUserId, newUserId, departmentId } = ctx.event;
    const outcome = await applyContactChange(ctx.tx, deps.client, ctx.event, ctx.now, ctx.log);
    ctx.log.info({ changeType, subjectUserId, newUserId, departmentId, outcome }, 'contact change applied to the org');
  });
}
