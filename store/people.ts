import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { hotQuery } from './hot-query';
import { people } from './schema';

export type PersonRow = typeof people.$inferSelect;

/**
 * Per-transaction memo of people lookups. A handled message asks for the same few people several times (the sender
 * as actor, as owner, as reviewer; their supervisor); a transaction given to `rememberPeople` asks the database once
 * each. Any write to people in this process (store/org.ts calls `peopleChanged`) empties every memo.
 */
const memos = new WeakMap<object, { generation: number; rows: Map<string, PersonRow | null> }>();
let generation = 0;

export function rememberPeople(tx: DbOrTx): void {
  memos.set(tx, { generation, rows: new Map() });
}

export function peopleChanged(): void {
  generation += 1;
}

/** Looks up a person by WeCom userid (WeCom lowercases userids in some answers, so compare case-insensitively). */
export async function findPerson(on: DbOrTx, userId: string): Promise<PersonRow | null> {
  const memo = memos.get(on);
  if (memo && memo.generation !== generation) {
    memo.rows.clear();
    memo.generation = generation;
  }
  const known = memo?.rows.get(userId);
  if (known !== undefined) return known;
  const row = await lookup(on, userId);
  memo?.rows.set(userId, row);
  return row;
}

const personById = hotQuery('spb_person', (on, name) =>
  on.select().from(people).where(eq(people.userId, sql.placeholder('userId'))).limit(1).prepare(name));

async function lookup(on: DbOrTx, userId: string): Promise<PersonRow | null> {
  const [row] = await personById(on, { userId });
  if (row) return row;
  const lower = userId.toLowerCase();
  if (lower === userId) return null;
  const [alt] = await personById(on, { userId: lower });
  return alt ?? null;
}
