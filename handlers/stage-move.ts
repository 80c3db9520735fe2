/**
 * Moving a customer (R1, R2): permission, the engine's verdict, the optimistic version check, the audit row,
 * the reply card and the supervisor notice — all in the handler's transaction.
 */
import { eq } from 'drizzle-orm';
import type { BotContext } from '../bot/context';
import { choiceCard, stageCard, stageCardDone, stageChangeNotice, type CardTask, type CustomerFacts, type StageChoices } from '../cards/customer-cards';
import { ACTION } from '../cards/action-keys';
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
import { offices, people } from '../store/schema';
import { applyTaskEvent, taskDef, taskHowTo, type TaskServiceDeps } from '../usecases/tasks';
import { cancelOpenTasks } from '../store/tasks';
import { setFocus } from '../store/focus';

export interface StageDeps {
  process: ProcessDefinition;
  /** Opens and closes tasks (timers) when a customer enters a stage. */
  tasks: TaskServiceDeps;
  /** Signed upload page link for a rep and a customer. */
  uploadLink(customerId: number, userId: string): string;
  /** A link to the customer's page; null without a public address (PUBLIC_BASE_URL), and cards then carry none. */
  customerLink(customerId: number): string | null;
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

export interface StageCardOptions { headline?: string; task?: CardTask | null; taskId?: string }

export async function stageCardFor(ctx: BotContext, deps: StageDeps, c: CustomerRow, opts: StageCardOptions = {}) {
  return stageCard(await facts(ctx.tx, deps.process, c), stageChoices(deps.process, c, ctx.now), ctx.now, opts);
}

export async function sendStageCard(ctx: BotContext, deps: StageDeps, c: CustomerRow, headline?: string, task?: CardTask | null): Promise<void> {
  await ctx.sendCard(await stageCardFor(ctx, deps, c, { headline, task }));
}

/** On a card click: the clicked card becomes the customer's new card (no new message); in chat: a new card. */
export async function answerWithStageCard(ctx: BotContext, deps: StageDeps, c: CustomerRow, opts: StageCardOptions = {}): Promise<void> {
  if (ctx.event.kind === 'event.template_card_event') {
    await ctx.updateCard({ template_card: await stageCardFor(ctx, deps, c, { ...opts, taskId: ctx.event.taskId }) });
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

/** Performs a move request end to end. Returns true when the customer moved. */
export async function performMove(ctx: BotContext, deps: StageDeps, req: MoveRequest): Promise<boolean> {
  const { tx, now } = ctx;
  const actorId = ctx.event.userId;
  const c = req.customer;
  const actor = await findPerson(tx, actorId);
  const owner = await ownerOf(tx, c);
  const reply = async (text: string) => (ctx.event.kind === 'event.template_card_event'
    ? ctx.updateCard({ template_card: stageCardDone(await facts(tx, deps.process, c), text.split('\n')[0]!.slice(0, 60), now, ctx.event.taskId) }).then(() => ctx.say(text))
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
    await answerWithStageCard(ctx, deps, c, { headline: T.stale(c.name) });
    return false;
  }
  const evidence = await loadEvidence(tx, c);
  const verdict = evaluateTransition(deps.process, { stage: c.stage, stageEnteredAt: c.stageEnteredAt, fields: c.fields },
    req.to, evidence, now, { reason: req.reason ?? req.override?.reason ?? null });
  const target = findStage(deps.process, req.to);
  const from = findStage(deps.process, c.stage);
  const backward = !!target && !!from && !target.outcome && !from.outcome && (target.order ?? 0) < (from.order ?? 0);

  if (!verdict.allowed) {
    const overridable = req.override && verdict.failures.every(isOverridable);
    if (!overridable) {
      await recordRefusal(tx, { customer: c, to: req.to, actorId, source: req.source, failures: verdict.failures, processVersion: deps.process.version, note: req.override?.reason }, now);
      const needsUpload = verdict.failures.some((f) => f.code === 'guard' && f.kind === 'document');
      await reply(backward ? T.refusedBack(c.name, target?.name ?? req.to, describeFailures(verdict.failures))
        : T.refused(c.name, target?.name ?? req.to, describeFailures(verdict.failures), needsUpload ? deps.uploadLink(c.id, actorId) : null));
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
    await answerWithStageCard(ctx, deps, c, { headline: T.stale(c.name) });
    return false;
  }
  const opened = await applyTaskEvent(tx, deps.tasks, { customerId: moved.id, event: { kind: 'stage_entered', stage: target.key }, actorId, now, announced: true });
  if (target.outcome) await cancelOpenTasks(tx, moved.id, actorId, `customer ${target.outcome}`, now);
  const headline = target.outcome ? T.closedAs(target.name) : backward ? T.movedBack(from.name, target.name) : T.moved(from.name, target.name);
  // One reply: the stage card, with the task the move opened folded in (no separate prompt or at-open reminder).
  const first = opened.find((t) => t.assigneeId.toLowerCase() === actorId.toLowerCase());
  const def = first ? taskDef(deps.process, first.kind) : undefined;
  const task: CardTask | null = first ? { name: def?.name ?? first.kind, dueAt: first.dueAt, howTo: taskHowTo(def, moved.name) } : null;
  await answerWithStageCard(ctx, deps, moved, { headline, task });
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
