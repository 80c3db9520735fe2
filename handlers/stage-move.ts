/**
 * Moving a customer from chat (R1, R2): resolving a typed name, the stage card, and answering the actor. The move
 * itself (permission, verdict, audit row, tasks, notices) is the use case usecases/move.ts moveCustomer.
 */
import type { BotContext } from '../bot/context';
import { choiceCard, stageCard, stageCardDone, type CardTask, type CustomerFacts, type StageChoices } from '../cards/customer-cards';
import { ACTION } from '../cards/action-keys';
import { materialTexts } from '../cards/material-texts';
import { customerTexts as T } from '../cards/customer-texts';
import { describeFailures } from '../domain/describe-failure';
import { compactKey } from '../domain/text-normalize';
import { matchCustomers } from '../domain/customer-match';
import { findStage, openStages } from '../domain/stages';
import { evaluateTransition } from '../domain/transitions';
import type { ProcessDefinition, StageDef } from '../domain/types';
import { customersByNameKey, getCustomer, type CustomerRow, type EventSource } from '../store/customers';
import type { Tx } from '../store/db';
import { eq } from 'drizzle-orm';
import { findPerson } from '../store/people';
import { offices } from '../store/schema';
import { getFocus, setFocus } from '../store/focus';
import type { UseCaseDeps } from '../usecases/deps';
import { moveCustomer } from '../usecases/move';
import { mayMove, mayOverride, visibleCustomers } from '../usecases/permissions';
import { taskDef, taskHowTo } from '../usecases/tasks';
import { actorOf, callFrom } from './call';

/** What chat handlers of customers need: the use cases' dependencies (process, tasks, outbox, links). */
export type StageDeps = UseCaseDeps;

export { mayMove, mayOverride, visibleCustomers };

/** Resolves a typed customer name: one customer, or a choice card / a not-found reply (returns null then). */
export async function resolveCustomer(ctx: BotContext, query: string, keyFor: (id: number) => string, deps: StageDeps): Promise<CustomerRow | null>;
export async function resolveCustomer(ctx: BotContext, query: string, keyFor: (id: number) => string, deps: StageDeps, opts: { quietWhenNone: true }): Promise<CustomerRow | null | 'none'>;
export async function resolveCustomer(ctx: BotContext, query: string, keyFor: (id: number) => string, deps: StageDeps, opts: { quietWhenNone?: boolean } = {}): Promise<CustomerRow | null | 'none'> {
  const actor = await findPerson(ctx.tx, ctx.event.userId);
  const all = await visibleCustomers(ctx.tx, ctx.event.userId, actor);
  const m = matchCustomers(query, all.map((c) => ({ ...c, id: String(c.id) })));
  const one = m.exact ?? (m.candidates.length === 1 ? m.candidates[0] : undefined);
  if (one) {
    const c = all.find((x) => String(x.id) === one.customer.id) ?? null;
    // The customer the person works on now: 推到谈判, 退回, 下一步 without a name mean this one.
    if (c) await setFocus(ctx.tx, ctx.event.userId, c.id, ctx.now);
    return c;
  }
  if (m.candidates.length === 0) {
    // A colleague's customer, by its name: say whose it is, rather than "not found, create it" (a duplicate) or, for a
    // bare name, "not understood".
    const key = compactKey(query);
    const others = key ? await customersByNameKey(ctx.tx, key) : [];
    if (others.length) {
      const owners = [];
      for (const o of others) owners.push((await findPerson(ctx.tx, o.ownerId))?.name ?? o.ownerId);
      await ctx.say(T.othersCustomer(others[0]!.name, [...new Set(owners)].join('、')));
      return null;
    }
    if (opts.quietWhenNone) return 'none';
    await ctx.say(T.notFound(query));
    return null;
  }
  const cands = m.candidates.slice(0, 6).map((cm) => all.find((c) => String(c.id) === cm.customer.id)!);
  const described = [];
  for (const c of cands) {
    const owner = await findPerson(ctx.tx, c.ownerId);
    const office = c.officeId ? await ctx.tx.select({ name: offices.name }).from(offices).where(eq(offices.id, c.officeId)) : [];
    described.push({
      id: c.id, name: c.name, stageName: findStage(deps.process, c.stage)?.name ?? c.stage,
      ownerName: owner?.name ?? c.ownerId, officeName: office[0]?.name ?? null,
    });
  }
  await ctx.sendCard(choiceCard(query, described, keyFor));
  return null;
}

/**
 * The customer the person last worked on (a command without a name means it), while it is still theirs to work on:
 * the focus may be hours old, and the customer handed to someone else or merged since.
 */
export async function focusedCustomer(ctx: BotContext): Promise<CustomerRow | null> {
  const id = await getFocus(ctx.tx, ctx.event.userId, ctx.now);
  const c = id ? await getCustomer(ctx.tx, id) : null;
  if (!c || c.mergedInto !== null) return null;
  const me = ctx.event.userId;
  return mayMove(me, await findPerson(ctx.tx, me), c, await findPerson(ctx.tx, c.ownerId)) ? c : null;
}

export async function facts(tx: Tx, process: ProcessDefinition, c: CustomerRow): Promise<CustomerFacts> {
  const owner = await findPerson(tx, c.ownerId);
  const stage = findStage(process, c.stage) ?? { key: c.stage, name: c.stage };
  return { id: c.id, name: c.name, version: c.version, stage, ownerName: owner?.name ?? c.ownerId, stageEnteredAt: c.stageEnteredAt, industry: c.industry };
}

/**
 * What the card offers from here (guards are checked on click, with the evidence of that moment): the next stage
 * forward as the main button, and every other stage the policy allows — earlier stages (退回) and the outcomes
 * (已签约 asks for confirmation, 丢单 for a reason) — behind the select.
 */
export function stageChoices(process: ProcessDefinition, c: Pick<CustomerRow, 'stage' | 'stageEnteredAt' | 'fields'>, now: Date): StageChoices {
  const empty = { documents: [], lastCustomerMessageAt: null, forms: [] };
  const current = findStage(process, c.stage);
  const candidates = [...openStages(process), ...process.stages.filter((s) => s.outcome)];
  const allowed = candidates.filter((s) => {
    if (s.key === c.stage) return false;
    const r = evaluateTransition(process, { stage: c.stage, stageEnteredAt: c.stageEnteredAt, fields: c.fields }, s.key, empty, now,
      { reason: s.outcome === 'lost' ? '—' : null });
    return r.allowed || r.failures.every((f) => f.code === 'guard');
  });
  const forward = nextForward(process, c.stage);
  const fwd = forward && allowed.some((s) => s.key === forward.key) ? forward : null;
  const rank = (s: StageDef) => (s.outcome ? 100 + (s.outcome === 'won' ? 0 : 1) : current && (s.order ?? 0) < (current.order ?? 0) ? 50 - (s.order ?? 0) : s.order ?? 0);
  return { forward: fwd, others: allowed.filter((s) => s.key !== fwd?.key).sort((a, b) => rank(a) - rank(b)) };
}

/** The open stage right after the current one (null at the last open stage or when closed). */
export function nextForward(process: ProcessDefinition, stage: string): StageDef | null {
  const open = openStages(process);
  const i = open.findIndex((s) => s.key === stage);
  return i >= 0 ? open[i + 1] ?? null : null;
}

/** The open stage right before the current one (null at the first). */
export function previousStage(process: ProcessDefinition, stage: string): StageDef | null {
  const open = openStages(process);
  const i = open.findIndex((s) => s.key === stage);
  return i > 0 ? open[i - 1] ?? null : null;
}

export interface StageCardOptions { headline?: string; tasks?: readonly CardTask[]; taskId?: string }

export async function stageCardFor(ctx: BotContext, deps: StageDeps, c: CustomerRow, opts: StageCardOptions = {}) {
  // The stage's material pack (资料包), when it has one, is one more button.
  const extra = deps.hasPack?.(c) ? [{ text: materialTexts.pack.button, key: `pack:${c.id}` }] : [];
  return stageCard(await facts(ctx.tx, deps.process, c), stageChoices(deps.process, c, ctx.now), ctx.now, { ...opts, extra });
}

export async function sendStageCard(ctx: BotContext, deps: StageDeps, c: CustomerRow, headline?: string, tasks?: readonly CardTask[]): Promise<void> {
  await ctx.sendCard(await stageCardFor(ctx, deps, c, { headline, tasks }));
}

/** On a card click: the clicked card becomes the customer's new card (no new message); in chat: a new card. */
export async function answerWithStageCard(ctx: BotContext, deps: StageDeps, c: CustomerRow, opts: StageCardOptions = {}): Promise<void> {
  if (ctx.event.kind === 'card.action') {
    await ctx.updateCard({ type: 'replace', card: await stageCardFor(ctx, deps, c, { ...opts, taskId: ctx.event.card.id }) });
    return;
  }
  await ctx.sendCard(await stageCardFor(ctx, deps, c, opts));
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
  const reply = async (text: string) => (ctx.event.kind === 'card.action'
    ? ctx.updateCard({ type: 'replace', card: stageCardDone(await facts(tx, deps.process, c), text.split('\n')[0]!.slice(0, 60), now, ctx.event.card.id) }).then(() => ctx.say(text))
    : ctx.say(text));
  const target = findStage(deps.process, req.to);
  const from = findStage(deps.process, c.stage);
  const backward = !!target && !!from && !target.outcome && !from.outcome && (target.order ?? 0) < (from.order ?? 0);
  // The reply folds in the task the move opens, so the use case skips the separate at-open reminder.
  const r = await moveCustomer(callFrom(ctx, req.source), deps, {
    actor: actorOf(ctx), customer: c, to: req.to, reason: req.reason, override: req.override, expectedVersion: req.expectedVersion, announced: true,
  });
  switch (r.kind) {
    case 'not_allowed':
      await reply(T.notYours(c.name, r.owner?.name ?? c.ownerId));
      return false;
    case 'override_not_allowed':
      await reply(T.overrideNotAllowed);
      return false;
    case 'stale':
    case 'conflict':
      await answerWithStageCard(ctx, deps, r.kind === 'stale' ? r.customer : c, { headline: T.stale(c.name) });
      return false;
    case 'refused':
      await reply(backward ? T.refusedBack(c.name, r.target?.name ?? req.to, describeFailures(r.failures, c.name))
        : T.refused(c.name, r.target?.name ?? req.to, describeFailures(r.failures, c.name), r.needsUpload ? await deps.uploadLink(c.id, ctx.event.userId) : null, !!r.target?.outcome));
      return false;
    case 'not_found':
    case 'unknown_stage':
      return false;
    case 'moved': {
      const headline = r.forced ? T.forcedMoved(r.from.name, r.to.name)
        : r.to.outcome ? T.closedAs(r.to.name) : backward ? T.movedBack(r.from.name, r.to.name) : T.moved(r.from.name, r.to.name);
      // One reply: the stage card, with every task the move opened for the rep folded in (no separate prompt or at-open
      // reminder: the use case skipped those for all of them).
      const tasks: CardTask[] = r.opened.filter((t) => t.assigneeId.toLowerCase() === ctx.event.userId.toLowerCase()).map((t) => {
        const def = taskDef(deps.process, t.kind);
        return { name: def?.name ?? t.kind, dueAt: t.dueAt, howTo: taskHowTo(def, r.customer.name) };
      });
      await answerWithStageCard(ctx, deps, r.customer, { headline, tasks });
      return true;
    }
  }
}

export { ACTION };
