/**
 * `<客户> 拜访结束`: logs the visit and opens the 48-hour post-visit task (R7): the rep is reminded at once and the
 * deliverable (pain-point list + 3 solution drafts) is due 48 h later.
 */
import type { Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import { normalizeText } from '../domain/text-normalize';
import { TEXTS_ZH } from '../domain/texts.zh';
import { addTouchpoint, getCustomer } from '../store/customers';
import { getFocus } from '../store/focus';
import { customerTexts } from '../cards/customer-texts';
import { resolveCustomer, type StageDeps } from './stage-move';
import { applyTaskEvent, taskDef } from '../usecases/tasks';

/** `<客户> 拜访结束` and how reps say it (拜访完了, 刚拜访完, 见完客户了); without a name: the customer last worked on. */
export const VISIT_ENDED = /^(?:(.+?)\s*)?(?:拜访结束了?|拜访完成了?|拜访完毕|结束拜访|拜访完了|刚拜访完|见完客户了?)$/;

export function registerVisits(router: Router, deps: StageDeps): void {
  router.on('message.text', async (ctx, next) => {
    const m = VISIT_ENDED.exec(normalizeText(ctx.event.text).replace(/[。！!~]+$/, '').replace(/^(?:我)?(?:跟|和|去)?/, '').trim());
    if (!m) return next();
    const name = m[1]?.replace(/[\s,;:、]+$/, '').replace(/^(?:客户)/, '').trim();
    const focusId = name ? null : await getFocus(ctx.tx, ctx.event.userId, ctx.now);
    const c = name ? await resolveCustomer(ctx, name, (id) => ACTION.show(id), deps) : focusId ? await getCustomer(ctx.tx, focusId) : null;
    if (!name && !c) return ctx.say(customerTexts.whichCustomer);
    if (!c) return;
    await addTouchpoint(ctx.tx, { customerId: c.id, direction: 'out', channel: 'visit', text: '拜访结束', actorId: ctx.event.userId, at: ctx.now }, ctx.now);
    // One reply: it names the task and its deadline, so no separate at-open reminder.
    const opened = await applyTaskEvent(ctx.tx, deps.tasks, { customerId: c.id, event: { kind: 'visit_ended' }, actorId: ctx.event.userId, now: ctx.now, announced: true });
    if (!opened.length) return ctx.say(`已记录对“${c.name}”的拜访。`);
    const t = opened[0]!;
    const def = taskDef(deps.process, t.kind);
    await ctx.say(`已记录对“${c.name}”的拜访。请在 ${TEXTS_ZH.formatTime(t.dueAt)} 前完成「${def?.name ?? t.kind}」：${def?.deliverable ?? ''}`);
  });
}
