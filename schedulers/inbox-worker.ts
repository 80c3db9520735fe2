/**
 * Takes inbox rows to the router. Each row is handled in one transaction that marks it done, so its effects
 * (state changes and outbox rows) commit exactly once. A handler that keeps failing is parked after
 * `maxAttempts` with its error (GET /api/inbox?status=failed).
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock';
import { createContext, type Actor } from '../bot/context';
import { emitter } from '../usecases/emit';
import type { ChatEvent } from '../bot/channel';
import type { Router } from '../bot/router';
import { errorMessage } from '../bot/errors';
import type { Database, Tx } from '../store/db';
import type { InboxRepo, InboxRow } from '../store/inbox';
import type { OutboxRepo } from '../store/outbox';
import { rememberConversations } from '../store/forms';
import { findPerson, rememberPeople } from '../store/people';
import type { LeaseKeeper } from '../store/leases';

export interface InboxWorkerOptions {
  database: Database;
  inbox: InboxRepo;
  outbox: OutboxRepo;
  router: Router;
  /** Reads a stored payload as a ChatEvent (the channel's own; rows written before the seam hold its older shape). */
  decode?(payload: unknown): ChatEvent;
  clock: Clock;
  log: Logger;
  /**
   * Called after a handler committed outbox rows, with the recipients of the rows it wrote through its context
   * (delivers them now, or wakes the delivery worker).
   */
  onOutbox(recipients: string[]): void;
  onHandled?(outcome: 'done' | 'retry' | 'failed'): void;
  maxAttempts?: number;
  leaseMs?: number;
  /** Renews the leases of claimed rows while they are handled (short leases: fast recovery after a crash). */
  leases?: LeaseKeeper;
  /** Rows one lane claims at a time. */
  batch?: number;
  /** Rows handled at once (keep it under half the database pool). */
  lanes?: number;
}

export function createInboxWorker(opts: InboxWorkerOptions) {
  const maxAttempts = opts.maxAttempts ?? 5;
  const leaseMs = opts.leaseMs ?? opts.leases?.leaseMs ?? 60_000;
  const batch = opts.batch ?? 4;
  const lanes = opts.lanes ?? 8;

  async function resolveActor(tx: Tx, userId: string): Promise<Actor> {
    const p = await findPerson(tx, userId);
    return {
      userId,
      person: p ? { userId: p.userId, name: p.name, officeId: p.officeId, roles: p.roles, supervisorId: p.supervisorId } : null,
    };
  }

  async function handle(row: InboxRow): Promise<void> {
    const event = opts.decode ? opts.decode(row.payload) : (row.payload as ChatEvent);
    const log = opts.log.child({ inboxId: row.id, kind: row.kind, user: row.userId });
    const now = opts.clock.now();
    let wrote = 0;
    const recipients = new Set<string>();
    const enqueue: OutboxRepo['enqueue'] = (on, messages, at) => {
      for (const m of messages) recipients.add(m.recipient);
      return opts.outbox.enqueue(on, messages, at);
    };
    try {
      const prepared = await opts.router.runPrepare(event); // outside the transaction (e.g. a WeCom call)
      await opts.database.db.transaction(async (tx) => {
        recipients.clear(); // a retried transaction starts again
        if (!(await opts.inbox.markDone(tx, row, now))) return; // the claim was lost to another worker
        rememberPeople(tx);
        rememberConversations(tx);
        const actor = await resolveActor(tx, event.userId);
        const ctx = createContext({
          event, actor, tx, now, log, inboxId: row.id, prepared, enqueue,
          emit: (to, message, cause) => emitter(tx, enqueue, now, cause)(to, message),
        });
        await opts.router.dispatch(ctx);
        wrote = ctx.outboxCount;
      });
      opts.onHandled?.('done');
      if (wrote) opts.onOutbox([...recipients]);
    } catch (err) {
      const status = await opts.inbox.markFailed(row, errorMessage(err), opts.clock.now(), maxAttempts);
      if (!status) {
        // Another attempt owns the row now (its lease ran out and it was claimed again): that attempt decides.
        log.warn({ err, attempts: row.attempts }, 'handler failed after its claim was lost; the row is another attempt\'s');
        return;
      }
      log.error({ err, attempts: row.attempts, status }, status === 'failed' ? 'handler failed; row parked' : 'handler failed; will retry');
      opts.onHandled?.(status === 'failed' ? 'failed' : 'retry');
    }
  }

  /**
   * Claims and handles rows until none is due. Rows of different users run side by side: each lane claims a few rows
   * and claims again as soon as it is done with them, so a message that arrives during a burst waits behind a lane's
   * few rows, not behind a whole batch; and the receiver's inserts never queue behind a pool full of handler
   * transactions. A lane stops when a claim comes back empty (a short claim is not enough: a person's next message
   * becomes claimable only once their previous one is done). One lane starts; whenever a lane's claim comes back
   * full (a backlog) more join, up to `lanes`, so a quiet message costs two claims, not one per lane. When `signal`
   * aborts (the instance is stopping) each lane finishes the row in hand and gives its other claimed rows back.
   */
  async function drain(signal?: AbortSignal): Promise<void> {
    const claim = () => opts.inbox.claim(opts.clock.now(), batch, leaseMs);
    let running = 0;
    const all: Promise<void>[] = [];
    const spawn = (first?: InboxRow[]) => {
      running += 1;
      all.push(lane(first).finally(() => {
        running -= 1;
      }));
    };
    async function lane(first?: InboxRow[]): Promise<void> {
      for (let rows = first ?? (await claim()); rows.length; rows = signal?.aborted ? [] : await claim()) {
        while (rows.length === batch && running < lanes && !signal?.aborted) spawn();
        opts.leases?.hold('inbox', rows.map((r) => r.id));
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          if (signal?.aborted) {
            // Stopping: the rows not started go back as they were (not counted as an attempt), for the next instance.
            const rest = rows.slice(i);
            try {
              await opts.inbox.release(rest);
            } finally {
              opts.leases?.release('inbox', rest.map((r) => r.id));
            }
            break;
          }
          try {
            await handle(row);
          } catch (err) {
            // handle() records its own failures; this is the record failing too (the database gone). The lane ends:
            // its other rows stop being renewed, so their leases lapse and they are claimed again.
            opts.leases?.release('inbox', rows.slice(i + 1).map((r) => r.id));
            throw err;
          } finally {
            opts.leases?.release('inbox', [row.id]);
          }
        }
      }
    }
    if (signal?.aborted) return;
    const first = await claim();
    if (!first.length) return;
    spawn(first);
    // Every lane is awaited, also those that join meanwhile and when one fails (a stop must not return while a lane
    // is still inside a transaction); then the first failure is reported.
    const failures: unknown[] = [];
    for (let i = 0; i < all.length; i++) await all[i]!.catch((err: unknown) => failures.push(err));
    if (failures.length) throw failures[0];
  }

  return { drain, handle };
}
