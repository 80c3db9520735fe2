/**
 * After an upload: does THIS file satisfy the rule of the stage change it is for? Pure. The answer is what the
 * rep is told right away, so it never says "you can move now" when the next move would be refused (a .docx, a
 * file outside the 72 h window, a name without 报价单…).
 *
 * The moves considered are the ones a document guard governs from the customer's current stage (normally the
 * next stage forward). For each: the file alone against the guard, then the whole move with all the evidence.
 */
import { evaluateGuard, guardsFor } from './guards';
import { findStage, openStages, stageRef } from './stages';
import { evaluateTransition } from './transitions';
import type { CustomerState, DocumentGuard, Evidence, EvidenceDocument, ProcessDefinition, StageDef } from './types';
import type { Failure, GuardFailure } from './failures';

export type UploadVerdict =
  /** No document rule governs a move from here: the file is simply kept. */
  | { kind: 'no_rule' }
  /** The file satisfies the rule and the move is now allowed. */
  | { kind: 'ready'; to: StageDef; label: string }
  /** The file satisfies the rule, but the move still needs something else (listed). */
  | { kind: 'file_ok_more_needed'; to: StageDef; label: string; failures: Failure[] }
  /** The file does not satisfy the rule: why (the guard failure for this file alone). */
  | { kind: 'file_fails'; to: StageDef; label: string; failure: GuardFailure }
  /** This file does not satisfy the rule, but an earlier one does: the move is allowed anyway. */
  | { kind: 'file_fails_earlier_ok'; to: StageDef; label: string; failure: GuardFailure };

function labelOf(g: DocumentGuard): string {
  return g.label ?? (g.name && 'contains' in g.name ? g.name.contains : '所需文件');
}

export function uploadVerdict(process: ProcessDefinition, customer: CustomerState, evidence: Evidence, file: EvidenceDocument, now: Date): UploadVerdict {
  const from = findStage(process, customer.stage);
  if (!from || from.outcome) return { kind: 'no_rule' };
  const targets = [...openStages(process), ...process.stages.filter((s) => s.outcome)].filter((s) => s.key !== from.key);
  // Forward targets first: the rule a rep uploads for is almost always the next step.
  targets.sort((a, b) => Math.abs((a.order ?? 99) - ((from.order ?? 0) + 1)) - Math.abs((b.order ?? 99) - ((from.order ?? 0) + 1)));
  for (const to of targets) {
    const guards = guardsFor(process, from.key, to.key).filter((g): g is DocumentGuard => g.kind === 'document');
    if (!guards.length) continue;
    const fromRef = stageRef(from);
    const toRef = stageRef(to);
    const all = { ...evidence, documents: [...evidence.documents.filter((d) => d.id !== file.id), file] };
    const verdict = evaluateTransition(process, customer, to.key, all, now);
    for (const guard of guards) {
      const failure = evaluateGuard(guard, { customer, evidence: { ...evidence, documents: [file] }, now, from: fromRef, to: toRef });
      if (failure) return { kind: verdict.allowed ? 'file_fails_earlier_ok' : 'file_fails', to, label: labelOf(guard), failure };
    }
    const label = guards.map(labelOf).join('、');
    if (verdict.allowed) return { kind: 'ready', to, label };
    return { kind: 'file_ok_more_needed', to, label, failures: verdict.failures };
  }
  return { kind: 'no_rule' };
}
