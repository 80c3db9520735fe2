/**
 * Customer commands from chat (grammar in domain/commands.ts): new customer, move, win/lose, override,
 * log a customer message, upload link, show, list. Card clicks on stage cards and choice cards too.
 */
import type { BotContext } from '../bot/context';
import type { TextMessage } from '../bot/wecom/events';
import type { Next, Router } from '../bot/router';
import { ACTION, parseAction } from '../cards/action-keys';
import { customerTexts as T } from '../cards/customer-texts';
import { parseCommand } from '../domain/commands';
import { openStages, outcomeStage, resolveStage, stageLabel } from '../domain/stages';
import { TEXTS_ZH } from '../domain/texts.zh';
import { addTouchpoint, createCustomer, getCustomer, listCustomers, type CustomerRow } from '../store/customers';
import { findPerson } from '../store/people';
import { mayMove, performMove, resolveCustomer, sendStageCard, type StageDeps } from './stage-move';
import { applyTaskEvent } from '../usecases/tasks';
import { warnIfDuplicate } from '../usecases/duplicates';

function stageOptions(deps: StageDeps): string {
  return [...openStages(deps.process).map(stageLabel), ...deps.process.stages.filter((s) => s.outcome).map((s) => s.name)].join('、');
}

async function onText(ctx: BotContext<TextMessage>, next: Next, deps: StageDeps): Promise<void> {
  const cmd = parseCommand(ctx.event.text);
  const me = ctx.event.userId;
  switch (cmd.kind) {
    case 'create_customer': {
      const person = await findPerson(ctx.tx, me);
      if (!person) return ctx.say(T.notInOrg);
      const mine = await listCustomers(ctx.tx, { ownerId: person.userId });
      const dup = mine.find((c) => c.name === cmd.name);
      if (dup) {
        await ctx.say(T.duplicate(cmd.name));
        return sendStageCard(ctx, deps, dup);
      }
      const first = openStages(deps.process)[0]!;
      const c = await createCustomer(ctx.tx, {
        name: cmd.name, industry: cmd.industry, ownerId: person.userId, officeId: person.officeId, stage: first.key, source: 'text',
      }, ctx.now);
      await applyTaskEvent(ctx.tx, deps.tasks, { customerId: c.id, event: { kind: 'stage_entered', stage: first.key }, actorId: me, now: ctx.now });
      // Two reps, one customer: another rep's active customer of that name → the rep is warned, both supervisors asked.
      await warnIfDuplicate(ctx.tx, { process: deps.process, emit: (to, m) => ctx.send(m, to) }, { customer: c, now: ctx.now });
      return sendStageCard(ctx, deps, c, T.created(c.name, first.name));
    }
    case 'move':
    case 'override': {
      const stage = resolveStage(deps.process, cmd.stage);
      if (stage.status === 'not_found') return ctx.say(T.stageUnknown(cmd.stage, stageOptions(deps)));
      if (stage.status === 'ambiguous') return ctx.say(T.stageAmbiguous(cmd.stage, stage.candidates.map(stageLabel).join('、')));
      // A choice card can carry a plain move; an override needs its reason, so it shows the customer instead.
      const keyFor = (id: number) => (cmd.kind === 'move' ? ACTION.move(id, stage.stage.key, '*') : ACTION.show(id));
      const c = await resolveCustomer(ctx, cmd.customer, keyFor, deps);
      if (!c) return;
      await performMove(ctx, deps, { customer: c, to: stage.stage.key, source: 'text',
        override: cmd.kind === 'override' ? { reason: cmd.reason } : undefined });
      return;
    }
    case 'win':
    case 'lose': {
      const target = outcomeStage(deps.process, cmd.kind === 'win' ? 'won' : 'lost');
      if (!target) return next();
      const keyFor = (id: number) => (cmd.kind === 'win' ? ACTION.move(id, target.key, '*') : ACTION.show(id));
      const c = await resolveCustomer(ctx, cmd.customer, keyFor, deps);
      if (!c) return;
      await performMove(ctx, deps, { customer: c, to: target.key, source: 'text', reason: cmd.kind === 'lose' ? cmd.reason : cmd.note });
      return;
    }
    case 'log_message': {
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps);
      if (!c) return;
      await addTouchpoint(ctx.tx, { customerId: c.id, direction: 'in', channel: 'rep_log', text: cmd.content, actorId: me, at: ctx.now }, ctx.now);
      return ctx.say(T.loggedMessage(c.name));
    }
    case 'upload': {
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.upload(id), deps);
      if (!c) return;
      return ctx.say(T.uploadHint(c.name, deps.uploadLink(c.id, me)));
    }
    case 'show_customer': {
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps);
      if (!c) return;
      return sendStageCard(ctx, deps, c);
    }
    case 'list_customers': {
      const mine = await listCustomers(ctx.tx, { ownerId: me });
      if (!mine.length) return ctx.say(T.listEmpty);
      const lines = mine.slice(0, 30).map((c) => `• ${c.name}（${deps.process.stages.find((s) => s.key === c.stage)?.name ?? c.stage}）`);
      return ctx.say([T.listTitle(mine.length), ...lines].join('\n'));
    }
    case 'incomplete':
      return ctx.say(`指令不完整，请这样写：\n${TEXTS_ZH.usage[cmd.command]}`);
    case 'help':
      return next(); // the help handler answers, with the same list it gives for anything not understood
    default:
      return next();
  }
}

async function onClick(ctx: BotContext, deps: StageDeps): Promise<void> {
  if (ctx.event.kind !== 'event.template_card_event') return;
  const action = parseAction(ctx.event.eventKey);
  if (!action) return;
  const c: CustomerRow | null = await getCustomer(ctx.tx, action.customerId);
  if (!c) return ctx.say(T.notFound(String(action.customerId)));
  if (action.kind !== 'move') {
    // An old card (e.g. kept after the customer was handed over) must not reveal or open the customer to its holder.
    const me = ctx.event.userId;
    const [actor, owner] = [await findPerson(ctx.tx, me), await findPerson(ctx.tx, c.ownerId)];
    if (!mayMove(me, actor, c, owner)) return ctx.say(T.notYours(c.name, owner?.name ?? c.ownerId));
  }
  if (action.kind === 'show') return sendStageCard(ctx, deps, c);
  if (action.kind === 'upload') return ctx.say(T.uploadHint(c.name, deps.uploadLink(c.id, ctx.event.userId)));
  await performMove(ctx, deps, { customer: c, to: action.stage, source: 'card', expectedVersion: action.version });
}

export function registerCustomers(router: Router, deps: StageDeps): void {
  router.on('message.text', (ctx, next) => onText(ctx, next, deps));
  router.action(/^(move|show|upload):/, (ctx) => onClick(ctx, deps));
}
