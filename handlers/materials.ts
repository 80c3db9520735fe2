/**
 * Chat for material packs and the customer's side (R6, issue 13): `<客户> 资料包` (and the 资料包 button on the stage
 * card) sends the pack's numbered links; `绑定 <客户>` / `绑定 新客户 <名称> [行业]` binds the rep's latest WeCom
 * customer contact; the bind card and the duplicate-customer card's buttons; change_external_contact events. Each
 * turns into one use case call (usecases/). The phrasings are entries of the command table (domain/command-table.ts).
 */
import type { BotContext } from '../bot/context';
import type { Router } from '../bot/router';
import { parseMaterialAction } from '../cards/material-cards';
import { materialTexts as T } from '../cards/material-texts';
import { customerTexts as CT } from '../cards/customer-texts';
import { createCustomer } from '../usecases/customers';
import { resolveDuplicate } from '../usecases/duplicates';
import { bindExternalContact, onExternalContactEvent } from '../usecases/external-contacts';
import type { MaterialDeps } from '../usecases/material-deps';
import { sendPack } from '../usecases/send-pack';
import { actorOf, callFrom } from './call';
import { resolveCustomer, sendStageCard, type StageDeps } from './stage-move';

export type MaterialHandlerDeps = StageDeps & { materialDeps: Omit<MaterialDeps, 'emit'> };


const emitOf = (ctx: BotContext): MaterialDeps['emit'] => (to, m) => ctx.send(m, [...to]);
const depsOf = (ctx: BotContext, deps: MaterialHandlerDeps): MaterialDeps => ({ ...deps.materialDeps, emit: emitOf(ctx) });

async function pack(ctx: BotContext, deps: MaterialHandlerDeps, customerId: number) {
  const r = await sendPack(ctx.tx, depsOf(ctx, deps), { customerId, actorId: ctx.event.userId, source: ctx.event.kind === 'message.text' ? 'text' : 'card', now: ctx.now });
  await ctx.say(r.text);
}

export function registerMaterials(router: Router, deps: MaterialHandlerDeps): void {
  router.command('send_pack', async (ctx, cmd) => {
    const c = await resolveCustomer(ctx, cmd.customer, (id) => `pack:${id}`, deps);
    if (c) await pack(ctx, deps, c.id);
  });
  router.command('bind_contact', async (ctx, cmd) => {
    const me = ctx.event.userId;
    if (cmd.create) {
      // The one door for a new customer (usecases/customers.ts): the same checks, task and duplicate warning as 新客户.
      const { name, industry } = cmd.create;
      const made = await createCustomer(callFrom(ctx, 'text'), deps, { actor: actorOf(ctx), name, industry, announced: true });
      if (made.kind === 'not_in_org') return ctx.say(CT.notInOrg);
      if (made.kind === 'too_long') return ctx.say(CT.nameTooLong(made.what, made.max, made.length));
      const r = await bindExternalContact(ctx.tx, null, { contactId: null, customerId: made.customer.id, actorId: me, now: ctx.now });
      await ctx.say(r.text);
      return sendStageCard(ctx, deps, made.customer, made.kind === 'duplicate' ? CT.duplicate(name) : CT.created(made.customer.name, made.stage.name));
    }
    const c = await resolveCustomer(ctx, cmd.customer ?? '', (id) => `xbind:0:${id}`, deps);
    if (!c) return;
    const r = await bindExternalContact(ctx.tx, null, { contactId: null, customerId: c.id, actorId: me, now: ctx.now });
    return ctx.say(r.text);
  });
  router.action(/^(pack|xbind|xbindnew|dup):/, async (ctx) => {
    if (ctx.event.kind !== 'card.action') return;
    if (ctx.event.key.startsWith('xbindnew:')) return ctx.say(T.contact.usage);
    const a = parseMaterialAction(ctx.event.key);
    if (!a) return;
    if (a.kind === 'pack') return pack(ctx, deps, a.customerId);
    if (a.kind === 'bind') {
      const r = await bindExternalContact(ctx.tx, null, { contactId: a.contactId || null, customerId: a.customerId, actorId: ctx.event.userId, now: ctx.now });
      if (r.ok && a.contactId) await ctx.updateCard({ type: 'disable', label: `已绑定 ${r.customer.name}`.slice(0, 20) });
      return ctx.say(r.text);
    }
    const r = await resolveDuplicate(ctx.tx, { process: deps.process, emit: emitOf(ctx) }, {
      duplicateId: a.dupId, action: a.action, ownerId: a.action === 'assign' ? a.userId : null, actorId: ctx.event.userId, source: 'card', now: ctx.now,
    });
    if (r.ok) await ctx.updateCard({ type: 'disable', label: (a.action === 'dismiss' ? '已确认不重复' : '已合并').slice(0, 20) });
    return ctx.say(r.text);
  });

  router.on('external_contact.changed', async (ctx) => {
    const e = ctx.event;
    await onExternalContactEvent(ctx.tx, { emit: emitOf(ctx) }, {
      changeType: e.rawChange ?? e.change, memberUserId: e.memberUserId, externalUserId: e.externalUserId, at: new Date(e.createTime * 1000), now: ctx.now,
    });
  });
}
