/**
 * Domain types of the process engine. Plain data only: the process definition (validated from
 * config/process.yaml), a customer's current state, the evidence a guard looks at, and the result
 * of evaluating a stage change. Nothing here knows about WeCom, the database or the wall clock.
 */

import type { TaskDef } from './task-schema';

/** A duration as written in configuration: `72h`, `30m`, `2d`, `90s`, `1h30m`. See duration.ts. */
export type DurationText = string;

/** The two outcomes that close a customer. */
export type Outcome = 'won' | 'lost';

export interface StageDef {
  /** Stable machine key (`negotiating`); stored in the database, never shown to reps. */
  key: string;
  /** zh-CN name shown to reps (`价格谈判中`). */
  name: string;
  /** Position in the journey (1, 2, ...). Present on open stages, absent on outcomes. */
  order?: number;
  /** Set on the two closing stages: `won` (已签约) and `lost` (已丢单). */
  outcome?: Outcome;
  /** Moving into this stage needs a reason (default for `lost`). */
  reasonRequired?: boolean;
  /** Outcomes only: the open stages it may be reached from (default: any open stage). */
  from?: string[];
  description?: string;
}

export interface StagePair {
  from: string;
  to: string;
}

/** How stage changes are allowed in general; explicit pairs win over the general policy. */
export interface TransitionPolicy {
  /** One stage forward (lead → first_call). */
  forward: boolean;
  /** Forward over one or more stages (lead → demo_done). */
  skip: boolean;
  /** Back to any earlier open stage (negotiating → proposal_submitted). */
  backward: boolean;
  /** Leave an outcome (won/lost → any stage). */
  reopen: boolean;
  /** Extra pairs allowed even if the policy forbids them. */
  allow: StagePair[];
  /** Pairs refused even if the policy or `allow` permits them (deny wins). */
  deny: StagePair[];
}

/** The event a time window is measured from. */
export type WindowAnchor = 'customer_last_message' | 'stage_entered';

/** Evidence must be dated in [anchor, anchor + within] (or simply ≥ anchor without `within`). */
export interface TimeWindow {
  after: WindowAnchor;
  within?: DurationText;
}

export type NamePattern = { contains: string } | { regex: string; flags?: string };

interface GuardBase {
  /** The stage being left; absent = any stage. */
  from?: string;
  /** The stage being entered. */
  to: string;
  /** zh-CN: how to fix it. A default is generated from the guard when absent. */
  hint?: string;
}

export interface DocumentGuard extends GuardBase {
  kind: 'document';
  /** Extensions (`pdf`, `docx`) or MIME types (`application/pdf`); any of them matches. */
  fileTypes?: string[];
  name?: NamePattern;
  window?: TimeWindow;
  /** zh-CN label of the document (`报价单`), used in default texts. */
  label?: string;
}

export interface FormGuard extends GuardBase {
  kind: 'form';
  form: string;
  label?: string;
  window?: TimeWindow;
}

export interface FieldGuard extends GuardBase {
  kind: 'field';
  field: string;
  label?: string;
}

export interface MinTimeInStageGuard extends GuardBase {
  kind: 'min_time_in_stage';
  duration: DurationText;
}

export type Guard = DocumentGuard | FormGuard | FieldGuard | MinTimeInStageGuard;
export type GuardKind = Guard['kind'];

/** Who hears about a change: the rep's direct supervisor, the rep, or a WeCom user (`user:zhangsan`). */
export type NotifyTarget = string;

export interface NotifyConfig {
  stageChange: NotifyTarget[];
  override: NotifyTarget[];
}

export interface DashboardSettings {
  /** Stage key → duration text (`96h`): a heatmap cell whose average is over it is red. */
  thresholds: Record<string, DurationText>;
  /** R10: a term reaching `reach` of an office's objections in a week when it was under `below` the week before. */
  objectionJump: { reach: number; below: number; minObjections: number };
}

export interface ProcessDefinition {
  /** Recorded on every stage change, so history says which rules applied. */
  version: string;
  stages: StageDef[];
  transitions: TransitionPolicy;
  guards: Guard[];
  notify: NotifyConfig;
  /** Health dashboard settings (R4 thresholds, R10 jump rule); see domain/dashboard.ts for the defaults. */
  dashboard?: DashboardSettings;
  /** Atomic actions with deadlines (R3, R7, R9); see task-schema.ts. */
  tasks: TaskDef[];
  /** Stall flags (R5), per stage. */
  stall: { stage: string; days: number; flag: string }[];
  /** My work: the morning digest time (HH:mm, Asia/Shanghai) or `off`; defaults to 08:45. */
  myWork?: { morningDigest: string };
}

/** A customer as the engine needs it. */
export interface CustomerState {
  stage: string;
  stageEnteredAt: Date;
  fields: Record<string, string | undefined | null>;
}

export interface EvidenceDocument {
  id: string;
  name: string;
  mimeType: string;
  uploadedAt: Date;
}

export interface EvidenceForm {
  kind: string;
  submittedAt: Date;
}

export interface Evidence {
  documents: EvidenceDocument[];
  lastCustomerMessageAt: Date | null;
  forms: EvidenceForm[];
}

export interface StageRef {
  key: string;
  name: string;
}
