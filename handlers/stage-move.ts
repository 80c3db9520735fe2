/**
 * Moving a customer from chat (R1, R2): resolving a typed name, the stage card, and answering the actor. The move
 * itself (permission, verdict, audit row, tasks, notices) is the use case usecases/move.ts moveCustomer.
 */
import type { BotContext } from '../bot/context';
import { choiceCard, stageCard, stageCardDone, type CustomerFacts } from '../cards/customer-cards';
import { ACTION } from '../cards/action-keys';
import { materialTexts } from '../cards/material-texts';
import { customerTexts as T } from '../cards/customer-texts';
import { describeFailures } from '../domain/describe-failure';
import { matchCustomers } from '../domain/customer-match';
import { findStage, openStages } from '../domain/stages';
import { evaluateTransition } from '../domain/transitions';
import type { ProcessDefinition, StageDef } from '../domain/types';
import type { CustomerRow, EventSource } from '../store/customers';
import type { Tx } from '../store/db';
import { findPerson } from '../store/people';
import type { UseCaseDeps } from '../usecases/deps';
import { moveCustomer } from '../usecases/move';
import { mayMove, mayOverride, visibleCustomers } from '../usecases/permissions';
import { actorOf, callFrom } from './call';

/** What chat handlers of customers need: the use cases' dependencies (process, tasks, outbox, links). */
export type StageDeps = UseCaseDeps;

export { mayMove, mayOverride, visibleCustomers };

/** Resolves a typed customer name: one customer, or a choice card / a not-found reply (returns null then). */
export async function resolveCustomer(ctx: BotContext, query: string, keyFor: (id: number) => string, deps: StageDeps): Promise<CustomerRow | null> {
  const actor = await findPerson(ctx.tx, ctx.event.userId);
  const all = await visibleCustomers(ctx.tx, ctx.event.userId, actor);
  const m = matchCustomers(query, all.map((c) => ({ ...c, id: String(c.id) })));
  if (m.exact) return all.find((c) => String(c.id) === m.exact!.customer.id) ?? null;
  if (m.candidates.length === 1) return all.find((c) => String(c.id) === m.candidates[0]!.customer.id) ?? null;
  if (m.candidates.length === 0) {
    await ctx.say(T.notFound(query));
    return null;
  }
  const cands = m.candidates.slice(0, 6).map((cm) => all.find((c) => String(c.id) === cm.customer.id)!);
  await ctx.sendCard(choiceCard(query, cands.map((c) => ({
    id: c.id, name: c.name, stageName: findStage(deps.process, c.stage)?.name ?? c.stage,
  })), keyFor));
  return null;
}

export async function facts(tx: Tx, process: ProcessDefinition, c: CustomerRow): Promise<CustomerFacts> {
  const owner = await findPerson(tx, c.ownerId);
  const stage = findStage(process, c.stage) ?? { key: c.stage, name: c.stage };
  return { id: c.id, name: c.name, version: c.version, stage, ownerName: owner?.name ?? c.ownerId, stageEnteredAt: c.stageEnteredAt, industry: c.industry };
}

/** Stages the policy allows from here (guards are checked on click, with the evidence of that moment). */
export function nextStages(process: ProcessDefinition, c: CustomerRow, now: Date): StageDef[] {
  const empty = { documents: [], lastCustomerMessageAt: null, forms: [] };
  const candidates = [...openStages(process), ...process.stages.filter((s) => s.outcome && s.outcome !== 'lost')];
  return candidates.filter((s) => {
    const r = evaluateTransition(process, { stage: c.stage, stageEnteredAt: c.stageEnteredAt, fields: c.fields }, s.key, empty, now);
    return r.allowed || r.failures.every((f) => f.code === 'guard');
  });
}

export async function sendStageCard(ctx: BotContext, deps: StageDeps, c: CustomerRow, headline?: string): Promise<void> {
  const extra = deps.hasPack?.(c) ? [{ text: materialTexts.pack.button, key: `pack:${c.id}` }] : [];
  await ctx.sendCard(stageCard(await facts(ctx.tx, deps.process, c), nextStages(deps.process, c, ctx.now), ctx.now, headline, extra));
}

export interface MoveRequest {
  customer: CustomerRow;
  to: string;
  source: EventSource;
  reason?: string | null;
  /** A forced move (强制推进): refused conditions are overridden and logged. */
  override?: { reason: string };
  /** The version the click was made on; a stale click is told the new state. */
  expectedVersion?: number | null;
}

/** A move asked for in chat: the use case decides and notifies; the actor is answered with cards. True when it moved. */
export async function performMove(ctx: BotContext, deps: StageDeps, req: MoveRequest): Promise<boolean> {
  const { tx, now } = ctx;
  const c = req.customer;
  const clicked = ctx.event.kind === 'event.template_card_event';
  const reply = async (text: string) => (clicked
    ? ctx.updateCard({ template_card: stageCardDone(await facts(tx, deps.process, c), text.split('\n')[0]!.slice(0, 60), now) }).then(() => ctx.say(text))
    : ctx.say(text));
  const r = await moveCustomer(callFrom(ctx, req.source), deps, {
    actor: actorOf(ctx), customer: c, to: req.to, reason: req.reason, override: req.override, expectedVersion: req.expectedVersion,
  });
  switch (r.kind) {
    case 'not_allowed':
      await reply(T.notYours(c.name, r.owner?.name ?? c.ownerId));
      return false;
    case 'override_not_allowed':
      await reply(T.overrideNotAllowed);
      return false;
    case 'stale':
      await ctx.say(T.stale(c.name));
      await sendStageCard(ctx, deps, c);
      return false;
    case 'refused':
      await reply(T.refused(c.name, r.target?.name ?? req.to, describeFailures(r.failures),
        r.needsUpload ? await deps.uploadLink(c.id, ctx.event.userId) : null));
      return false;
    case 'conflict':
      await ctx.say(T.stale(c.name));
      return false;
    case 'not_found':
    case 'unknown_stage':
      return false;
    case 'moved': {
      const headline = r.forced ? T.forcedMoved(r.from.name, r.to.name) : T.moved(r.from.name, r.to.name);
      if (clicked) await ctx.updateCard({ template_card: stageCardDone(await facts(tx, deps.process, r.customer), headline, now) });
      await sendStageCard(ctx, deps, r.customer, headline);
      return true;
    }
  }
}

export { ACTION };
