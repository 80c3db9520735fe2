/**
 * Material packs (资料包, R6): uploaded material versions, packs sent and their numbered links with the customer's
 * opens. The first open of a link is claimed with a conditional UPDATE (first_opened_at is null), so of concurrent
 * beacons exactly one is the first; a pack is marked received (资料已接收) once, the same way.
 */
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { materialVersions, packLinks, packSends } from './schema';

export type PackSendRow = typeof packSends.$inferSelect;
export type PackLinkRow = typeof packLinks.$inferSelect;
export type MaterialVersionInfo = Omit<typeof materialVersions.$inferSelect, 'content'>;

export async function insertPackSend(tx: DbOrTx, input: Omit<typeof packSends.$inferInsert, 'id' | 'receivedAt'>): Promise<PackSendRow> {
  const [row] = await tx.insert(packSends).values(input).returning();
  return row!;
}

export async function insertPackLinks(tx: DbOrTx, rows: Omit<typeof packLinks.$inferInsert, 'id' | 'openCount' | 'firstOpenedAt' | 'lastOpenedAt'>[]): Promise<PackLinkRow[]> {
  if (!rows.length) return [];
  return tx.insert(packLinks).values(rows).returning();
}

export async function getPackLink(on: DbOrTx, id: number): Promise<{ link: PackLinkRow; send: PackSendRow } | null> {
  const [row] = await on.select({ link: packLinks, send: packSends }).from(packLinks)
    .innerJoin(packSends, eq(packSends.id, packLinks.sendId)).where(eq(packLinks.id, id)).limit(1);
  return row ?? null;
}

export async function linksOfSend(on: DbOrTx, sendId: number): Promise<PackLinkRow[]> {
  return on.select().from(packLinks).where(eq(packLinks.sendId, sendId)).orderBy(asc(packLinks.itemNo));
}

export async function packSendsOf(on: DbOrTx, customerId: number): Promise<PackSendRow[]> {
  return on.select().from(packSends).where(eq(packSends.customerId, customerId)).orderBy(desc(packSends.id));
}

/**
 * Counts an open of a link. Returns the link as updated and whether this was its first open: the conditional
 * update on `first_opened_at is null` lets exactly one of concurrent opens be the first (the others wait for its
 * row lock, then see it set).
 */
export async function countOpen(tx: DbOrTx, linkId: number, now: Date): Promise<{ link: PackLinkRow; first: boolean } | null> {
  const [first] = await tx.update(packLinks)
    .set({ firstOpenedAt: now, lastOpenedAt: now, openCount: sql`${packLinks.openCount} + 1` })
    .where(and(eq(packLinks.id, linkId), isNull(packLinks.firstOpenedAt))).returning();
  if (first) return { link: first, first: true };
  const [later] = await tx.update(packLinks)
    .set({ lastOpenedAt: sql`greatest(${packLinks.lastOpenedAt}, ${now})`, openCount: sql`${packLinks.openCount} + 1` })
    .where(eq(packLinks.id, linkId)).returning();
  return later ? { link: later, first: false } : null;
}

/** Marks a sent pack received (every required item opened); true only for the call that did it. */
export async function markPackReceived(tx: DbOrTx, sendId: number, now: Date): Promise<boolean> {
  const rows = await tx.update(packSends).set({ receivedAt: now })
    .where(and(eq(packSends.id, sendId), isNull(packSends.receivedAt))).returning({ id: packSends.id });
  return rows.length === 1;
}

/** The newest uploaded version of a material (without its bytes), or null when only the shipped file exists. */
export async function latestMaterialVersion(on: DbOrTx, materialKey: string): Promise<MaterialVersionInfo | null> {
  const [row] = await on.select({
    id: materialVersions.id, materialKey: materialVersions.materialKey, version: materialVersions.version,
    fileName: materialVersions.fileName, mimeType: materialVersions.mimeType, size: materialVersions.size,
    sha256: materialVersions.sha256, uploadedBy: materialVersions.uploadedBy, uploadedAt: materialVersions.uploadedAt,
  }).from(materialVersions).where(eq(materialVersions.materialKey, materialKey)).orderBy(desc(materialVersions.version)).limit(1);
  return row ?? null;
}

export async function materialVersionContent(on: DbOrTx, materialKey: string, version: number): Promise<{ content: Buffer; fileName: string; mimeType: string } | null> {
  const [row] = await on.select({ content: materialVersions.content, fileName: materialVersions.fileName, mimeType: materialVersions.mimeType })
    .from(materialVersions).where(and(eq(materialVersions.materialKey, materialKey), eq(materialVersions.version, version))).limit(1);
  return row ?? null;
}

/** Stores a new version (the unique index refuses a concurrent upload of the same number: the caller retries). */
export async function addMaterialVersion(tx: DbOrTx, input: Omit<typeof materialVersions.$inferInsert, 'id'>): Promise<MaterialVersionInfo> {
  const [row] = await tx.insert(materialVersions).values(input).returning({
    id: materialVersions.id, materialKey: materialVersions.materialKey, version: materialVersions.version,
    fileName: materialVersions.fileName, mimeType: materialVersions.mimeType, size: materialVersions.size,
    sha256: materialVersions.sha256, uploadedBy: materialVersions.uploadedBy, uploadedAt: materialVersions.uploadedAt,
  });
  return row!;
}
