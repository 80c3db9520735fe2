/**
 * Two reps, one customer: duplicate warnings waiting for a supervisor's decision, and the merge itself. A merge moves
 * the dropped customer's documents, communication records, forms, packs and external contacts to the kept one,
 * cancels its open tasks and marks it merged; its own history rows stay under its id, and both customers get a
 * `merged` history row (append-only, nothing deleted).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from './db';
import type { CustomerRow } from './customers';
import { customerDuplicates, customerEvents, customers } from './schema';
import { cancelOpenTasks } from './tasks';

export type DuplicateRow = typeof customerDuplicates.$inferSelect;

export async function insertDuplicate(tx: DbOrTx, input: { customerId: number; otherId: number; matchKind: string }, now: Date): Promise<DuplicateRow> {
  const [row] = await tx.insert(customerDuplicates).values({ ...input, status: 'open', raisedAt: now }).returning();
  return row!;
}

export async function getDuplicate(on: DbOrTx, id: number): Promise<DuplicateRow | null> {
  const [row] = await on.select().from(customerDuplicates).where(eq(customerDuplicates.id, id)).limit(1);
  return row ?? null;
}

export async function openDuplicatesOf(on: DbOrTx, customerId: number): Promise<DuplicateRow[]> {
  return on.select().from(customerDuplicates).where(and(eq(customerDuplicates.status, 'open'),
    sql`(${customerDuplicates.customerId} = ${customerId} or ${customerDuplicates.otherId} = ${customerId})`));
}

/** Closes an open warning; false when someone else decided first. */
export async function resolveDuplicateRow(tx: DbOrTx, id: number, status: 'merged' | 'assigned' | 'dismissed', by: string, resolution: unknown, now: Date): Promise<boolean> {
  const rows = await tx.update(customerDuplicates).set({ status, resolvedAt: now, resolvedBy: by, resolution: resolution ?? null })
    .where(and(eq(customerDuplicates.id, id), eq(customerDuplicates.status, 'open'))).returning({ id: customerDuplicates.id });
  return rows.length === 1;
}

const MOVED_TABLES = ['documents', 'touchpoints', 'forms', 'pack_sends', 'pack_links', 'external_contacts'] as const;

/** Merges `drop` into `keep` (both current rows; optimistic on drop's version). Null when drop changed meanwhile. */
export async function mergeCustomers(tx: DbOrTx, input: { keep: CustomerRow; drop: CustomerRow; actorId: string; source: string; note?: string | null }, now: Date): Promise<CustomerRow | null> {
  const { keep, drop } = input;
  const [marked] = await tx.update(customers).set({ mergedInto: keep.id, version: drop.version + 1, updatedAt: now })
    .where(and(eq(customers.id, drop.id), eq(customers.version, drop.version), sql`${customers.mergedInto} is null`)).returning();
  if (!marked) return null;
  const moved: Record<string, number> = {};
  for (const table of MOVED_TABLES) {
    const r = (await tx.execute(sql`update ${sql.identifier(table)} set customer_id = ${keep.id} where customer_id = ${drop.id}`)) as unknown as { rowCount?: number; affectedRows?: number };
    moved[table] = Number(r.rowCount ?? r.affectedRows ?? 0);
  }
  const cancelled = await cancelOpenTasks(tx, drop.id, input.actorId, `merged into customer ${keep.id}`, now);
  const [kept] = await tx.update(customers).set({
    lastCustomerMessageAt: sql`greatest(${customers.lastCustomerMessageAt}, ${drop.lastCustomerMessageAt})`,
    version: sql`${customers.version} + 1`, updatedAt: now,
  }).where(eq(customers.id, keep.id)).returning();
  const data = { keptId: keep.id, droppedId: drop.id, droppedName: drop.name, droppedOwner: drop.ownerId, moved, cancelledTasks: cancelled };
  await tx.insert(customerEvents).values([
    { customerId: drop.id, kind: 'merged', fromStage: drop.stage, toStage: drop.stage, actorId: input.actorId, source: input.source, note: input.note ?? null, failures: data, at: now },
    { customerId: keep.id, kind: 'merged', fromStage: keep.stage, toStage: keep.stage, actorId: input.actorId, source: input.source, note: input.note ?? null, failures: data, at: now },
  ]);
  return kept ?? null;
}
