/**
 * The zod schema of config/process.yaml. Shape only: cross-field rules (unknown stage references,
 * duplicates, outcomes) live in process-checks.ts so their errors can point at the exact field.
 *
 * Every object inside the file is strict: a misspelled key in a stage or a guard is an error with
 * its line, never silently ignored (a typo there would switch a rule off). The top level is strict
 * too, but reserves `tasks` for the timer section that another part of the system owns.
 */
import { z } from 'zod';
import { parseDuration } from './duration';
import { taskSchema } from './task-schema';
import { reviewSchema } from './review-config';

const stageKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, { error: 'stage keys use lower-case letters, digits and _ (e.g. first_call)' });

const duration = z
  .string()
  .refine((v) => parseDuration(v) !== null, { error: 'invalid duration; write e.g. 72h, 30m, 2d or 1h30m' });

const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });

function compiles(pattern: string, flags?: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

export const stageSchema = z
  .object({
    key: stageKey,
    name: nonEmpty,
    order: z.number().int().positive().optional(),
    outcome: z.enum(['won', 'lost']).optional(),
    reasonRequired: z.boolean().optional(),
    from: z.array(stageKey).optional(),
    description: z.string().optional(),
  })
  .strict();

const stagePair = z.object({ from: stageKey, to: stageKey }).strict();

const transitionsSchema = z
  .object({
    forward: z.boolean().default(true),
    skip: z.boolean().default(false),
    backward: z.boolean().default(true),
    reopen: z.boolean().default(false),
    allow: z.array(stagePair).default([]),
    deny: z.array(stagePair).default([]),
  })
  .strict();

const windowSchema = z
  .object({ after: z.enum(['customer_last_message', 'stage_entered']), within: duration.optional() })
  .strict();

const namePattern = z.union(
  [
    nonEmpty.transform((contains) => ({ contains })),
    z.object({ contains: nonEmpty }).strict(),
    z
      .object({ regex: nonEmpty, flags: z.string().regex(/^[imsu]*$/).optional() })
      .strict()
      .refine((p) => compiles(p.regex, p.flags), { error: 'regex does not compile' }),
  ],
  { error: 'expected a text, { contains: text } or { regex: pattern }' },
);

const guardBase = { from: stageKey.optional(), to: stageKey, hint: nonEmpty.optional() };

const guardSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...guardBase,
      kind: z.literal('document'),
      fileTypes: z.array(nonEmpty).min(1).optional(),
      name: namePattern.optional(),
      window: windowSchema.optional(),
      label: nonEmpty.optional(),
    })
    .strict(),
  z
    .object({ ...guardBase, kind: z.literal('form'), form: nonEmpty, label: nonEmpty.optional(), window: windowSchema.optional() })
    .strict(),
  z.object({ ...guardBase, kind: z.literal('field'), field: nonEmpty, label: nonEmpty.optional() }).strict(),
  z.object({ ...guardBase, kind: z.literal('min_time_in_stage'), duration }).strict(),
]);

export const GUARD_KINDS = ['document', 'form', 'field', 'min_time_in_stage'] as const;

const notifyTarget = z
  .string()
  .regex(/^(direct_supervisor|second_supervisor|owner|user:[\w.@-]+)$/, { error: 'expected direct_supervisor, second_supervisor, owner or user:<WeCom user id>' });

const notifySchema = z
  .object({
    stageChange: z.array(notifyTarget).default(['direct_supervisor']),
    /** Forced moves (强制推进): the owner, the owner's supervisor and the supervisor's own supervisor (总监) by default. */
    override: z.array(notifyTarget).default(['owner', 'direct_supervisor', 'second_supervisor']),
  })
  .strict();

/** The health dashboard (R4, R10): red-cell thresholds per stage and the objection-word jump rule. */
const shareSchema = z.number().min(0).max(1);
export const dashboardSchema = z
  .object({
    thresholds: z.record(stageKey, duration).default({}),
    objectionJump: z
      .object({ reach: shareSchema.default(0.3), below: shareSchema.default(0.15), minObjections: z.number().int().min(1).default(3) })
      .strict()
      .default({ reach: 0.3, below: 0.15, minObjections: 3 }),
  })
  .strict();

export const processSchema = z
  .object({
    version: z.union([nonEmpty, z.number()], { error: 'required: a text or a number' }).transform(String),
    stages: z.array(stageSchema).min(1),
    transitions: transitionsSchema.default(transitionsSchema.parse({})),
    guards: z.array(guardSchema).default([]),
    notify: notifySchema.default(notifySchema.parse({})),
    dashboard: dashboardSchema.optional(),
    tasks: z.array(taskSchema).default([]),
    /** Stall flags (R5): a customer in `stage` with no update for more than `days` calendar days is flagged. */
    stall: z.array(z.object({ stage: stageKey, days: z.number().int().positive(), flag: z.string().default('⚠️超期7天') }).strict())
      .default([]),
    /** Quality review (R7 sampling, R8 penetration and leaderboard, R11): see review-config.ts. */
    review: reviewSchema.optional(),
    /** My work (我的任务): the morning digest to each rep on working days, at `morningDigest` (HH:mm) or `off`. */
    myWork: z.object({
      morningDigest: z.string().regex(/^(?:off|(?:[01]?\d|2[0-3]):[0-5]\d)$/, { error: 'write HH:mm (e.g. 08:45) or off' }).default('08:45'),
    }).strict().default({ morningDigest: '08:45' }),
  })
  .strict();

export type ProcessSchemaOutput = z.output<typeof processSchema>;
