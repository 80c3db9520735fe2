/**
 * Moving a customer (R1, R2): forward, backward, forced (强制推进), or closing it won/lost. One function for chat
 * text, card buttons, the API and the sandbox: permission, the engine's verdict, the optimistic version check,
 * the audit row, the tasks the new stage opens and closes, and the change notices — in the caller's transaction.
 * What the actor is answered is the caller's business (a card in chat, JSON on the API), from the result.
 */
import { stageChangeNotice } from '../cards/customer-cards';
import { isOverridable } from '../domain/failures';
import type { Failure } from '../domain/failures';
import { findStage, openStages, outcomeStage } from '../domain/stages';
import { evaluateTransition } from '../domain/transitions';
import type { StageDef } from '../domain/types';
import { changeStage, getCustomer, loadEvidence, recordRefusal, type CustomerRow } from '../store/customers';
import { findPerson, type PersonRow } from '../store/people';
import { cancelOpenTasks, type TaskRow } from '../store/tasks';
import type { Call, UseCaseDeps } from './deps';
import { mayMove, mayOverride, sameUser, type Actor } from './permissions';
import { applyTaskEvent } from './tasks';

export interface MoveInput {
  actor: Actor;
  /** The customer (as read by the caller) or its id. */
  customer: CustomerRow | number;
  /** Target stage key. */
  to: string;
  /** Why (a lost reason, a won note, a backward move's reason). */
  reason?: string | null;
  /** A forced move (强制推进): refused conditions that may be overridden are, and the move is logged as forced. */
  override?: { reason: string };
  /** The version the click was made on; a stale click is told the new state. */
  expectedVersion?: number | null;
  /** The caller's answer shows the tasks the move opens (chat folds them into the stage card): no at-open reminder. */
  announced?: boolean;
}

export type MoveResult =
  | { kind: 'moved'; customer: CustomerRow; before: CustomerRow; from: StageDef; to: StageDef; forced: boolean; owner: PersonRow | null; notified: string[];
    /** The tasks the new stage opened (none when one of that kind was already running). */
    opened: TaskRow[] }
  | { kind: 'not_found' }
  | { kind: 'not_allowed'; customer: CustomerRow; owner: PersonRow | null }
  | { kind: 'override_not_allowed'; customer: CustomerRow }
  /** The click was made on an older version of the customer (someone moved it meanwhile). */
  | { kind: 'stale'; customer: CustomerRow }
  | { kind: 'refused'; customer: CustomerRow; target: StageDef | undefined; failures: Failure[]; needsUpload: boolean }
  /** Someone else moved it between our read and our write. */
  | { kind: 'conflict'; customer: CustomerRow }
  | { kind: 'unknown_stage'; customer: CustomerRow };

export async function moveCustomer(call: Call, deps: UseCaseDeps, input: MoveInput): Promise<MoveResult> {
  const { tx, now } = call;
  const c = typeof input.customer === 'number' ? await getCustomer(tx, input.customer) : input.customer;
  if (!c) return { kind: 'not_found' };
  const actorId = input.actor.userId;
  const actor = await findPerson(tx, actorId);
  const owner = await findPerson(tx, c.ownerId);
  if (!input.actor.trusted && !mayMove(actorId, actor, c, owner)) return { kind: 'not_allowed', customer: c, owner };
  if (input.override && !input.actor.trusted && !mayOverride(actorId, actor, owner)) return { kind: 'override_not_allowed', customer: c };
  if (input.expectedVersion != null && input.expectedVersion !== c.version) return { kind: 'stale', customer: c };

  const evidence = await loadEvidence(tx, c);
  const verdict = evaluateTransition(deps.process, { stage: c.stage, stageEnteredAt: c.stageEnteredAt, fields: c.fields },
    input.to, evidence, now, { reason: input.reason ?? input.override?.reason ?? null });
  const target = findStage(deps.process, input.to);
  const from = findStage(deps.process, c.stage);
  const forced = !!input.override && !verdict.allowed;
  if (!verdict.allowed && !(forced && verdict.failures.every(isOverridable))) {
    await recordRefusal(tx, { customer: c, to: input.to, actorId, source: call.source, failures: verdict.failures,
      processVersion: deps.process.version, note: input.override?.reason }, now);
    const needsUpload = verdict.failures.some((f) => f.code === 'guard' && f.kind === 'document');
    return { kind: 'refused', customer: c, target, failures: verdict.failures, needsUpload };
  }
  if (!target || !from) return { kind: 'unknown_stage', customer: c };
  const moved = await changeStage(tx, {
    customer: c, to: target.key, actorId, source: call.source, processVersion: deps.process.version,
    kind: forced ? 'override' : 'stage_change',
    note: input.override?.reason ?? input.reason ?? null, failures: verdict.allowed ? null : verdict.failures,
  }, now);
  if (!moved) return { kind: 'conflict', customer: c };
  // A forward move over stages (a skip, a forced move) has passed them: their closing rules apply too.
  const passed = openStages(deps.process)
    .filter((s) => !target.outcome && !from.outcome && (s.order ?? 0) > (from.order ?? 0) && (s.order ?? 0) < (target.order ?? 0)).map((s) => s.key);
  const opened = await applyTaskEvent(tx, deps.tasks, {
    customerId: moved.id, customer: moved, event: { kind: 'stage_entered', stage: target.key }, actorId, now, announced: input.announced, passed,
  });
  if (target.outcome) await cancelOpenTasks(tx, moved.id, actorId, `customer ${target.outcome}`, now);
  const notified = await notifyChange(call, deps, {
    customer: moved, from, to: target, owner, actorId, actorName: actor?.name ?? actorId,
    dwellMs: now.getTime() - c.stageEnteredAt.getTime(), override: forced ? input.override : undefined,
  });
  return { kind: 'moved', customer: moved, before: c, from, to: target, forced, owner, notified, opened };
}

/** Closes a customer: won (已签约) or lost (已丢单, with a reason). */
export async function closeCustomer(call: Call, deps: UseCaseDeps, input: Omit<MoveInput, 'to' | 'override'> & { outcome: 'won' | 'lost' }): Promise<MoveResult> {
  const target = outcomeStage(deps.process, input.outcome);
  const c = typeof input.customer === 'number' ? await getCustomer(call.tx, input.customer) : input.customer;
  if (!c) return { kind: 'not_found' };
  if (!target) return { kind: 'unknown_stage', customer: c };
  return moveCustomer(call, deps, { ...input, customer: c, to: target.key });
}

/**
 * Who hears of a change: the process's `notify` targets (a forced move has its own list: by default the owner,
 * the owner's supervisor and the supervisor's supervisor), never the one who made it (their answer is the card).
 */
async function notifyChange(call: Call, deps: UseCaseDeps, x: {
  customer: CustomerRow; from: StageDef; to: StageDef; owner: PersonRow | null; actorId: string; actorName: string; dwellMs: number;
  override?: { reason: string };
}): Promise<string[]> {
  const targets = x.override ? deps.process.notify.override : deps.process.notify.stageChange;
  const to = new Set<string>();
  for (const t of targets) {
    if (t === 'direct_supervisor' && x.owner?.supervisorId) to.add(x.owner.supervisorId);
    else if (t === 'second_supervisor' && x.owner?.supervisorId) {
      const sup = await findPerson(call.tx, x.owner.supervisorId);
      if (sup?.supervisorId) to.add(sup.supervisorId);
    } else if (t === 'owner') to.add(x.customer.ownerId);
    else if (t.startsWith('user:')) to.add(t.slice(5));
  }
  const recipients = [...to].filter((u) => !sameUser(u, x.actorId));
  if (!recipients.length) return [];
  await call.emit(recipients, stageChangeNotice({
    customer: x.customer, from: x.from, to: x.to, repName: x.owner?.name ?? x.customer.ownerId,
    actorName: x.actorName, dwellMs: x.dwellMs, at: call.now, override: x.override,
    link: deps.customerLink(x.customer.id),
  }));
  return recipients;
}
