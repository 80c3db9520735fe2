/**
 * Writes kept for the end of a transaction (issue 16). Every top-level transaction opened through the Database
 * (store/db.ts wraps `db.transaction`) has a tail: rows handed to `atCommit` are written by one statement per kind just
 * before COMMIT, in the transaction, instead of one statement each where they were asked for. Two reasons:
 * - fewer round trips: a handled message's outbox rows (a reply, a notice to the supervisor) go in one INSERT;
 * - shorter row locks on shared rows: a stage change's history row updates the analytics rollups (migrations 0006,
 *   0009, 0011: one row per day, office and stage, the same row for every move of an office that day), and that row
 *   stays locked until COMMIT; written last, it is held for the commit only, not for the rest of the handler.
 * Kinds marked `last` are written after the others. Outside a transaction `atCommit` writes at once. A savepoint
 * (a nested transaction) first writes what its transaction kept so far, then writes its own rows at once (a savepoint
 * rolled back takes them with it), so rows keep the order they were asked for.
 * Nothing read in the same transaction may depend on a kept row: only append-only rows that the transaction does not
 * read back go here (outbox rows, history rows). A row written directly (store/coaching.ts rewrites its pending note,
 * so it inserts at once) gets an earlier id than rows kept before it: keep such rows to recipients of their own.
 */
import type { DbOrTx } from './db';

interface Kind<T> {
  name: string;
  /** Written after the kinds not marked last. */
  last?: boolean;
  write(on: DbOrTx, items: T[]): Promise<void>;
}

type Tail = Map<Kind<unknown>, unknown[]>;
const tails = new WeakMap<object, Tail>();

export function commitKind<T>(name: string, write: (on: DbOrTx, items: T[]) => Promise<void>, opts: { last?: boolean } = {}): Kind<T> {
  return { name, write, last: opts.last };
}

/** Keeps `items` for the transaction's tail; written now when `on` has no tail (the database, a savepoint). */
export async function atCommit<T>(on: DbOrTx, kind: Kind<T>, items: T[]): Promise<void> {
  if (!items.length) return;
  const tail = tails.get(on);
  if (!tail) {
    await kind.write(on, items);
    return;
  }
  const kept = tail.get(kind as Kind<unknown>);
  if (kept) kept.push(...items);
  else tail.set(kind as Kind<unknown>, [...items]);
}

type TransactionFn = (fn: (tx: never) => Promise<unknown>, config?: unknown) => Promise<unknown>;

function openTail(tx: DbOrTx): void {
  tails.set(tx, new Map());
  // A savepoint: what was kept so far is written first; the savepoint's own rows are written at once.
  const nested = ((tx as unknown as { transaction: TransactionFn }).transaction).bind(tx);
  (tx as unknown as { transaction: TransactionFn }).transaction = async (fn, config) => {
    await writeKept(tx);
    return nested(fn, config);
  };
}

/** Writes what the tail holds (kinds in first-use order, `last` kinds after) and empties it. */
async function writeKept(tx: DbOrTx): Promise<void> {
  const tail = tails.get(tx);
  if (!tail?.size) return;
  const kinds = [...tail.keys()];
  const items = new Map(tail);
  tail.clear();
  for (const kind of [...kinds.filter((k) => !k.last), ...kinds.filter((k) => k.last)]) await kind.write(tx, items.get(kind)!);
}

/** Writes the tail just before COMMIT; a write that fails fails the transaction. */
async function flushTail(tx: DbOrTx): Promise<void> {
  await writeKept(tx);
  tails.delete(tx);
}

/** Gives every top-level transaction of `db` a tail (called once by store/db.ts for each driver). */
export function withCommitTails<D extends { transaction: unknown }>(db: D): D {
  const original = (db.transaction as TransactionFn).bind(db);
  (db as { transaction: TransactionFn }).transaction = (fn, config) => original(async (tx: never) => {
    openTail(tx);
    const result = await fn(tx);
    await flushTail(tx);
    return result;
  }, config);
  return db;
}
