/**
 * The `tasks:` section of config/process.yaml: atomic actions (R3, R7, R9). Each task has a trigger, one
 * deliverable, a deadline (optionally counted in working time), reminders, an escalation ladder, and what closes it.
 */
import { z } from 'zod';
import { parseDuration } from './duration';

const duration = z.string().refine((v) => parseDuration(v) !== null, { error: 'invalid duration; write e.g. 2h, 30m, 1d' });
const key = z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'use lower-case letters, digits and _' });

const triggerSchema = z.discriminatedUnion('on', [
  z.object({ on: z.literal('stage_entered'), stage: key }).strict(),
  z.object({ on: z.literal('form_submitted'), form: key }).strict(),
  z.object({ on: z.literal('visit_ended') }).strict(),
  /** A material pack (资料包) of the stage was sent to the customer (config/materials.yaml). */
  z.object({ on: z.literal('pack_sent'), stage: key }).strict(),
]);

const closeSchema = z.union([
  z.object({ form: key }).strict(),
  z.object({ stage_entered: key }).strict(),
  z.object({ document: z.object({ nameContains: z.string().min(1) }).strict() }).strict(),
  /** The stage's material pack was sent / every required item of it was opened by the customer (资料已接收). */
  z.object({ pack_sent: key }).strict(),
  z.object({ pack_opened: key }).strict(),
]);

/** Who receives an escalation: the direct supervisor, the next level up, or everyone with a role. */
const escalateTo = z.string().regex(/^(direct_supervisor|next_supervisor|role:(admin|reviewer|supervisor))$/, {
  error: 'expected direct_supervisor, next_supervisor or role:admin|reviewer|supervisor',
});

export const taskSchema = z.object({
  key,
  /** zh-CN name shown in cards (客户痛点记录). */
  name: z.string().trim().min(1),
  trigger: triggerSchema,
  /** What the rep must deliver, in zh-CN, shown in reminders (e.g. 客户痛点记录：3个担忧、承诺的交付物、下次联系时间). */
  deliverable: z.string().trim().min(1),
  /** The form that fulfils it, if the deliverable is a chat form. */
  form: key.optional(),
  due: z.object({ after: duration, workingTime: z.boolean().default(false) }).strict(),
  reminders: z.array(z.union([
    z.object({ before: duration }).strict(),
    z.object({ atOpen: z.literal(true) }).strict(),
  ])).default([]),
  escalation: z.array(z.object({ after: duration, to: escalateTo }).strict()).default([]),
  /** When due and still open: push an SOP document (R9) instead of, or as well as, escalating. */
  onDue: z.object({ sop: z.string().min(1), note: z.string().optional() }).strict().optional(),
  closes: z.array(closeSchema).min(1),
}).strict();

export type TaskDef = z.output<typeof taskSchema>;
export type TaskTrigger = TaskDef['trigger'];
