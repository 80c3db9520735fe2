/**
 * Customers, their append-only history (customer_events), and the evidence guards look at (documents,
 * touchpoints, forms). Stage changes use an optimistic version check: of two concurrent moves, one wins.
 */
import { and, asc, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import { atCommit, commitKind } from './commit-tail';
import type { DbOrTx } from './db';
import { hotQuery, jsonValue } from './hot-query';
import { customerEvents, customers, documents, forms, people, touchpoints } from './schema';

export type CustomerRow = typeof customers.$inferSelect;
export type CustomerEventRow = typeof customerEvents.$inferSelect;
export type DocumentRow = Omit<typeof documents.$inferSelect, 'content'>;
export type TouchpointRow = typeof touchpoints.$inferSelect;
export type EventSource = 'text' | 'card' | 'api' | 'upload';

export async function createCustomer(tx: DbOrTx, input: {
  name: string; industry: string | null; ownerId: string; officeId: string | null; stage: string; source: EventSource;
}, now: Date): Promise<CustomerRow> {
  const [row] = await tx.insert(customers).values({
    name: input.name, industry: input.industry, ownerId: input.ownerId, officeId: input.officeId, stage: input.stage,
    stageEnteredAt: now, fields: input.industry ? { industry: input.industry } : {}, createdAt: now, updatedAt: now,
  }).returning();
  await tx.insert(customerEvents).values({
    customerId: row!.id, kind: 'created', toStage: input.stage, actorId: input.ownerId, source: input.source, at: now,
  });
  return row!;
}

const customerById = hotQuery('spb_customer', (on, name) =>
  on.select().from(customers).where(eq(customers.id, sql.placeholder('id'))).limit(1).prepare(name));

export async function getCustomer(on: DbOrTx, id: number): Promise<CustomerRow | null> {
  const [row] = await customerById(on, { id });
  return row ?? null;
}

const customersOfTeam = hotQuery('spb_customers_of_team', (on, name) =>
  on.select().from(customers).where(and(sql`${customers.mergedInto} is null`, sql`${customers.ownerId} in (select ${sql.placeholder('userId')}::text
    union all select ${people.userId} from ${people} where ${people.supervisorId} = ${sql.placeholder('userId')})`))
    .orderBy(asc(customers.id)).limit(5000).prepare(name));

/** The customers a person owns and those of the people they directly supervise (one statement: chat's name lookup). */
export async function teamCustomers(on: DbOrTx, userId: string): Promise<CustomerRow[]> {
  return customersOfTeam(on, { userId });
}

export interface CustomerFilter {
  stage?: string; officeId?: string; ownerId?: string; ownerIds?: string[]; q?: string; limit?: number; offset?: number;
  /** Only these customers (e.g. the ones the R5 stall rule flags now). */
  ids?: number[];
}

export async function listCustomers(on: DbOrTx, f: CustomerFilter = {}): Promise<CustomerRow[]> {
  // A customer merged into another (two reps, one customer) lives on only in its history.
  const conds: SQL[] = [sql`${customers.mergedInto} is null`];
  if (f.stage) conds.push(eq(customers.stage, f.stage));
  if (f.officeId) conds.push(eq(customers.officeId, f.officeId));
  if (f.ownerId) conds.push(eq(customers.ownerId, f.ownerId));
  if (f.ownerIds) conds.push(f.ownerIds.length ? inArray(customers.ownerId, f.ownerIds) : sql`false`);
  if (f.ids) conds.push(f.ids.length ? inArray(customers.id, f.ids) : sql`false`);
  if (f.q) conds.push(ilike(customers.name, `%${f.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`));
  return on.select().from(customers).where(and(...conds))
    .orderBy(asc(customers.id)).limit(Math.min(f.limit ?? 500, 5000)).offset(f.offset ?? 0);
}

/**
 * The active customers whose name has this key (domain/text-normalize.ts compactKey: lower case, no spaces, _ - · ・),
 * by migration 0015's index.
 */
export async function customersByNameKey(on: DbOrTx, key: string, limit = 20): Promise<CustomerRow[]> {
  return on.select().from(customers)
    .where(and(sql`regexp_replace(lower(${customers.name}), '[[:space:]_·・-]', '', 'g') = ${key}`, sql`${customers.mergedInto} is null`))
    .orderBy(asc(customers.id)).limit(limit);
}

/** Moves a customer if its version is still `expectedVersion`; appends the history row. Null when someone else moved it first. */
export async function changeStage(tx: DbOrTx, input: {
  customer: CustomerRow; to: string; actorId: string; source: EventSource; note?: string | null; processVersion: string;
  kind: 'stage_change' | 'override'; failures?: unknown;
}, now: Date): Promise<CustomerRow | null> {
  const c = input.customer;
  const [row] = await moveRow(tx, { id: c.id, version: c.version, nextVersion: c.version + 1, stage: input.to, now });
  if (!row) return null;
  await atCommit(tx, historyRows, [{
    customerId: c.id, kind: input.kind, fromStage: c.stage, toStage: input.to, actorId: input.actorId, source: input.source,
    note: input.note ?? null, processVersion: input.processVersion, failures: jsonValue(input.failures),
    dwellSeconds: Math.max(0, Math.round((now.getTime() - c.stageEnteredAt.getTime()) / 1000)), at: now,
  }]);
  return row;
}

const moveRow = hotQuery('spb_customer_move', (on, name) => on.update(customers)
  .set({ stage: sql`${sql.placeholder('stage')}`, stageEnteredAt: sql`${sql.placeholder('now')}`, version: sql`${sql.placeholder('nextVersion')}`, updatedAt: sql`${sql.placeholder('now')}` })
  .where(and(eq(customers.id, sql.placeholder('id')), eq(customers.version, sql.placeholder('version'))))
  .returning().prepare(name));

/**
 * A stage change's history row is written at the end of its transaction (store/commit-tail.ts): its rollup rows (one
 * per day, office and stage) are shared by every move of the office that day and stay locked until COMMIT. Refusals
 * and ownership changes go the same way, so a transaction's history rows keep the order they happened in.
 */
const historyRows = commitKind<Record<string, unknown>>('customer_events', async (on, rows) => {
  for (const r of rows) await appendEvent(on, r);
}, { last: true });

const appendEvent = hotQuery('spb_customer_event', (on, name) => on.insert(customerEvents).values({
  customerId: sql.placeholder('customerId'), kind: sql.placeholder('kind'), fromStage: sql.placeholder('fromStage'), toStage: sql.placeholder('toStage'),
  actorId: sql.placeholder('actorId'), source: sql.placeholder('source'), note: sql.placeholder('note'), processVersion: sql.placeholder('processVersion'),
  failures: sql`${sql.placeholder('failures')}`, dwellSeconds: sql.placeholder('dwellSeconds'), at: sql.placeholder('at'),
}).prepare(name));

/** Records a refused move with every failed condition, as data. */
export async function recordRefusal(tx: DbOrTx, input: {
  customer: CustomerRow; to: string; actorId: string; source: EventSource; failures: unknown; processVersion: string; note?: string | null;
}, now: Date): Promise<void> {
  await atCommit(tx, historyRows, [{
    customerId: input.customer.id, kind: 'refusal', fromStage: input.customer.stage, toStage: input.to, actorId: input.actorId,
    source: input.source, failures: jsonValue(input.failures), processVersion: input.processVersion, note: input.note ?? null,
    dwellSeconds: null, at: now,
  }]);
}

export async function history(on: DbOrTx, customerId: number): Promise<CustomerEventRow[]> {
  return on.select().from(customerEvents).where(eq(customerEvents.customerId, customerId)).orderBy(asc(customerEvents.id));
}

/** A document's row; `content` null when its bytes are kept outside the database (usecases/document-bytes.ts). */
export async function addDocument(on: DbOrTx, input: {
  customerId: number; name: string; mimeType: string; size: number; content: Buffer | null; sha256: string; uploaderId: string; source: EventSource;
}, now: Date): Promise<DocumentRow> {
  const [row] = await on.insert(documents).values({
    customerId: input.customerId, name: input.name, mimeType: input.mimeType, size: input.size, sha256: input.sha256,
    uploaderId: input.uploaderId, source: input.source, content: input.content, uploadedAt: now,
  }).returning({
    id: documents.id, customerId: documents.customerId, name: documents.name, mimeType: documents.mimeType, size: documents.size,
    sha256: documents.sha256, uploaderId: documents.uploaderId, source: documents.source, uploadedAt: documents.uploadedAt,
  });
  return row!;
}

const documentsOf = hotQuery('spb_documents_of', (on, name) => on.select({
  id: documents.id, customerId: documents.customerId, name: documents.name, mimeType: documents.mimeType, size: documents.size,
  sha256: documents.sha256, uploaderId: documents.uploaderId, source: documents.source, uploadedAt: documents.uploadedAt,
}).from(documents).where(eq(documents.customerId, sql.placeholder('customerId'))).orderBy(asc(documents.id)).prepare(name));

export async function listDocuments(on: DbOrTx, customerId: number): Promise<DocumentRow[]> {
  return documentsOf(on, { customerId });
}

const formsOf = hotQuery('spb_forms_of', (on, name) =>
  on.select({ kind: forms.kind, submittedAt: forms.submittedAt }).from(forms).where(eq(forms.customerId, sql.placeholder('customerId'))).prepare(name));

/** Adds a touchpoint; a customer→rep one moves the customer's last message time (客户上次留言) forward. */
export async function addTouchpoint(on: DbOrTx, input: {
  customerId: number; direction: 'in' | 'out'; channel: string; text: string | null; actorId: string | null; at: Date;
}, now: Date): Promise<TouchpointRow> {
  const [row] = await on.insert(touchpoints).values({ ...input, createdAt: now }).returning();
  if (input.direction === 'in') {
    await on.update(customers)
      .set({ lastCustomerMessageAt: sql`greatest(${customers.lastCustomerMessageAt}, ${input.at})`, updatedAt: now })
      .where(eq(customers.id, input.customerId));
  }
  return row!;
}

export async function recentTouchpoints(on: DbOrTx, customerId: number, limit = 3): Promise<TouchpointRow[]> {
  return on.select().from(touchpoints).where(eq(touchpoints.customerId, customerId)).orderBy(desc(touchpoints.at)).limit(limit);
}

/** The evidence a transition guard looks at. */
export async function loadEvidence(on: DbOrTx, c: CustomerRow) {
  const docs = await listDocuments(on, c.id);
  const formRows = await formsOf(on, { customerId: c.id });
  return {
    documents: docs.map((d) => ({ id: String(d.id), name: d.name, mimeType: d.mimeType, uploadedAt: d.uploadedAt })),
    lastCustomerMessageAt: c.lastCustomerMessageAt,
    forms: formRows,
  };
}

/** Hands a customer to another rep (ownership change), with an append-only history row. Null if the version moved. */
export async function changeOwner(tx: DbOrTx, input: {
  customer: CustomerRow; ownerId: string; officeId: string | null; actorId: string; source: EventSource; note?: string | null;
}, now: Date): Promise<CustomerRow | null> {
  const c = input.customer;
  const [row] = await tx.update(customers)
    .set({ ownerId: input.ownerId, officeId: input.officeId, version: c.version + 1, updatedAt: now })
    .where(and(eq(customers.id, c.id), eq(customers.version, c.version)))
    .returning();
  if (!row) return null;
  // Open tasks follow the customer: reminders and escalations go to the new owner and their supervisor.
  await tx.execute(sql`update tasks set assignee_id = ${input.ownerId} where customer_id = ${c.id} and status = 'open' and kind <> 'review'`);
  await atCommit(tx, historyRows, [{
    customerId: c.id, kind: 'ownership', fromStage: c.stage, toStage: c.stage, actorId: input.actorId, source: input.source,
    note: input.note ?? null, processVersion: null, dwellSeconds: null, at: now,
    failures: jsonValue({ fromOwner: c.ownerId, toOwner: input.ownerId, fromOffice: c.officeId, toOffice: input.officeId }),
  }]);
  return row;
}
