/**
 * Why a stage change was refused, as data. Cards and chat replies are built from these; every
 * failure carries what it needs to be explained on its own (stage names, the guard's config,
 * what was observed), so describeFailure() needs nothing but the failure.
 */
import type {
  DocumentGuard,
  EvidenceDocument,
  EvidenceForm,
  FieldGuard,
  FormGuard,
  MinTimeInStageGuard,
  Outcome,
  StageRef,
} from './types';

/** How a change relates to the journey's order. */
export type MoveKind = 'forward' | 'skip' | 'backward' | 'close' | 'reopen';

/** Why a document did not satisfy a document guard. */
export type DocumentProblem = 'type' | 'name' | 'too_early' | 'too_late';

export interface DocumentMiss {
  document: EvidenceDocument;
  problems: DocumentProblem[];
}

interface GuardFailureBase {
  code: 'guard';
  from: StageRef;
  to: StageRef;
  /** zh-CN: how to fix it (the guard's own hint, or the default for its kind). */
  hint: string;
}

export interface DocumentGuardFailure extends GuardFailureBase {
  kind: 'document';
  guard: DocumentGuard;
  /** `no_anchor`: the window needs an event (the customer's last message) that never happened. */
  reason: 'no_documents' | 'no_anchor' | 'no_match';
  anchor: Date | null;
  windowEnd: Date | null;
  documentCount: number;
  /** The document that came closest (fewest problems, then the newest), or null when none exists. */
  closest: DocumentMiss | null;
}

export interface FormGuardFailure extends GuardFailureBase {
  kind: 'form';
  guard: FormGuard;
  reason: 'missing' | 'no_anchor' | 'outside_window';
  anchor: Date | null;
  windowEnd: Date | null;
  /** The newest submission of that form, when there is one. */
  latest: EvidenceForm | null;
}

export interface FieldGuardFailure extends GuardFailureBase {
  kind: 'field';
  guard: FieldGuard;
  reason: 'missing';
  value: string | null | undefined;
}

export interface MinTimeGuardFailure extends GuardFailureBase {
  kind: 'min_time_in_stage';
  guard: MinTimeInStageGuard;
  reason: 'too_soon';
  enteredAt: Date;
  elapsedMs: number;
  requiredMs: number;
  /** The first instant the guard is satisfied. */
  allowedAt: Date;
}

export type GuardFailure = DocumentGuardFailure | FormGuardFailure | FieldGuardFailure | MinTimeGuardFailure;

export type Failure =
  /** The target is not a stage of the process. */
  | { code: 'unknown_stage'; input: string; options: (StageRef & { order?: number })[] }
  /** The customer's stored stage is not in the process (the configuration changed). */
  | { code: 'unknown_current_stage'; stage: string }
  | { code: 'same_stage'; stage: StageRef }
  /** The customer is already won/lost and reopening is not configured. */
  | { code: 'customer_closed'; stage: StageRef; outcome: Outcome }
  /**
   * The move is forbidden: by the general policy (skip/backward/forward switched off), by an
   * explicit `deny` pair, or because an outcome may only be reached from certain stages.
   */
  | {
      code: 'not_allowed';
      from: StageRef;
      to: StageRef;
      move: MoveKind;
      rule: 'policy' | 'deny' | 'outcome_from';
      /** Stages jumped over by a skip (empty otherwise). */
      skipped: StageRef[];
      /** For `outcome_from`: where the outcome may be reached from. */
      allowedFrom: StageRef[];
    }
  | { code: 'reason_required'; to: StageRef }
  | GuardFailure;

export type FailureCode = Failure['code'];

/**
 * Whether a forced move (强制推进, with a reason) may bypass this failure. Rules and guards may be
 * overridden; a nonsensical target (unknown, same stage) or a missing lost reason may not.
 */
export function isOverridable(failure: Failure): boolean {
  return failure.code === 'not_allowed' || failure.code === 'guard' || failure.code === 'customer_closed';
}
