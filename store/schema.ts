/**
 * One schema for PostgreSQL and embedded PGlite. Migrations in store/migrations are generated from this file
 * (`npm run db:generate`) and applied at start by store/migrate.ts.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial, boolean, customType, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex,
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
]);

/** Every outbound WeCom call, one recipient a row, written in the transaction of the change that caused it. */
export const outbox = pgTable('outbox', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  /** WeCom userid of the recipient (for card updates: the clicker whose copy changes). */
  recipient: text('recipient').notNull(),
  /** `message` (message/send) or `card_update` (message/update_template_card). */
  kind: text('kind').notNull(),
  msgtype: text('msgtype').notNull(),
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
  /** The template card's task_id, if any (maps a later click back to its business object). */
  taskId: text('task_id'),
  responseCode: text('response_code'),
  wecomMsgId: text('wecom_msg_id'),
  /** For rows merged into a digest: the digest row's id. */
  mergedInto: integer('merged_into'),
  createdAt: tz('created_at').notNull(),
  sentAt: tz('sent_at'),
}, (t) => [
  index('outbox_open_idx').on(t.status, t.nextAttemptAt).where(sql`status in ('pending','sending')`),
  index('outbox_recipient_sent_idx').on(t.recipient, t.sentAt).where(sql`status = 'sent'`),
  index('outbox_task_idx').on(t.taskId),
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
}, (t) => [index('customer_events_customer_idx').on(t.customerId, t.id)]);

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
  direction: text('direction').notNull(),
  channel: text('channel').notNull(),
  text: text('text'),
  actorId: text('actor_id'),
  at: tz('at').notNull(),
  createdAt: tz('created_at').notNull(),
}, (t) => [index('touchpoints_customer_idx').on(t.customerId, t.at)]);

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
