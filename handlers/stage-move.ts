/**
 * Moving a customer (R1, R2): permission, the engine's verdict, the optimistic version check, the audit row,
 * the reply card and the supervisor notice — all in the handler's transaction.
 */
import { eq } from 'drizzle-orm';
import type { BotContext } from '../bot/context';
import { choiceCard, stageCard, stageCardDone, stageChangeNotice, type CustomerFacts } from '../cards/customer-cards';
import { ACTION } from '../cards/action-keys';
import { materialTexts } from '../cards/material-texts';
import { customerTexts as T } from '../cards/customer-texts';
import { describeFailures } from '../domain/describe-failure';
import { isOverridable } from '../domain/failures';
import { matchCustomers } from '../domain/customer-match';
import { findStage, openStages } from '../domain/stages';
import { evaluateTransition } from '../domain/transitions';
import type { ProcessDefinition, StageDef } from '../domain/types';
import { changeStage, listCustomers, loadEvidence, recordRefusal, type CustomerRow, type EventSource } from '../store/customers';
import type { Tx } from '../store/db';
import { findPerson, type PersonRow } from '../store/people';
import { people } from '../store/schema';
import { applyTaskEvent, type TaskServiceDeps } from '../usecases/tasks';
import { cancelOpenTasks } from '../store/tasks';

export interface StageDeps {
  process: ProcessDefinition;
  /** Opens and closes tasks (timers) when a customer enters a stage. */
  tasks: TaskServiceDeps;
  /** Signed upload page link for a rep and a customer. */
  uploadLink(customerId: number, userId: string): string;
  /** A link to the customer's page (cards need a URL). */
  customerLink(customerId: number): string;
  /** Whether the customer's stage has a material pack (the stage card then shows a 资料包 button). */
  hasPack?(c: CustomerRow): boolean;
}

const isAdmin = (p: PersonRow | null | undefined) => !!p?.roles.includes('admin');

export async function ownerOf(tx: Tx, c: CustomerRow): Promise<PersonRow | null> {
  return findPerson(tx, c.ownerId);
}

/** WeCom userids are case-insensitive (some APIs answer them lower-cased), so are our comparisons. */
const sameUser = (a: string | null | undefined, b: string) => !!a && a.toLowerCase() === b.toLowerCase();

/** Owner, the owner's direct supervisor, or an admin may move a customer. */
export function mayMove(actorId: string, actor: PersonRow | null, c: CustomerRow, owner: PersonRow | null): boolean {
  return isAdmin(actor) || sameUser(c.ownerId, actorId) || sameUser(owner?.supervisorId, actorId);
}

/** Only the owner's supervisor or an admin may force a refused move. */
export function mayOverride(actorId: string, actor: PersonRow | null, owner: PersonRow | null): boolean {
  return isAdmin(actor) || sameUser(owner?.supervisorId, actorId);
}

/** The customers an actor may address by name: their own, their reps', or all for an admin. */
export async function visibleCustomers(tx: Tx, actorId: string, actor: PersonRow | null): Promise<CustomerRow[]> {
  if (isAdmin(actor)) return listCustomers(tx, { limit: 5000 });
  const reports = await tx.select({ id: people.userId }).from(people).where(eq(people.supervisorId, actorId));
  return listCustomers(tx, { ownerIds: [actorId, ...reports.map((r) => r.id)], limit: 5000 });
}

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

/** Performs a move request end to end. Returns true when the customer moved. */
export async function performMove(ctx: BotContext, deps: StageDeps, req: MoveRequest): Promise<boolean> {
  const { tx, now } = ctx;
  const actorId = ctx.event.userId;
  const c = req.customer;
  const actor = await findPerson(tx, actorId);
  const owner = await ownerOf(tx, c);
  const reply = async (text: string) => (ctx.event.kind === 'event.template_card_event'
    ? ctx.updateCard({ template_card: stageCardDone(await facts(tx, deps.process, c), text.split('\n')[0]!.slice(0, 60), now) }).then(() => ctx.say(text))
    : ctx.say(text));

  if (!mayMove(actorId, actor, c, owner)) {
    await reply(T.notYours(c.name, owner?.name ?? c.ownerId));
    return false;
  }
  if (req.override && !mayOverride(actorId, actor, owner)) {
    await reply(T.overrideNotAllowed);
    return false;
  }
  if (req.expectedVersion != null && req.expectedVersion !== c.version) {
    await ctx.say(T.stale(c.name));
    await sendStageCard(ctx, deps, c);
    return false;
  }
  const evidence = await loadEvidence(tx, c);
  const verdict = evaluateTransition(deps.process, { stage: c.stage, stageEnteredAt: c.stageEnteredAt, fields: c.fields },
    req.to, evidence, now, { reason: req.reason ?? req.override?.reason ?? null });
  const target = findStage(deps.process, req.to);
  const from = findStage(deps.process, c.stage);

  if (!verdict.allowed) {
    const overridable = req.override && verdict.failures.every(isOverridable);
    if (!overridable) {
      await recordRefusal(tx, { customer: c, to: req.to, actorId, source: req.source, failures: verdict.failures, processVersion: deps.process.version, note: req.override?.reason }, now);
      const needsUpload = verdict.failures.some((f) => f.code === 'guard' && f.kind === 'document');
      await reply(T.refused(c.name, target?.name ?? req.to, describeFailures(verdict.failures),
        needsUpload ? deps.uploadLink(c.id, actorId) : null));
      return false;
    }
  }
  if (!target || !from) return false;
  const moved = await changeStage(tx, {
    customer: c, to: target.key, actorId, source: req.source, processVersion: deps.process.version,
    kind: req.override && !verdict.allowed ? 'override' : 'stage_change',
    note: req.override?.reason ?? req.reason ?? null, failures: verdict.allowed ? null : verdict.failures,
  }, now);
  if (!moved) {
    await ctx.say(T.stale(c.name));
    return false;
  }
  await applyTaskEvent(tx, deps.tasks, { customerId: moved.id, event: { kind: 'stage_entered', stage: target.key }, actorId, now });
  if (target.outcome) await cancelOpenTasks(tx, moved.id, actorId, `customer ${target.outcome}`, now);
  const headline = T.moved(from.name, target.name);
  if (ctx.event.kind === 'event.template_card_event') {
    await ctx.updateCard({ template_card: stageCardDone(await facts(tx, deps.process, moved), headline, now) });
  }
  await sendStageCard(ctx, deps, moved, headline);
  await notifyChange(ctx, deps, { customer: moved, from, to: target, owner, actor, dwellMs: now.getTime() - c.stageEnteredAt.getTime(),
    override: req.override && !verdict.allowed ? req.override : undefined });
  return true;
}

async function notifyChange(ctx: BotContext, deps: StageDeps, x: {
  customer: CustomerRow; from: StageDef; to: StageDef; owner: PersonRow | null; actor: PersonRow | null; dwellMs: number; override?: { reason: string };
}): Promise<void> {
  const targets = x.override ? deps.process.notify.override : deps.process.notify.stageChange;
  const to = new Set<string>();
  for (const t of targets) {
    if (t === 'direct_supervisor' && x.owner?.supervisorId) to.add(x.owner.supervisorId);
    else if (t === 'owner') to.add(x.customer.ownerId);
    else if (t.startsWith('user:')) to.add(t.slice(5));
  }
  to.delete(ctx.event.userId); // the one who moved it already has the card
  if (!to.size) return;
  await ctx.send(stageChangeNotice({
    customer: x.customer, from: x.from, to: x.to, repName: x.owner?.name ?? x.customer.ownerId,
    actorName: x.actor?.name ?? ctx.event.userId, dwellMs: x.dwellMs, at: ctx.now, override: x.override,
    link: deps.customerLink(x.customer.id),
  }), [...to]);
}

export { ACTION };
