/**
 * Short leases with heartbeats (issue 15). A worker that claims rows (inbox `processing`, outbox `sending`,
 * timers `firing`) holds them with a lease of a few seconds and renews it every third of that while it works, so
 * a row of a process that died is claimable again within one lease, while a slow handler on a live process keeps
 * its rows. The claim is still fenced in the row itself (attempts / status), so a row is never run twice at once
 * even if a renewal comes late.
 *
 * Embedded mode (PGlite) is single-process by its directory lock: at start every leftover lease belongs to a dead
 * process and is released at once (`releaseAllLeases`).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../domain/clock';
import type { Database } from './db';
import { urgentQueries } from './pglite-thread';
import { inbox, outbox, timers } from './schema';

/** Lease on a claimed row; renewed every LEASE_MS / 3 while the row is being worked on. */
export const LEASE_MS = 6_000;

export type LeasedTable = 'inbox' | 'outbox' | 'timers';

const TABLES = {
  inbox: { table: inbox, status: 'processing' },
  outbox: { table: outbox, status: 'sending' },
  timers: { table: timers, status: 'firing' },
} as const;

export interface LeaseKeeper {
  readonly leaseMs: number;
  /** Keeps renewing these rows' leases until `release`. */
  hold(table: LeasedTable, ids: number[]): void;
  release(table: LeasedTable, ids: number[]): void;
  /** Renews every held lease now (the interval calls this). */
  renew(): Promise<void>;
  stop(): void;
}

export function createLeaseKeeper(database: Database, clock: Clock, opts: { leaseMs?: number; onError?(err: unknown): void } = {}): LeaseKeeper {
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  const held: Record<LeasedTable, Map<number, number>> = { inbox: new Map(), outbox: new Map(), timers: new Map() };
  let timer: NodeJS.Timeout | null = null;
  let renewing = false;

  /**
   * In embedded mode a renewal goes before every queued request (urgentQueries), whatever context the interval was
   * created in: a renewal held up past the lease would let another worker take rows that are still being worked on.
   */
  function renew(): Promise<void> {
    return urgentQueries(renewNow);
  }

  async function renewNow(): Promise<void> {
    if (renewing) return;
    renewing = true;
    try {
      const until = new Date(clock.now().getTime() + leaseMs);
      for (const name of Object.keys(held) as LeasedTable[]) {
        const ids = [...held[name].keys()];
        if (!ids.length) continue;
        const { table, status } = TABLES[name];
        await database.db.update(table).set({ lockedUntil: until })
          .where(and(inArray(table.id, ids), eq(table.status, status)));
      }
    } catch (err) {
      opts.onError?.(err);
    } finally {
      renewing = false;
    }
  }

  function ensureTimer() {
    if (timer) return;
    timer = setInterval(() => void renew(), Math.max(200, Math.floor(leaseMs / 3)));
    timer.unref();
  }

  return {
    leaseMs,
    hold(name, ids) {
      // Counted: the same id can be held twice (a digest row planned while an earlier plan still sends it).
      for (const id of ids) held[name].set(id, (held[name].get(id) ?? 0) + 1);
      if (ids.length) ensureTimer();
    },
    release(name, ids) {
      for (const id of ids) {
        const n = (held[name].get(id) ?? 1) - 1;
        if (n > 0) held[name].set(id, n);
        else held[name].delete(id);
      }
    },
    renew,
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/** Embedded mode only (one process per data directory): every lease left in the tables is a dead process's. */
export async function releaseAllLeases(database: Database, now: Date): Promise<void> {
  const past = new Date(now.getTime() - 1);
  await database.db.execute(sql`update inbox set locked_until = ${past} where status = 'processing'`);
  await database.db.execute(sql`update outbox set locked_until = ${past} where status = 'sending'`);
  await database.db.execute(sql`update timers set locked_until = ${past} where status = 'firing'`);
}
