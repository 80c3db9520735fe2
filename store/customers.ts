/**
 * Customers, their append-only history (customer_events), and the evidence guards look at (documents,
 * touchpoints, forms). Stage changes use an optimistic version check: of two concurrent moves, one wins.
 */
import { and, asc, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { customerEvents, customers, documents, forms, touchpoints } from './schema';

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

export async function getCustomer(on: DbOrTx, id: number): Promise<CustomerRow | null> {
  const [row] = await on.select().from(customers).where(eq(customers.id, id)).limit(1);
  return row ?? null;
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

/** Moves a customer if its version is still `expectedVersion`; appends the history row. Null when someone else moved it first. */
export async function changeStage(tx: DbOrTx, input: {
  customer: CustomerRow; to: string; actorId: string; source: EventSource; note?: string | null; processVersion: string;
  kind: 'stage_change' | 'override'; failures?: unknown;
}, now: Date): Promise<CustomerRow | null> {
  const c = input.customer;
  const [row] = await tx.update(customers)
    .set({ stage: input.to, stageEnteredAt: now, version: c.version + 1, updatedAt: now })
    .where(and(eq(customers.id, c.id), eq(customers.version, c.version)))
    .returning();
  if (!row) return null;
  await tx.insert(customerEvents).values({
    customerId: c.id, kind: input.kind, fromStage: c.stage, toStage: input.to, actorId: input.actorId, source: input.source,
    note: input.note ?? null, processVersion: input.processVersion, failures: input.failures ?? null,
    dwellSeconds: Math.max(0, Math.round((now.getTime() - c.stageEnteredAt.getTime()) / 1000)), at: now,
  });
  return row;
}

/** Records a refused move with every failed condition, as data. */
export async function recordRefusal(tx: DbOrTx, input: {
  customer: CustomerRow; to: string; actorId: string; source: EventSource; failures: unknown; processVersion: string; note?: string | null;
}, now: Date): Promise<void> {
  await tx.insert(customerEvents).values({
    customerId: input.customer.id, kind: 'refusal', fromStage: input.customer.stage, toStage: input.to, actorId: input.actorId,
    source: input.source, failures: input.failures, processVersion: input.processVersion, note: input.note ?? null, at: now,
  });
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

export async function listDocuments(on: DbOrTx, customerId: number): Promise<DocumentRow[]> {
  return on.select({
    id: documents.id, customerId: documents.customerId, name: documents.name, mimeType: documents.mimeType, size: documents.size,
    sha256: documents.sha256, uploaderId: documents.uploaderId, source: documents.source, uploadedAt: documents.uploadedAt,
  }).from(documents).where(eq(documents.customerId, customerId)).orderBy(asc(documents.id));
}

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
  const formRows = await on.select({ kind: forms.kind, submittedAt: forms.submittedAt }).from(forms).where(eq(forms.customerId, c.id));
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
  await tx.insert(customerEvents).values({
    customerId: c.id, kind: 'ownership', fromStage: c.stage, toStage: c.stage, actorId: input.actorId, source: input.source,
    note: input.note ?? null, failures: { fromOwner: c.ownerId, toOwner: input.ownerId, fromOffice: c.officeId, toOffice: input.officeId }, at: now,
  });
  return row;
}
