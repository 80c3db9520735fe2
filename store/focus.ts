/**
 * The customer a person last worked on (焦点客户), so "推到谈判", "退回", "下一步" or "拜访完了" without a name mean
 * that customer. Kept in app_state (`focus:<userid>`) for a working day; older is forgotten (the bot asks instead).
 */
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { hotQuery } from './hot-query';
import { appState } from './schema';

export const FOCUS_MAX_AGE_MS = 12 * 3_600_000;
const key = (userId: string) => `focus:${userId.toLowerCase()}`;

export async function setFocus(on: DbOrTx, userId: string, customerId: number, now: Date): Promise<void> {
  await putFocus(on, { key: key(userId), value: { customerId }, now });
}

const putFocus = hotQuery('spb_focus_put', (on, name) => on.insert(appState)
  .values({ key: sql.placeholder('key'), value: sql.placeholder('value'), updatedAt: sql.placeholder('now') })
  .onConflictDoUpdate({ target: appState.key, set: { value: sql`excluded.value`, updatedAt: sql`excluded.updated_at` } })
  .prepare(name));

export async function getFocus(on: DbOrTx, userId: string, now: Date): Promise<number | null> {
  const [row] = await on.select().from(appState).where(eq(appState.key, key(userId))).limit(1);
  if (!row || now.getTime() - row.updatedAt.getTime() > FOCUS_MAX_AGE_MS) return null;
  const id = (row.value as { customerId?: unknown }).customerId;
  return typeof id === 'number' ? id : null;
}
