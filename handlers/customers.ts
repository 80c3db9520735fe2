/**
 * Customer commands from chat (grammar in domain/commands.ts): new customer, move, win/lose, override,
 * log a customer message, upload link, show, list. Card clicks on stage cards and choice cards too.
 */
import type { BotContext } from '../bot/context';
import type { TextEvent } from '../bot/channel';
import type { Next, Router } from '../bot/router';
import { ACTION, NO_CHOICE, STAGE_SELECT, parseAction } from '../cards/action-keys';
import { confirmWinCard, newTaskId } from '../cards/customer-cards';
import { setFocus } from '../store/focus';
import type { CardActionEvent } from '../bot/channel';
import type { StageDef } from '../domain/types';
import { customerTexts as T } from '../cards/customer-texts';
import type { ChatCommandOf } from '../domain/command-table';
import { openStages, outcomeStage, resolveStage, stageLabel } from '../domain/stages';
import { TEXTS_ZH } from '../domain/texts.zh';
import { getCustomer, listCustomers, type CustomerRow } from '../store/customers';
import { createCustomer, recordTouchpoint } from '../usecases/customers';
import { actorOf, callFrom } from './call';
import { findPerson } from '../store/people';
import { answerWithStageCard, facts, focusedCustomer, mayMove, nextForward, performMove, previousStage, resolveCustomer, sendStageCard, type StageDeps } from './stage-move';

function stageOptions(deps: StageDeps): string {
  return [...openStages(deps.process).map(stageLabel), ...deps.process.stages.filter((s) => s.outcome).map((s) => s.name)].join('、');
}

/** The named customer, or — when the message names none (推到谈判, 退回) — the one the person last worked on. */
async function customerOf(ctx: BotContext<TextEvent>, deps: StageDeps, name: string | null, keyFor: (id: number) => string): Promise<CustomerRow | null> {
  if (name) return resolveCustomer(ctx, name, keyFor, deps);
  const c = await focusedCustomer(ctx);
  if (!c) {
    await ctx.say(T.whichCustomer);
    return null;
  }
  return c;
}

async function moveTo(ctx: BotContext<TextEvent>, deps: StageDeps, customer: string | null, stageText: string, override?: { reason: string }): Promise<void> {
  const stage = resolveStage(deps.process, stageText);
  if (stage.status === 'not_found') return ctx.say(T.stageUnknown(stageText, stageOptions(deps)));
  if (stage.status === 'ambiguous') return ctx.say(T.stageAmbiguous(stageText, stage.candidates.map(stageLabel).join('、')));
  // A choice card can carry a plain move; an override needs its reason, so it shows the customer instead.
  const keyFor = (id: number) => (!override ? ACTION.move(id, stage.stage.key, '*') : ACTION.show(id));
  const c = await customerOf(ctx, deps, customer, keyFor);
  if (!c) return;
  await performMove(ctx, deps, { customer: c, to: stage.stage.key, source: 'text', override });
}

type CoreCommand = ChatCommandOf<(typeof CORE)[number]>;
const CORE = ['create_customer', 'move', 'move_next', 'move_back', 'override', 'win', 'lose', 'log_message', 'upload', 'show_customer',
  'name_only', 'cancel', 'list_customers', 'incomplete'] as const;

async function onText(ctx: BotContext<TextEvent>, cmd: CoreCommand, next: Next, deps: StageDeps): Promise<void> {
  const me = ctx.event.userId;
  switch (cmd.kind) {
    case 'create_customer': {
      // One reply: the stage card shows the opened task, so the use case skips the at-open reminder.
      const r = await createCustomer(callFrom(ctx, 'text'), deps, { actor: actorOf(ctx), name: cmd.name, industry: cmd.industry, announced: true });
      if (r.kind === 'not_in_org') return ctx.say(T.notInOrg);
      if (r.kind === 'too_long') return ctx.say(T.nameTooLong(r.what, r.max, r.length));
      await setFocus(ctx.tx, me, r.customer.id, ctx.now);
      if (r.kind === 'duplicate') return sendStageCard(ctx, deps, r.customer, T.duplicate(cmd.name)); // one reply: the card says it
      return sendStageCard(ctx, deps, r.customer, T.created(r.customer.name, r.stage.name));
    }
    case 'move':
      return moveTo(ctx, deps, cmd.customer, cmd.stage);
    case 'override':
      return moveTo(ctx, deps, cmd.customer, cmd.stage, { reason: cmd.reason });
    case 'move_next':
    case 'move_back': {
      const c = await customerOf(ctx, deps, cmd.customer, (id) => ACTION.show(id));
      if (!c) return;
      if (cmd.kind === 'move_back' && cmd.stage) return moveTo(ctx, deps, c.name === cmd.customer ? cmd.customer : null, cmd.stage);
      const current = deps.process.stages.find((s) => s.key === c.stage);
      // 已签约 / 已丢单: nothing comes next, unless the process lets a closed customer be reopened (then by naming the stage).
      if (current?.outcome) return ctx.say(T.closedCustomer(c.name, current.name, deps.process.transitions.reopen));
      const to = cmd.kind === 'move_next' ? nextForward(deps.process, c.stage) : previousStage(deps.process, c.stage);
      if (!to) return ctx.say(cmd.kind === 'move_next' ? T.noForward(c.name, current?.name ?? c.stage) : T.noBackward(c.name, current?.name ?? c.stage));
      await performMove(ctx, deps, { customer: c, to: to.key, source: 'text' });
      return;
    }
    case 'win': {
      // Irreversible: the answer is the card asking for the second tap (确认已签约), never the move itself.
      const target = outcomeStage(deps.process, 'won');
      if (!target) return next();
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.move(id, target.key, '*'), deps);
      if (!c) return;
      return ctx.sendCard(confirmWinCard(await facts(ctx.tx, deps.process, c), target, ctx.now, newTaskId(`cust${c.id}`)));
    }
    case 'lose': {
      const target = outcomeStage(deps.process, 'lost');
      if (!target) return next();
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps);
      if (!c) return;
      await performMove(ctx, deps, { customer: c, to: target.key, source: 'text', reason: cmd.reason });
      return;
    }
    case 'log_message': {
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps);
      if (!c) return;
      await recordTouchpoint(callFrom(ctx, 'text'), deps, { customerId: c.id, direction: 'in', channel: 'rep_log', text: cmd.content, actorId: me, at: ctx.now });
      return ctx.say(T.loggedMessage(c.name));
    }
    case 'upload': {
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.upload(id), deps);
      if (!c) return;
      return ctx.say(T.uploadHint(c.name, await deps.uploadLink(c.id, me)));
    }
    case 'show_customer': {
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps);
      if (!c) return;
      return sendStageCard(ctx, deps, c);
    }
    case 'name_only': {
      // Only a name: the customer's card when it is one (a choice card when several); otherwise not understood.
      const c = await resolveCustomer(ctx, cmd.customer, (id) => ACTION.show(id), deps, { quietWhenNone: true });
      if (c === 'none') return next();
      if (!c) return;
      return sendStageCard(ctx, deps, c);
    }
    case 'cancel':
      return ctx.say(T.nothingToCancel);
    case 'list_customers': {
      const mine = await listCustomers(ctx.tx, { ownerId: me });
      if (!mine.length) return ctx.say(T.listEmpty);
      const lines = mine.slice(0, 30).map((c) => `• ${c.name}（${deps.process.stages.find((s) => s.key === c.stage)?.name ?? c.stage}）`);
      return ctx.say([T.listTitle(mine.length), ...lines].join('\n'));
    }
    case 'incomplete':
      return ctx.say(`指令不完整，请这样写：\n${TEXTS_ZH.usage[cmd.command]}`);
  }
}

async function onClick(anyCtx: BotContext, deps: StageDeps): Promise<void> {
  if (anyCtx.event.kind !== 'card.action') return;
  const ctx = anyCtx as BotContext<CardActionEvent>;
  const event = ctx.event;
  const action = parseAction(event.key);
  if (!action) return;
  const c: CustomerRow | null = await getCustomer(ctx.tx, action.customerId);
  if (!c) return ctx.say(T.notFound(String(action.customerId)));
  if (action.kind !== 'move' && action.kind !== 'confirm') {
    // An old card (e.g. kept after the customer was handed over) must not reveal or open the customer to its holder.
    const me = event.userId;
    const [actor, owner] = [await findPerson(ctx.tx, me), await findPerson(ctx.tx, c.ownerId)];
    if (!mayMove(me, actor, c, owner)) return ctx.say(T.notYours(c.name, owner?.name ?? c.ownerId));
  }
  if (action.kind === 'show') return answerWithStageCard(ctx, deps, c);
  if (action.kind === 'upload') return ctx.say(T.uploadHint(c.name, await deps.uploadLink(c.id, event.userId)));
  if (action.kind === 'pick') {
    const choice = event.values[STAGE_SELECT]?.[0];
    const target = choice && choice !== NO_CHOICE ? deps.process.stages.find((s) => s.key === choice) : undefined;
    if (!target) return ctx.say(T.pickNothing);
    return moveFromCard(ctx, deps, c, target, action.version);
  }
  const target = deps.process.stages.find((s) => s.key === action.stage);
  if (!target) return ctx.say(T.stageUnknown(action.stage, stageOptions(deps)));
  // A move to an outcome from any card still asks first (已签约: a second tap; 丢单: a reason); `confirm` is that tap.
  if (action.kind === 'move') return moveFromCard(ctx, deps, c, target, action.version);
  await performMove(ctx, deps, { customer: c, to: target.key, source: 'card', expectedVersion: action.version });
}

/** A move chosen on a stage card: 已签约 asks for a second tap, 丢单 for a reason, the rest move at once. */
async function moveFromCard(ctx: BotContext<CardActionEvent>, deps: StageDeps, c: CustomerRow, target: StageDef, version: number | null): Promise<void> {
  if (version !== null && version !== c.version) {
    return performMove(ctx, deps, { customer: c, to: target.key, source: 'card', expectedVersion: version }).then(() => undefined);
  }
  if (target.outcome === 'won') {
    const f = await facts(ctx.tx, deps.process, c);
    return ctx.updateCard({ type: 'replace', card: confirmWinCard(f, target, ctx.now, ctx.event.card.id) });
  }
  if (target.outcome === 'lost') return ctx.say(T.lostNeedsReason(c.name, target.name));
  await performMove(ctx, deps, { customer: c, to: target.key, source: 'card', expectedVersion: version });
}

export function registerCustomers(router: Router, deps: StageDeps): void {
  for (const kind of CORE) router.command(kind, (ctx, cmd, next) => onText(ctx, cmd as CoreCommand, next, deps));
  router.action(/^(move|show|upload|pick|confirm):/, (ctx) => onClick(ctx, deps));
}
