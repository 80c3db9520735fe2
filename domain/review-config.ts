/**
 * The `review:` section of config/process.yaml (R7 sampling, R8 penetration and the weekly leaderboard, R11
 * follow-up quality): its zod schema, the defaults, and the `review` task definition the quality review reuses
 * from the task and timer machinery (due in 24 h, reminder 4 h before — i.e. at 20 h —, escalation to the
 * reviewer's direct supervisor when overdue). Pure: no I/O.
 */
import { z } from 'zod';
import { parseDuration } from './duration';
import { parseTime } from './schedule';
import type { TaskDef } from './task-schema';
import type { ProcessDefinition } from './types';

const duration = z.string().refine((v) => parseDuration(v) !== null, { error: 'invalid duration; write e.g. 24h, 30m, 1d' });
const positiveDuration = duration.refine((v) => (parseDuration(v) ?? 0) > 0, { error: 'must be longer than 0' });
const time = z.string().refine((v) => {
  try {
    parseTime(v);
    return true;
  } catch {
    return false;
  }
}, { error: 'invalid time; write HH:mm, e.g. 08:30' });
const key = z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'use lower-case letters, digits and _' });
const userId = z.string().trim().min(1).max(64);

/**
 * What makes a deliverable complete, per task type: required form fields (`worries:3` = a list of at least 3
 * items; `promise` = not empty) and a number of attached documents.
 */
const qualityRule = z.object({
  required: z.array(z.string().regex(/^[A-Za-z_][\w.]*(:\d+)?$/, { error: 'write a field name, optionally with :N for a list of at least N items' })).default([]),
  attachments: z.number().int().min(0).max(20).default(0),
  keywords: z.array(z.string().trim().min(1)).default([]),
}).strict();

const samplingSchema = z.object({
  /** Daily draw time (business time zone). The draw covers tasks finished the day before. */
  time: time.default('08:30'),
  /** Share of finished tasks drawn, 0–1 (0.05 = 5%). */
  share: z.number().gt(0).max(1).default(0.05),
  /** Task kinds eligible (empty = every kind except reviews themselves). */
  tasks: z.array(key).default([]),
  /** Who reviews: the rep's direct supervisor (直属上级), or a round-robin pool of reviewers. */
  reviewers: z.enum(['direct_supervisor', 'pool']).default('direct_supervisor'),
  /** Pool members (WeCom userids); empty = everyone with the `reviewer` role. Also the fallback of direct_supervisor. */
  pool: z.array(userId).default([]),
}).strict();

const leaderboardSchema = z.object({
  /** Weekly run: weekday 1 = Monday … 7 = Sunday, at `time` (business time zone). Covers the previous ISO week. */
  weekday: z.number().int().min(1).max(7).default(1),
  time: time.default('09:00'),
  /** On time = entering `to` within `within` of entering `from` (方案提交及时率: proposal within 24 h of the demo). */
  from: key.default('demo_done'),
  to: key.default('proposal_submitted'),
  within: positiveDuration.default('24h'),
  /** Reps with fewer cases in the week are not ranked (and the message says so). */
  minCases: z.number().int().min(1).default(3),
  /** A team is an office (办事处) or a supervisor with their direct reports. */
  team: z.enum(['office', 'supervisor']).default('office'),
  /** 方案陪写师 offered to the last: these userids in turn; empty = the team's best-ranked rep. */
  coaches: z.array(userId).default([]),
  /** How many are named at the top. */
  top: z.number().int().min(1).max(10).default(3),
}).strict();

export const reviewSchema = z.object({
  sampling: samplingSchema.default(samplingSchema.parse({})),
  /** A review is due this long after it is assigned. */
  due: positiveDuration.default('24h'),
  /** Reminder to the reviewer this long before the deadline (24h − 4h = at 20 h). */
  remindBefore: duration.default('4h'),
  /** When a review is overdue: the reviewer's direct supervisor, after this delay. */
  escalateAfter: duration.default('0m'),
  /** A text reply within this window after a score is the comment (评语). */
  commentWindow: positiveDuration.default('10m'),
  /** Quick tags on the scoring card (at most 9). */
  tags: z.array(z.string().trim().min(1).max(12)).max(9).default(['信息不全', '承诺不清', '时间不合理']),
  quality: z.object({
    weights: z.object({
      timeliness: z.number().min(0).default(40),
      completeness: z.number().min(0).default(30),
      keywords: z.number().min(0).default(30),
    }).strict().default({ timeliness: 40, completeness: 30, keywords: 30 }),
    /** Per task type (the task key): required fields, attachments and keywords. */
    tasks: z.record(key, qualityRule).default({}),
  }).strict().default({ weights: { timeliness: 40, completeness: 30, keywords: 30 }, tasks: {} }),
  /** R8 default pair and window of GET /api/metrics/penetration. */
  penetration: z.object({
    from: key.default('demo_done'),
    to: key.default('proposal_submitted'),
    window: positiveDuration.default('72h'),
  }).strict().default({ from: 'demo_done', to: 'proposal_submitted', window: '72h' }),
  leaderboard: leaderboardSchema.default(leaderboardSchema.parse({})),
}).strict();

export type ReviewSettings = z.output<typeof reviewSchema>;
export type QualityRule = z.output<typeof qualityRule>;

/** Built-in completeness/keyword rules for the shipped task types, used when the file says nothing about them. */
export const DEFAULT_QUALITY_RULES: Record<string, QualityRule> = {
  pain_point: { required: ['worries:3', 'deliverables', 'nextContactAt'], attachments: 0, keywords: [] },
  visit_followup: { required: [], attachments: 1, keywords: [] },
};

export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = reviewSchema.parse({});

/** The review settings of a process definition (the parsed `review:` section, or the defaults). */
export function reviewSettings(process: ProcessDefinition): ReviewSettings {
  const raw = (process as ProcessDefinition & { review?: ReviewSettings }).review;
  return raw ?? DEFAULT_REVIEW_SETTINGS;
}

export function qualityRuleFor(settings: ReviewSettings, taskKind: string): QualityRule {
  return settings.quality.tasks[taskKind] ?? DEFAULT_QUALITY_RULES[taskKind] ?? { required: [], attachments: 0, keywords: [] };
}

export const REVIEW_TASK_KIND = 'review';
export const REVIEW_FORM = 'review_score';

/**
 * The review as a task (kind `review`, assignee = reviewer): the timer worker then reminds, warns and escalates it
 * like any task. It is never opened by a customer event (its trigger names a form nobody submits); the daily draw
 * opens it, and the first score closes it (form `review_score`).
 */
export function reviewTaskDef(settings: ReviewSettings): TaskDef {
  return {
    key: REVIEW_TASK_KIND,
    name: '质检评分',
    trigger: { on: 'form_submitted', form: 'review_assigned' },
    deliverable: '为抽查的任务打分（1–5分），可选快捷标签和评语',
    form: REVIEW_FORM,
    due: { after: settings.due, workingTime: false },
    reminders: (parseDuration(settings.remindBefore) ?? 0) > 0 ? [{ before: settings.remindBefore }] : [],
    escalation: [{ after: settings.escalateAfter, to: 'direct_supervisor' }],
    closes: [{ form: REVIEW_FORM }],
  };
}

/**
 * Adds the `review` task definition to the process (once), unless the file defines its own `review` task.
 * The timer worker looks task definitions up in `process.tasks`, so this must run before it fires.
 */
export function installReviewTask(process: ProcessDefinition): TaskDef {
  const existing = process.tasks.find((t) => t.key === REVIEW_TASK_KIND);
  if (existing) return existing;
  const def = reviewTaskDef(reviewSettings(process));
  process.tasks.push(def);
  return def;
}

/** Cross-field problems (stage keys that do not exist), as `review.<path>: message`. */
export function checkReviewSettings(settings: ReviewSettings, process: ProcessDefinition): string[] {
  const stages = new Set(process.stages.map((s) => s.key));
  const problems: string[] = [];
  const stage = (path: string, k: string) => {
    if (!stages.has(k)) problems.push(`review.${path}: unknown stage "${k}"; expected one of: ${[...stages].join(', ')}`);
  };
  stage('penetration.from', settings.penetration.from);
  stage('penetration.to', settings.penetration.to);
  stage('leaderboard.from', settings.leaderboard.from);
  stage('leaderboard.to', settings.leaderboard.to);
  const taskKeys = new Set(process.tasks.map((t) => t.key));
  for (const k of settings.sampling.tasks) {
    if (!taskKeys.has(k)) problems.push(`review.sampling.tasks: unknown task "${k}"; expected one of: ${[...taskKeys].join(', ')}`);
  }
  return problems;
}
