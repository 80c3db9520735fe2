/** Form submissions (e.g. pain_point 客户痛点记录): versioned and append-only; the latest version wins. */
import { and, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { hotQuery } from './hot-query';
import { conversations, forms } from './schema';

export type FormRow = typeof forms.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;

export async function latestForm(on: DbOrTx, customerId: number, kind: string): Promise<FormRow | null> {
  const [row] = await on.select().from(forms).where(and(eq(forms.customerId, customerId), eq(forms.kind, kind)))
    .orderBy(desc(forms.version)).limit(1);
  return row ?? null;
}

export async function submitForm(on: DbOrTx, input: { customerId: number; kind: string; data: unknown; by: string }, now: Date): Promise<FormRow> {
  const prev = await latestForm(on, input.customerId, input.kind);
  const [row] = await on.insert(forms).values({
    customerId: input.customerId, kind: input.kind, version: (prev?.version ?? 0) + 1, data: input.data, submittedBy: input.by, submittedAt: now,
  }).returning();
  return row!;
}

/**
 * Per-transaction memo of a person's conversation row: the text router asks for it more than once per message
 * (the reviewer's comment window, then the form in progress). A transaction given to `rememberConversations`
 * reads it once; every write to conversations through this module or store/reviews.ts forgets it.
 */
const conversationMemos = new WeakMap<object, Map<string, ConversationRow | null>>();

export function rememberConversations(tx: DbOrTx): void {
  conversationMemos.set(tx, new Map());
}

export function conversationChanged(on: DbOrTx, userId: string): void {
  conversationMemos.get(on)?.delete(userId);
}

const conversationOf = hotQuery('spb_conversation', (on, name) =>
  on.select().from(conversations).where(eq(conversations.userId, sql.placeholder('userId'))).limit(1).prepare(name));

/** The person's conversation row as stored, expired or not. */
export async function conversationRow(on: DbOrTx, userId: string): Promise<ConversationRow | null> {
  const memo = conversationMemos.get(on);
  const known = memo?.get(userId);
  if (known !== undefined) return known;
  const [row] = await conversationOf(on, { userId });
  memo?.set(userId, row ?? null);
  return row ?? null;
}

export async function getConversation(on: DbOrTx, userId: string, now: Date): Promise<ConversationRow | null> {
  const row = await conversationRow(on, userId);
  if (!row) return null;
  if (row.expiresAt.getTime() <= now.getTime()) {
    await on.delete(conversations).where(eq(conversations.userId, userId));
    conversationChanged(on, userId);
    return null;
  }
  return row;
}

export async function saveConversation(on: DbOrTx, c: Omit<ConversationRow, 'startedAt' | 'updatedAt'> & { startedAt?: Date }, now: Date): Promise<void> {
  await on.insert(conversations).values({ ...c, startedAt: c.startedAt ?? now, updatedAt: now })
    .onConflictDoUpdate({ target: conversations.userId, set: { kind: c.kind, customerId: c.customerId, taskId: c.taskId, step: c.step, answers: c.answers, updatedAt: now, expiresAt: c.expiresAt } });
  conversationChanged(on, c.userId);
}

export async function endConversation(on: DbOrTx, userId: string): Promise<void> {
  await on.delete(conversations).where(eq(conversations.userId, userId));
  conversationChanged(on, userId);
}
