/**
 * `<客户> 转给 <同事>`: a supervisor (of the current owner) or an admin hands a customer to another rep. The change
 * is logged in the customer's history (kind `ownership`); both reps are told.
 */
import type { Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import { parseCommand } from '../domain/commands';
import { normalizeText } from '../domain/text-normalize';
import { changeOwner } from '../store/customers';
import { listPeople } from '../store/org';
import { findPerson } from '../store/people';
import { mayOverride, resolveCustomer, type StageDeps } from './stage-move';

const HAND_OVER = /^(.+?)\s*(?:转给|转交给|移交给|交给)\s*(.+)$/;

export function registerOwnership(router: Router, deps: StageDeps): void {
  router.on('message.text', async (ctx, next) => {
    const text = normalizeText(ctx.event.text).replace(/[。！!]+$/, '').trim();
    const m = HAND_OVER.exec(text);
    // Only a plain hand-over: "<客户> 留言 …交给法务…" is another command that happens to contain 交给.
    if (!m || !['unknown', 'name_only'].includes(parseCommand(text).kind) || m[2]!.trim().length > 20 || /\s/.test(m[2]!.trim())) return next();
    const c = await resolveCustomer(ctx, m[1]!.trim(), (id) => ACTION.show(id), deps);
    if (!c) return;
    const me = ctx.event.userId;
    const actor = await findPerson(ctx.tx, me);
    const owner = await findPerson(ctx.tx, c.ownerId);
    if (!mayOverride(me, actor, owner)) return ctx.say('抱歉，只有负责人的直属上级或管理员可以转移客户。');
    const who = m[2]!.trim();
    const candidates = (await listPeople(ctx.tx, {})).filter((p) => p.name === who || p.userId.toLowerCase() === who.toLowerCase());
    if (candidates.length !== 1) {
      return ctx.say(candidates.length ? `“${who}”对应多位同事，请写企业微信账号（userid）。` : `没有找到同事“${who}”。`);
    }
    const to = candidates[0]!;
    if (to.userId === c.ownerId) return ctx.say(`“${c.name}”已经由${to.name}负责。`);
    const moved = await changeOwner(ctx.tx, { customer: c, ownerId: to.userId, officeId: to.officeId, actorId: me, source: 'text' }, ctx.now);
    if (!moved) return ctx.say(`客户“${c.name}”刚刚已被他人更新，请再试一次。`);
    await ctx.say(`已将“${c.name}”从${owner?.name ?? c.ownerId}转给${to.name}。`);
    await ctx.send({ msgtype: 'text', text: { content: `${actor?.name ?? me}把客户“${c.name}”交给你负责，发送“查看 ${c.name}”了解当前进展。` } }, [to.userId]);
    if (owner && owner.userId !== me) {
      await ctx.send({ msgtype: 'text', text: { content: `${actor?.name ?? me}已把客户“${c.name}”转给${to.name}负责。` } }, [owner.userId]);
    }
  });
}
