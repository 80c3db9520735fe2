import { eq } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { people } from './schema';

export type PersonRow = typeof people.$inferSelect;

/** Looks up a person by WeCom userid (WeCom lowercases userids in some answers, so compare case-insensitively). */
export async function findPerson(on: DbOrTx, userId: string): Promise<PersonRow | null> {
  const [row] = await on.select().from(people).where(eq(people.userId, userId)).limit(1);
  if (row) return row;
  const lower = userId.toLowerCase();
  if (lower === userId) return null;
  const [alt] = await on.select().from(people).where(eq(people.userId, lower)).limit(1);
  return alt ?? null;
}
