/**
 * Stage lookups over a process definition: ordering, outcomes, and resolving what a rep typed
 * (`negotiating`, `价格谈判中`, `谈判`, `5`, `５`, `第五阶段`) to one stage, or to a list when ambiguous.
 */
import { compactKey, normalizeText, parseOrdinal } from './text-normalize';
import type { Outcome, ProcessDefinition, StageDef, StageRef } from './types';

export function findStage(process: ProcessDefinition, key: string): StageDef | undefined {
  return process.stages.find((s) => s.key === key);
}

/** Open (non-outcome) stages sorted by order. */
export function openStages(process: ProcessDefinition): StageDef[] {
  return process.stages.filter((s) => !s.outcome).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
}

export function outcomeStage(process: ProcessDefinition, outcome: Outcome): StageDef | undefined {
  return process.stages.find((s) => s.outcome === outcome);
}

export function isTerminal(stage: StageDef): boolean {
  return stage.outcome !== undefined;
}

export function stageRef(stage: StageDef): StageRef {
  return { key: stage.key, name: stage.name };
}

/** Display label for reps: `5 价格谈判中`, or just the name for an outcome. */
export function stageLabel(stage: StageDef): string {
  return stage.order !== undefined ? `${stage.order} ${stage.name}` : stage.name;
}

export type StageResolution =
  | { status: 'found'; stage: StageDef }
  | { status: 'ambiguous'; candidates: StageDef[] }
  | { status: 'not_found'; input: string };

/**
 * Resolves a rep's words to a stage. Tried in turn, first hit wins: key, exact name, order number,
 * then a unique part of a name or key. Several partial hits → `ambiguous` (the caller asks, never guesses).
 */
export function resolveStage(process: ProcessDefinition, input: string): StageResolution {
  const raw = normalizeText(input);
  const q = compactKey(raw);
  if (!q) return { status: 'not_found', input };

  const byKey = process.stages.find((s) => compactKey(s.key) === q);
  if (byKey) return { status: 'found', stage: byKey };
  const byName = process.stages.find((s) => compactKey(s.name) === q);
  if (byName) return { status: 'found', stage: byName };

  const ordinal = parseOrdinal(raw);
  if (ordinal !== null) {
    const byOrder = process.stages.find((s) => s.order === ordinal);
    return byOrder ? { status: 'found', stage: byOrder } : { status: 'not_found', input };
  }

  const partial = process.stages.filter(
    (s) => compactKey(s.name).includes(q) || (q.length >= 3 && /^[a-z0-9]+$/.test(q) && compactKey(s.key).includes(q)),
  );
  if (partial.length === 1) return { status: 'found', stage: partial[0] };
  if (partial.length > 1) return { status: 'ambiguous', candidates: partial };
  return { status: 'not_found', input };
}
