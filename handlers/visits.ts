/**
 * `<客户> 拜访结束`: logs the visit and opens the 48-hour post-visit task (R7): the rep is reminded at once and the
 * deliverable (pain-point list + 3 solution drafts) is due 48 h later.
 */
import type { Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import { normalizeText } from '../domain/text-normalize';
import { TEXTS_ZH } from '../domain/texts.zh';
import { addTouchpoint } from '../store/customers';
import { resolveCustomer, type StageDeps } from './stage-move';
import { applyTaskEvent, taskDef } from '../usecases/tasks';

const VISIT_ENDED = /^(.+?)\s*(拜访结束|拜访完成|拜访完毕|结束拜访)$/;

export function registerVisits(router: Router, deps: StageDeps): void {
  router.on('message.text', async (ctx, next) => {
    const m = VISIT_ENDED.exec(normalizeText(ctx.event.text).replace(/[。！!]+$/, '').trim());
    if (!m) return next();
    const c = await resolveCustomer(ctx, m[1]!.trim(), (id) => ACTION.show(id), deps);
    if (!c) return;
    await addTouchpoint(ctx.tx, { customerId: c.id, direction: 'out', channel: 'visit', text: '拜访结束', actorId: ctx.event.userId, at: ctx.now }, ctx.now);
    const opened = await applyTaskEvent(ctx.tx, deps.tasks, { customerId: c.id, event: { kind: 'visit_ended' }, actorId: ctx.event.userId, now: ctx.now });
    if (!opened.length) return ctx.say(`已记录对“${c.name}”的拜访。`);
    const t = opened[0]!;
    const def = taskDef(deps.process, t.kind);
    await ctx.say(`已记录对“${c.name}”的拜访。请在 ${TEXTS_ZH.formatTime(t.dueAt)} 前完成「${def?.name ?? t.kind}」：${def?.deliverable ?? ''}`);
  });
}
