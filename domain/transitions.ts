/**
 * The transition engine: may this customer move to that stage now, given the evidence? Pure; the
 * answer lists EVERY failed condition as data (not just the first), so the rep can fix all at once.
 *
 * Order of checks: target and current stage exist and differ (these end the evaluation, nothing
 * else is meaningful), then the move itself (deny pairs, allow pairs, the general policy), the
 * reason an outcome may require, and finally each guard configured for the move.
 */
import type { Failure, MoveKind } from './failures';
import { evaluateGuard, guardsFor } from './guards';
import { findStage, openStages, stageRef } from './stages';
import type { CustomerState, Evidence, ProcessDefinition, StageDef } from './types';

export interface TransitionOptions {
  /** Why (required for stages with `reasonRequired`, e.g. 丢单原因). */
  reason?: string | null;
}

export type TransitionResult =
  | { allowed: true; move: MoveKind; from: StageDef; to: StageDef; processVersion: string }
  | { allowed: false; failures: Failure[] };

/** How `from → to` relates to the order of the journey. */
export function classifyMove(from: StageDef, to: StageDef): MoveKind {
  if (from.outcome) return 'reopen';
  if (to.outcome) return 'close';
  const diff = (to.order ?? 0) - (from.order ?? 0);
  if (diff === 1) return 'forward';
  return diff > 1 ? 'skip' : 'backward';
}

function hasPair(pairs: { from: string; to: string }[], from: StageDef, to: StageDef): boolean {
  return pairs.some((p) => p.from === from.key && p.to === to.key);
}

/** Structural check of the move, ignoring guards; null when allowed. */
function checkMove(process: ProcessDefinition, from: StageDef, to: StageDef, move: MoveKind): Failure | null {
  const policy = process.transitions;
  const between = (): StageDef[] =>
    openStages(process).filter((s) => (s.order ?? 0) > (from.order ?? 0) && (s.order ?? 0) < (to.order ?? 0));
  const refuse = (rule: 'policy' | 'deny' | 'outcome_from', allowedFrom: StageDef[] = []): Failure => ({
    code: 'not_allowed',
    from: stageRef(from),
    to: stageRef(to),
    move,
    rule,
    skipped: move === 'skip' ? between().map(stageRef) : [],
    allowedFrom: allowedFrom.map(stageRef),
  });

  if (hasPair(policy.deny, from, to)) return refuse('deny');
  if (hasPair(policy.allow, from, to)) return null;
  switch (move) {
    case 'reopen':
      return policy.reopen ? null : { code: 'customer_closed', stage: stageRef(from), outcome: from.outcome ?? 'won' };
    case 'close': {
      if (!to.from || to.from.includes(from.key)) return null;
      const allowed = (to.from ?? []).map((k) => findStage(process, k)).filter((s): s is StageDef => s !== undefined);
      return refuse('outcome_from', allowed);
    }
    default:
      return policy[move] ? null : refuse('policy');
  }
}

/**
 * Evaluates moving `customer` to stage `to` (a stage key; resolve user input with resolveStage first).
 * @param now the injected clock's time; used by time-based guards.
 */
export function evaluateTransition(
  process: ProcessDefinition,
  customer: CustomerState,
  to: string,
  evidence: Evidence,
  now: Date,
  opts: TransitionOptions = {},
): TransitionResult {
  const target = findStage(process, to);
  if (!target) {
    const options = [...openStages(process), ...process.stages.filter((s) => s.outcome)].map((s) => ({ ...stageRef(s), order: s.order }));
    return { allowed: false, failures: [{ code: 'unknown_stage', input: to, options }] };
  }
  const current = findStage(process, customer.stage);
  if (!current) return { allowed: false, failures: [{ code: 'unknown_current_stage', stage: customer.stage }] };
  if (current.key === target.key) return { allowed: false, failures: [{ code: 'same_stage', stage: stageRef(current) }] };

  const move = classifyMove(current, target);
  const failures: Failure[] = [];
  const moveFailure = checkMove(process, current, target, move);
  if (moveFailure) failures.push(moveFailure);
  if (target.reasonRequired && !opts.reason?.trim()) failures.push({ code: 'reason_required', to: stageRef(target) });

  const ctx = { customer, evidence, now, from: stageRef(current), to: stageRef(target) };
  for (const guard of guardsFor(process, current.key, target.key)) {
    const failure = evaluateGuard(guard, ctx);
    if (failure) failures.push(failure);
  }

  if (failures.length > 0) return { allowed: false, failures };
  return { allowed: true, move, from: current, to: target, processVersion: process.version };
}
