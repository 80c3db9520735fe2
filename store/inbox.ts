/**
 * The inbox: every accepted callback, deduplicated by a unique key, handled exactly once. Rows are claimed
 * with a lease (crash → the lease expires → handled again after restart), one open row per user at a time so
 * a person's messages are handled in the order they were sent.
 */
import { and, desc, eq, or, sql } from 'drizzle-orm';
import { asDate, type Database, type DbOrTx } from './db';
import { hotQuery } from './hot-query';
import { naturalBatcher } from './natural-batch';
import { inbox } from './schema';

export type InboxRow = typeof inbox.$inferSelect;
export type InboxStatus = 'pending' | 'processing' | 'done' | 'failed';

export interface InboxRepo {
  /** Inserts once per dedupe key. `duplicate` is true when the key was already there. */
  accept(input: { dedupeKey: string; kind: string; userId: string; payload: unknown }, now: Date): Promise<{ id: number | null; duplicate: boolean }>;
  /** Claims up to `limit` rows that are due, at most one per user (the oldest open one). */
  claim(now: Date, limit: number, leaseMs: number): Promise<InboxRow[]>;
  /** Gives claimed rows that were not started back to the queue, as they were before the claim (shutdown). */
  release(rows: readonly Pick<InboxRow, 'id' | 'attempts'>[]): Promise<void>;
  /** Marks a claimed row done inside the handler's transaction. False if the claim was lost. */
  markDone(tx: DbOrTx, row: Pick<InboxRow, 'id' | 'attempts'>, now: Date): Promise<boolean>;
  /**
   * Records a failure: back to pending with backoff, or parked as failed after maxAttempts. Null when the row is no
   * longer this attempt's (given back at a stop, or claimed again after the lease ran out): nothing is written.
   */
  markFailed(row: Pick<InboxRow, 'id' | 'attempts'>, error: string, now: Date, maxAttempts: number): Promise<InboxStatus | null>;
  list(filter: { status?: InboxStatus; limit?: number }): Promise<InboxRow[]>;
  /** Puts a parked row back in the queue (ops). */
  retry(id: number, now: Date): Promise<boolean>;
  /** Open rows and the age of the oldest pending one, for /metrics. */
  lag(now: Date): Promise<{ open: number; oldestSeconds: number }>;
}

/** Backoff between handler attempts: 1 s, 2 s, 4 s … capped at 5 min. */
export function inboxBackoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000);
}

/** The most callbacks one insert carries (natural batching in `accept`). */
const ACCEPT_BATCH_MAX = 200;

type AcceptInput = { input: { dedupeKey: string; kind: string; userId: string; payload: unknown }; now: Date };

const markRowDone = hotQuery('spb_inbox_done', (on, name) => on
  .update(inbox)
  .set({ status: 'done', handledAt: sql`${sql.placeholder('now')}`, lockedUntil: null, lastError: null })
  .where(and(eq(inbox.id, sql.placeholder('id')), eq(inbox.status, 'processing'), eq(inbox.attempts, sql.placeholder('attempts'))))
  .returning({ id: inbox.id })
  .prepare(name));

export function createInboxRepo(database: Database): InboxRepo {
  const { db } = database;
  // A lone callback (the common case when quiet): a prepared statement (building the query costs more than the crypto).
  const acceptOne = db
    .insert(inbox)
    .values({
      dedupeKey: sql.placeholder('dedupeKey'), kind: sql.placeholder('kind'), userId: sql.placeholder('userId'),
      payload: sql.placeholder('payload'), status: 'pending', nextAttemptAt: sql.placeholder('now'), receivedAt: sql.placeholder('now'),
    })
    .onConflictDoNothing({ target: inbox.dedupeKey })
    .returning({ id: inbox.id })
    .prepare('inbox_accept');
  /**
   * Callbacks that arrive while an insert is on its way are stored together by the next one (store/natural-batch.ts);
   * each callback is acked only after its row is committed. Rows go in arrival order: the per-person order is the
   * inbox id order.
   */
  const accept = naturalBatcher<AcceptInput, { id: number | null; duplicate: boolean }>(async (batch) => {
    if (batch.length === 1) {
      const { input, now } = batch[0]!;
      const rows = (await acceptOne.execute({ ...input, now })) as { id: number }[];
      return [rows.length ? { id: rows[0]!.id, duplicate: false } : { id: null, duplicate: true }];
    }
    const rows = await db
      .insert(inbox)
      .values(batch.map(({ input, now }) => ({
        dedupeKey: input.dedupeKey, kind: input.kind, userId: input.userId, payload: input.payload,
        status: 'pending' as const, nextAttemptAt: now, receivedAt: now,
      })))
      .onConflictDoNothing({ target: inbox.dedupeKey })
      .returning({ id: inbox.id, dedupeKey: inbox.dedupeKey });
    const inserted = new Map(rows.map((r) => [r.dedupeKey, r.id]));
    return batch.map(({ input }) => {
      const id = inserted.get(input.dedupeKey);
      // The same key twice in one batch: the first caller inserted it, the later ones are duplicates.
      if (id === undefined) return { id: null, duplicate: true };
      inserted.delete(input.dedupeKey);
      return { id, duplicate: false };
    });
  }, ACCEPT_BATCH_MAX);

  return {
    accept: (input, now) => accept({ input, now }),

    async claim(now, limit, leaseMs) {
      const until = new Date(now.getTime() + leaseMs);
      // A row is claimable when it is due (pending, or processing with an expired lease) and no older row of the
      // same user is still open: per-user order. The function (migration 0013) keeps one plan whatever the statistics.
      const rows = await database.rows<InboxRow>(sql`
        select id, dedupe_key as "dedupeKey", kind, user_id as "userId", payload, status, attempts,
          next_attempt_at as "nextAttemptAt", locked_until as "lockedUntil", last_error as "lastError",
          received_at as "receivedAt", handled_at as "handledAt"
        from inbox_claim(${now}, ${until}, ${limit}) order by id`);
      return rows.map((r) => ({
        ...r, nextAttemptAt: asDate(r.nextAttemptAt), lockedUntil: asDate(r.lockedUntil), receivedAt: asDate(r.receivedAt), handledAt: asDate(r.handledAt),
      }));
    },

    async release(rows) {
      if (!rows.length) return;
      // Fenced like markDone: a row whose lease expired and was claimed again meanwhile is left alone.
      await db
        .update(inbox)
        .set({ status: 'pending', lockedUntil: null, attempts: sql`${inbox.attempts} - 1` })
        .where(and(eq(inbox.status, 'processing'), or(...rows.map((r) => and(eq(inbox.id, r.id), eq(inbox.attempts, r.attempts))))));
    },

    async markDone(tx, row, now) {
      const r = await markRowDone(tx, { id: row.id, attempts: row.attempts, now });
      return r.length === 1;
    },

    async markFailed(row, error, now, maxAttempts) {
      const parked = row.attempts >= maxAttempts;
      const status: InboxStatus = parked ? 'failed' : 'pending';
      const written = await db
        .update(inbox)
        .set({
          status,
          lastError: error.slice(0, 2000),
          lockedUntil: null,
          nextAttemptAt: new Date(now.getTime() + inboxBackoffMs(row.attempts)),
        })
        // Fenced like markDone: a row given back (release) or claimed again meanwhile is not this attempt's.
        .where(and(eq(inbox.id, row.id), eq(inbox.status, 'processing'), eq(inbox.attempts, row.attempts)))
        .returning({ id: inbox.id });
      return written.length ? status : null;
    },

    async list({ status, limit = 100 }) {
      const q = db.select().from(inbox);
      const filtered = status ? q.where(eq(inbox.status, status)) : q;
      return filtered.orderBy(desc(inbox.id)).limit(Math.min(limit, 1000));
    },

    async retry(id, now) {
      const r = await db
        .update(inbox)
        .set({ status: 'pending', attempts: 0, nextAttemptAt: now, lastError: null })
        .where(and(eq(inbox.id, id), eq(inbox.status, 'failed')))
        .returning({ id: inbox.id });
      return r.length === 1;
    },

    async lag(now) {
      const [r] = await database.rows<{ open: number | string; oldest: Date | string | null }>(sql`
        select count(*) as open, min(received_at) as oldest from inbox where status in ('pending', 'processing')`);
      const oldest = r?.oldest ? new Date(r.oldest).getTime() : now.getTime();
      return { open: Number(r?.open ?? 0), oldestSeconds: Math.max(0, (now.getTime() - oldest) / 1000) };
    },
  };
}
