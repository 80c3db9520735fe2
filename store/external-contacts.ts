/** WeCom external contacts (客户联系) as seen through change_external_contact events, and their binding to customers. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { externalContacts } from './schema';

export type ExternalContactRow = typeof externalContacts.$inferSelect;

/** Records an event of a (member, external contact) pair: creates the pair or updates its last event. */
export async function recordContactEvent(tx: DbOrTx, input: {
  externalUserId: string; memberUserId: string; changeType: string; at: Date; removed: boolean;
}): Promise<{ row: ExternalContactRow; isNew: boolean }> {
  const [existing] = await tx.select().from(externalContacts)
    .where(and(eq(externalContacts.externalUserId, input.externalUserId), eq(externalContacts.memberUserId, input.memberUserId))).limit(1);
  if (!existing) {
    const [row] = await tx.insert(externalContacts).values({
      externalUserId: input.externalUserId, memberUserId: input.memberUserId, status: input.removed ? 'removed' : 'pending',
      lastChangeType: input.changeType, firstEventAt: input.at, lastEventAt: input.at,
    }).onConflictDoNothing().returning();
    if (row) return { row, isNew: true };
    return recordContactEvent(tx, input); // a concurrent insert won: update it instead
  }
  const status = input.removed ? 'removed' : existing.customerId !== null ? 'bound' : existing.status === 'removed' ? 'pending' : existing.status;
  const [row] = await tx.update(externalContacts).set({
    lastChangeType: input.changeType, status, lastEventAt: sql`greatest(${externalContacts.lastEventAt}, ${input.at})`,
  }).where(eq(externalContacts.id, existing.id)).returning();
  return { row: row!, isNew: false };
}

export async function getExternalContact(on: DbOrTx, id: number): Promise<ExternalContactRow | null> {
  const [row] = await on.select().from(externalContacts).where(eq(externalContacts.id, id)).limit(1);
  return row ?? null;
}

/** The member's contacts still waiting to be bound, newest first. */
export async function pendingContactsOf(on: DbOrTx, memberUserId: string): Promise<ExternalContactRow[]> {
  return on.select().from(externalContacts)
    .where(and(eq(externalContacts.memberUserId, memberUserId), eq(externalContacts.status, 'pending')))
    .orderBy(desc(externalContacts.lastEventAt), desc(externalContacts.id));
}

export async function bindContact(tx: DbOrTx, id: number, customerId: number, by: string, now: Date): Promise<ExternalContactRow | null> {
  const [row] = await tx.update(externalContacts)
    .set({ customerId, status: sql`case when ${externalContacts.status} = 'removed' then 'removed' else 'bound' end`, boundBy: by, boundAt: now })
    .where(eq(externalContacts.id, id)).returning();
  return row ?? null;
}

export async function contactsOfCustomer(on: DbOrTx, customerId: number): Promise<ExternalContactRow[]> {
  return on.select().from(externalContacts).where(eq(externalContacts.customerId, customerId)).orderBy(desc(externalContacts.id));
}
