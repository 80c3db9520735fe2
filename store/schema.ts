/**
 * One schema for PostgreSQL and embedded PGlite. Migrations in store/migrations are generated from this file
 * (`npm run db:generate`) and applied at start by store/migrate.ts.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial, boolean, customType, date, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex,
} from 'drizzle-orm/pg-core';

/** bytea: pg returns a Buffer, PGlite a Uint8Array; both become a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => Buffer.from(v),
});

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Every accepted callback, written before the 200 goes back. The dedupe key is unique. */
export const inbox = pgTable('inbox', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  dedupeKey: text('dedupe_key').notNull(),
  kind: text('kind').notNull(),
  userId: text('user_id').notNull(),
  payload: jsonb('payload').notNull(),
  status: text('status').notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: tz('next_attempt_at').notNull(),
  lockedUntil: tz('locked_until'),
  lastError: text('last_error'),
  receivedAt: tz('received_at').notNull(),
  handledAt: tz('handled_at'),
}, (t) => [
  uniqueIndex('inbox_dedupe_key_uq').on(t.dedupeKey),
  index('inbox_open_idx').on(t.status, t.nextAttemptAt).where(sql`status in ('pending','processing')`),
  index('inbox_user_open_idx').on(t.userId, t.id).where(sql`status in ('pending','processing')`),
  index('inbox_open_id_idx').on(t.id).where(sql`status in ('pending','processing')`),
]);

/** Every message the bot sends (or card it updates), one recipient a row, written in the transaction of the change that caused it. */
export const outbox = pgTable('outbox', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** The channel that delivers it (bot/channel.ts ChannelName); 'wecom' for every row before the channel seam. */
  channel: text('channel').notNull().default('wecom'),
  /** The channel's user id of the recipient (for card updates: the clicker whose copy changes). */
  recipient: text('recipient').notNull(),
  /** `message` (a send) or `card_update` (a card changed in place). */
  kind: text('kind').notNull(),
  /** The neutral message type (bot/channel.ts OutMessage['type']), or the update's type. */
  messageType: text('message_type').notNull(),
  body: jsonb('body').notNull(),
  /** One zh-CN line used when messages are merged into a digest. */
  summary: text('summary').notNull(),
  status: text('status').notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: tz('next_attempt_at').notNull(),
  lockedUntil: tz('locked_until'),
  lastError: text('last_error'),
  lastErrcode: integer('last_errcode'),
  /** What caused it, e.g. `inbox:42` or `timer:7`; for tracing and the ops API. */
  cause: text('cause'),
  /** The card's id (CardModel.id: WeCom task_id, DingTalk outTrackId), if the message is a card or updates one. */
  cardId: text('card_id'),
  /** The platform's handle to update the card (WeCom: the click's single-use response_code). */
  cardToken: text('card_token'),
  /** The platform's id of the sent message. */
  platformMsgId: text('platform_msg_id'),
  /** For rows merged into a digest: the digest row's id. */
  mergedInto: integer('merged_into'),
  createdAt: tz('created_at').notNull(),
  sentAt: tz('sent_at'),
}, (t) => [
  index('outbox_open_idx').on(t.status, t.nextAttemptAt).where(sql`status in ('pending','sending')`),
  index('outbox_recipient_sent_idx').on(t.recipient, t.sentAt).where(sql`status = 'sent'`),
  index('outbox_recipient_open_idx').on(t.recipient, t.id).where(sql`status in ('pending','sending')`),
  index('outbox_card_idx').on(t.cardId),
]);

/** Offices (办事处), from WeCom departments or PUT /api/org. */
export const offices = pgTable('offices', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  parentId: text('parent_id'),
  updatedAt: tz('updated_at').notNull(),
});

/** People and their roles; the direct supervisor (直属上级) comes from WeCom's direct_leader. */
export const people = pgTable('people', {
  userId: text('user_id').primaryKey(),
  name: text('name').notNull(),
  officeId: text('office_id'),
  /** Any of rep, supervisor, reviewer, admin. */
  roles: jsonb('roles').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  supervisorId: text('supervisor_id'),
  active: boolean('active').notNull().default(true),
  updatedAt: tz('updated_at').notNull(),
});

/** Small durable facts that are not worth a table (e.g. uploaded media ids). */
export const appState = pgTable('app_state', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: tz('updated_at').notNull(),
});

/** Customers (客户). `version` is the optimistic lock for stage changes. */
export const customers = pgTable('customers', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  name: text('name').notNull(),
  industry: text('industry'),
  ownerId: text('owner_id').notNull(),
  officeId: text('office_id'),
  stage: text('stage').notNull(),
  stageEnteredAt: tz('stage_entered_at').notNull(),
  /** Free fields a `field` guard may require (industry is mirrored here too). */
  fields: jsonb('fields').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
  version: integer('version').notNull().default(1),
  lastCustomerMessageAt: tz('last_customer_message_at'),
  /** Set when a supervisor merged this customer into another (its history stays under this id). */
  mergedInto: integer('merged_into'),
  createdAt: tz('created_at').notNull(),
  updatedAt: tz('updated_at').notNull(),
}, (t) => [
  index('customers_owner_idx').on(t.ownerId),
  index('customers_office_stage_idx').on(t.officeId, t.stage),
]);

/**
 * The audit trail (修改留痕), append-only: stage changes, refusals (with the failed conditions as data),
 * overrides, ownership changes, creation.
 */
export const customerEvents = pgTable('customer_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  customerId: integer('customer_id').notNull(),
  /** created | stage_change | refusal | override | ownership */
  kind: text('kind').notNull(),
  fromStage: text('from_stage'),
  toStage: text('to_stage'),
  actorId: text('actor_id').notNull(),
  /** text | card | api */
  source: text('source').notNull(),
  note: text('note'),
  failures: jsonb('failures'),
  processVersion: text('process_version'),
  /** Time spent in the stage being left, in seconds (stage changes). */
  dwellSeconds: integer('dwell_seconds'),
  at: tz('at').notNull(),
}, (t) => [
  index('customer_events_customer_idx').on(t.customerId, t.id),
  // The dashboard's dwell and funnel queries scan stage events by time.
  index('customer_events_stage_at_idx').on(t.at).where(sql`kind in ('created','stage_change','override')`),
  // customer_events_to_stage_at_idx (to_stage, at) INCLUDE (customer_id, kind) is created by the hand-written
  // migration 0004: drizzle cannot declare INCLUDE columns.
]);

/**
 * Per business day (Asia/Shanghai), office and stage: the stays that ended that day (count and seconds), split by
 * the day the same customer last left the same stage before (null: never). Kept by triggers on customer_events and
 * customers (migration 0006, which also declares the unique key on the coalesced columns); read by the heatmap.
 */
export const stageDwellDaily = pgTable('stage_dwell_daily', {
  day: date('day', { mode: 'string' }).notNull(),
  officeId: text('office_id'),
  stage: text('stage').notNull(),
  prevDay: date('prev_day', { mode: 'string' }),
  leaves: integer('leaves').notNull(),
  secs: numeric('secs').notNull(),
});

/** Each customer's last entry into and last exit from each stage (migration 0006 triggers keep it). */
export const customerStageMarks = pgTable('customer_stage_marks', {
  customerId: integer('customer_id').notNull(),
  stage: text('stage').notNull(),
  lastEnteredAt: tz('last_entered_at'),
  lastLeftAt: tz('last_left_at'),
}, (t) => [primaryKey({ columns: [t.customerId, t.stage] })]);

/** Documents attached to a customer (e.g. 报价单). The file itself is kept in `content`. */
export const documents = pgTable('documents', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  customerId: integer('customer_id').notNull(),
  name: text('name').notNull(),
  mimeType: text('mime_type').notNull(),
  size: integer('size').notNull(),
  sha256: text('sha256').notNull(),
  uploaderId: text('uploader_id').notNull(),
  source: text('source').notNull(),
  uploadedAt: tz('uploaded_at').notNull(),
  content: bytea('content'),
}, (t) => [index('documents_customer_idx').on(t.customerId)]);

/** Communication records (沟通记录): customer→rep (`in`) or rep→customer (`out`). */
export const touchpoints = pgTable('touchpoints', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  customerId: integer('customer_id').notNull(),
  /** message | objection (客户异议, counted for R10) | visit | call | note */
  kind: text('kind').notNull().default('message'),
  direction: text('direction').notNull(),
  channel: text('channel').notNull(),
  text: text('text'),
  actorId: text('actor_id'),
  at: tz('at').notNull(),
  createdAt: tz('created_at').notNull(),
}, (t) => [index('touchpoints_customer_idx').on(t.customerId, t.at), index('touchpoints_kind_at_idx').on(t.kind, t.at)]);

/** Form submissions (e.g. pain_point 客户痛点记录), versioned, append-only. */
export const forms = pgTable('forms', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  customerId: integer('customer_id').notNull(),
  kind: text('kind').notNull(),
  version: integer('version').notNull(),
  data: jsonb('data').notNull(),
  submittedBy: text('submitted_by').notNull(),
  submittedAt: tz('submitted_at').notNull(),
}, (t) => [index('forms_customer_idx').on(t.customerId, t.kind)]);

/**
 * Tasks (atomic actions, R3/R7/R9): a trigger opened them, they have one deliverable and a hard deadline.
 * `kind` is the task key from the process definition (e.g. pain_point).
 */
export const tasks = pgTable('tasks', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  kind: text('kind').notNull(),
  customerId: integer('customer_id'),
  assigneeId: text('assignee_id').notNull(),
  /** open | done | cancelled */
  status: text('status').notNull().default('open'),
  /** What opened it, e.g. `stage:first_call`, `visit_ended`, `cron`. */
  trigger: text('trigger').notNull(),
  openedAt: tz('opened_at').notNull(),
  dueAt: tz('due_at').notNull(),
  closedAt: tz('closed_at'),
  closedBy: text('closed_by'),
  /** What closed it: a form id, document ids… */
  deliverable: jsonb('deliverable'),
  /** Highest escalation level reached (0 = none; 1 = direct supervisor; 2 = next level). */
  escalationLevel: integer('escalation_level').notNull().default(0),
  /** Set when a supervisor marked the warning handled (已处理). */
  handledAt: tz('handled_at'),
  handledBy: text('handled_by'),
  version: integer('version').notNull().default(1),
}, (t) => [
  index('tasks_open_idx').on(t.status, t.dueAt),
  index('tasks_customer_idx').on(t.customerId, t.kind),
  index('tasks_assignee_idx').on(t.assigneeId, t.status),
  /** One open task of a kind per customer (migration 0008; reviews excepted: one per review). */
  uniqueIndex('tasks_one_open_per_kind').on(t.customerId, t.kind)
    .where(sql`${t.status} = 'open' AND ${t.customerId} IS NOT NULL AND ${t.kind} <> 'review'`),
]);

/** What happened to a task, append-only: reminded, warned, nudged (催办), extended (延期), handled, escalated. */
export const taskEvents = pgTable('task_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  taskId: integer('task_id').notNull(),
  kind: text('kind').notNull(),
  actorId: text('actor_id'),
  note: text('note'),
  data: jsonb('data'),
  at: tz('at').notNull(),
}, (t) => [index('task_events_task_idx').on(t.taskId, t.id)]);

/**
 * Durable timers: the database is the source of truth for every deadline, reminder and escalation. A timer
 * fires once: a conditional update (pending → fired) claims it; the job re-reads state when it fires.
 */
export const timers = pgTable('timers', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** reminder | due | escalate | sop_check | stall_check | … */
  kind: text('kind').notNull(),
  /** A unique key making scheduling idempotent, e.g. `task:12:due` or `stall:7:2026-11-27`. */
  key: text('key').notNull(),
  taskId: integer('task_id'),
  customerId: integer('customer_id'),
  fireAt: tz('fire_at').notNull(),
  /** pending | firing | fired | cancelled */
  status: text('status').notNull().default('pending'),
  lockedUntil: tz('locked_until'),
  attempts: integer('attempts').notNull().default(0),
  firedAt: tz('fired_at'),
  lastError: text('last_error'),
  payload: jsonb('payload'),
  createdAt: tz('created_at').notNull(),
}, (t) => [
  uniqueIndex('timers_key_uq').on(t.key),
  index('timers_due_idx').on(t.status, t.fireAt).where(sql`status in ('pending','firing')`),
]);

/** A guided conversation in chat (e.g. the pain-point form asked one question at a time); survives restarts. */
export const conversations = pgTable('conversations', {
  userId: text('user_id').primaryKey(),
  kind: text('kind').notNull(),
  customerId: integer('customer_id'),
  taskId: integer('task_id'),
  step: integer('step').notNull().default(0),
  answers: jsonb('answers').notNull().default(sql`'{}'::jsonb`),
  startedAt: tz('started_at').notNull(),
  updatedAt: tz('updated_at').notNull(),
  expiresAt: tz('expires_at').notNull(),
});

/** Flags on customers (R5 ⚠️超期7天): raised and cleared, never deleted. */
export const customerFlags = pgTable('customer_flags', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  customerId: integer('customer_id').notNull(),
  kind: text('kind').notNull(),
  raisedAt: tz('raised_at').notNull(),
  clearedAt: tz('cleared_at'),
  data: jsonb('data'),
}, (t) => [index('customer_flags_open_idx').on(t.customerId, t.kind).where(sql`cleared_at is null`)]);

/** Quality review (R7 sampling, R11): one row per sampled task, assigned to a reviewer, due in 24 h. */
export const reviews = pgTable('reviews', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  taskId: integer('task_id').notNull(),
  repId: text('rep_id').notNull(),
  reviewerId: text('reviewer_id').notNull(),
  samplingRunId: integer('sampling_run_id').notNull(),
  /** pending | scored */
  status: text('status').notNull().default('pending'),
  assignedAt: tz('assigned_at').notNull(),
  dueAt: tz('due_at').notNull(),
  firstScoredAt: tz('first_scored_at'),
  /** The automatic follow-up quality score (R11), 0–100, with its parts. */
  qualityScore: integer('quality_score'),
  qualityParts: jsonb('quality_parts'),
}, (t) => [uniqueIndex('reviews_task_uq').on(t.taskId), index('reviews_reviewer_idx').on(t.reviewerId, t.status)]);

/** Scores are append-only; a re-score is a new version. */
export const reviewScores = pgTable('review_scores', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  reviewId: integer('review_id').notNull(),
  version: integer('version').notNull(),
  score: integer('score').notNull(),
  tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  comment: text('comment'),
  reviewerId: text('reviewer_id').notNull(),
  at: tz('at').notNull(),
}, (t) => [uniqueIndex('review_scores_version_uq').on(t.reviewId, t.version)]);

/** Each daily draw, recorded with its seed so it can be audited and re-created. */
export const samplingRuns = pgTable('sampling_runs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** The business day sampled (YYYY-MM-DD, business time zone). */
  day: text('day').notNull(),
  seed: text('seed').notNull(),
  share: integer('share_permille').notNull(),
  population: jsonb('population').notNull(),
  drawn: jsonb('drawn').notNull(),
  at: tz('at').notNull(),
}, (t) => [uniqueIndex('sampling_runs_day_uq').on(t.day)]);

/** Coach (方案陪写师) assignments offered by the weekly leaderboard. */
export const coachAssignments = pgTable('coach_assignments', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  repId: text('rep_id').notNull(),
  coachId: text('coach_id'),
  week: text('week').notNull(),
  reason: text('reason').notNull(),
  at: tz('at').notNull(),
}, (t) => [uniqueIndex('coach_assignments_week_uq').on(t.repId, t.week)]);

/** New versions of a material (config/materials.yaml) uploaded through the admin API; the file itself in `content`. */
export const materialVersions = pgTable('material_versions', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  materialKey: text('material_key').notNull(),
  version: integer('version').notNull(),
  fileName: text('file_name').notNull(),
  mimeType: text('mime_type').notNull(),
  size: integer('size').notNull(),
  sha256: text('sha256').notNull(),
  content: bytea('content').notNull(),
  uploadedBy: text('uploaded_by').notNull(),
  uploadedAt: tz('uploaded_at').notNull(),
}, (t) => [uniqueIndex('material_versions_key_version_uq').on(t.materialKey, t.version)]);

/** A material pack (资料包, R6) sent for a customer: which pack, by whom, when the customer entered its stage. */
export const packSends = pgTable('pack_sends', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  customerId: integer('customer_id').notNull(),
  repId: text('rep_id').notNull(),
  officeId: text('office_id'),
  packKey: text('pack_key').notNull(),
  packName: text('pack_name').notNull(),
  stage: text('stage').notNull(),
  /** text | card | api | sandbox */
  source: text('source').notNull(),
  stageEnteredAt: tz('stage_entered_at').notNull(),
  sentAt: tz('sent_at').notNull(),
  /** When every required item had been opened (资料已接收). */
  receivedAt: tz('received_at'),
}, (t) => [index('pack_sends_customer_idx').on(t.customerId, t.id), index('pack_sends_sent_at_idx').on(t.sentAt)]);

/** One numbered item of a sent pack: the signed link's target, and the customer's opens (the first one counts). */
export const packLinks = pgTable('pack_links', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  sendId: integer('send_id').notNull(),
  customerId: integer('customer_id').notNull(),
  repId: text('rep_id').notNull(),
  itemNo: integer('item_no').notNull(),
  materialKey: text('material_key').notNull(),
  title: text('title').notNull(),
  version: integer('version').notNull(),
  required: boolean('required').notNull(),
  openCount: integer('open_count').notNull().default(0),
  firstOpenedAt: tz('first_opened_at'),
  lastOpenedAt: tz('last_opened_at'),
}, (t) => [uniqueIndex('pack_links_send_item_uq').on(t.sendId, t.itemNo), index('pack_links_customer_idx').on(t.customerId)]);

/** WeCom external contacts (客户联系) of a member, bound by the rep to a customer. */
export const externalContacts = pgTable('external_contacts', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  externalUserId: text('external_user_id').notNull(),
  memberUserId: text('member_user_id').notNull(),
  customerId: integer('customer_id'),
  /** pending (waiting for the rep) | bound | removed */
  status: text('status').notNull().default('pending'),
  lastChangeType: text('last_change_type').notNull(),
  firstEventAt: tz('first_event_at').notNull(),
  lastEventAt: tz('last_event_at').notNull(),
  boundBy: text('bound_by'),
  boundAt: tz('bound_at'),
}, (t) => [uniqueIndex('external_contacts_pair_uq').on(t.externalUserId, t.memberUserId), index('external_contacts_customer_idx').on(t.customerId)]);

/** A new customer whose name matches another rep's active customer: open until merged, assigned or dismissed. */
export const customerDuplicates = pgTable('customer_duplicates', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  customerId: integer('customer_id').notNull(),
  otherId: integer('other_id').notNull(),
  matchKind: text('match_kind').notNull(),
  /** open | merged | assigned | dismissed */
  status: text('status').notNull().default('open'),
  raisedAt: tz('raised_at').notNull(),
  resolvedAt: tz('resolved_at'),
  resolvedBy: text('resolved_by'),
  resolution: jsonb('resolution'),
}, (t) => [index('customer_duplicates_customer_idx').on(t.customerId)]);
