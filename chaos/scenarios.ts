/**
 * Chaos scenarios against the real server (issue 15): crash during a burst, slow WeCom, WeCom errors, Redis flush.
 * Each one sends distinct messages from distinct people (one reply expected per person), injects its fault, and
 * counts: acknowledged callbacks, handled inbox rows, replies sent, duplicates (sent by us / seen by the person),
 * missing replies, and the recovery time (fault over → last missing reply delivered).
 */
import { sql } from 'drizzle-orm';
import IORedis from 'ioredis';
import { openDatabase } from '../store/db';
import {
  ADMIN_TOKEN, CHAOS_REDIS_URL, burst, createStorage, deliverCallback, handledCount, makeMessages, resendUnacked,
  sleep, startServer, type Message, type Mode, type ServerProcess,
} from './harness';
import { startWecomStub, type Fault, type WecomStub } from './wecom-stub';

export type ScenarioName = 'crash' | 'slow-wecom' | 'wecom-errors' | 'redis-flush';

export interface ScenarioResult {
  scenario: ScenarioName;
  mode: Mode;
  acknowledged: number;
  handled: number;
  repliesSent: number;
  duplicatesSent: number;
  duplicatesSeen: number;
  missing: number;
  recoveryMs: number;
  /** Crash only: kill → restarted server ready. */
  downMs?: number;
  /** Crash only: rows the dead process held (claimed, not finished) and when the last of them was done after restart. */
  heldRows?: number;
  /**
   * Crash: restarted server ready → every reply owed at the kill delivered. Redis flush: flush → every reply owed
   * at the flush delivered. Both include draining the queued backlog at this machine's throughput.
   */
  backlogMs?: number;
  skipped?: string;
}

export interface ScenarioOptions { n?: number; port?: number; fromSource?: boolean }

const sum = (m: Map<string, number>, f: (v: number) => number) => [...m.values()].reduce((a, v) => a + f(v), 0);

/** Waits (≤ 150 s) until every acknowledged person has a reply and nothing is left pending or sending. */
async function settle(port: number, stub: WecomStub, list: Message[]): Promise<void> {
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    const allSeen = list.every((m) => !m.acked || (stub.stats.delivered.get(m.user) ?? 0) > 0);
    if (allSeen) {
      const open = await Promise.all(['pending', 'sending'].map(async (s) => {
        const res = await fetch(`http://127.0.0.1:${port}/api/outbox?status=${s}&limit=1`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(5000),
        }).catch(() => null);
        return res?.ok ? ((await res.json()) as { items: unknown[] }).items.length : 1;
      }));
      if (open.every((x) => x === 0)) return;
    }
    await sleep(250);
  }
}

function faultsFor(name: ScenarioName): (n: number) => Fault {
  if (name === 'slow-wecom') return (n) => (n <= 8 ? { kind: 'slow', ms: 11_000 } : { kind: 'ok' }); // client timeout: 10 s
  if (name === 'wecom-errors') {
    return (n) => {
      if (n > 300) return { kind: 'ok' };
      if (n % 4 === 1) return { kind: 'errcode', errcode: -1 }; // system busy
      if (n % 25 === 0) return { kind: 'errcode', errcode: 45033 }; // concurrency limit (backs off ≥ 60 s by design)
      if (n % 9 === 0) return { kind: 'reset' }; // delivered, but the answer is lost
      return { kind: 'ok' };
    };
  }
  return () => ({ kind: 'ok' });
}

/**
 * Fault over → the last reply that was owed at that moment. Crash: messages acknowledged before the kill and not
 * yet answered then (work the dead process held), measured from the restarted server being ready. Other faults:
 * messages acknowledged before the fault ended, measured from its end. New traffic after the fault is throughput,
 * not recovery.
 */
function recovery(list: Message[], stub: WecomStub, faultEnd: number, killedAt: number): number {
  const cut = killedAt || faultEnd;
  const owed = list.filter((m) => m.acked && (m.ackedAt ?? Infinity) <= cut);
  const answeredAt = owed.map((m) => stub.stats.firstDeliveryAt.get(m.user) ?? Infinity).filter((t) => t > cut);
  if (!answeredAt.length) return 0;
  return Math.max(0, Math.max(...answeredAt) - faultEnd);
}

/**
 * Redis flush: how long replies stopped flowing because of it — the longest wait, from the flush until the last
 * reply owed at the flush, for the next reply to go out (a lost wake-up shows as a gap; a busy machine does not).
 */
function stallAfter(list: Message[], stub: WecomStub, flushAt: number, until: number): number {
  const times = list.map((m) => stub.stats.firstDeliveryAt.get(m.user) ?? Infinity)
    .filter((t) => t > flushAt && t <= until).sort((a, b) => a - b);
  let prev = flushAt;
  let worst = 0;
  for (const t of times) {
    worst = Math.max(worst, t - prev);
    prev = t;
  }
  return worst;
}

/**
 * Rows the killed process had claimed: claimed again after the restart, so their attempt count is above 1 (the
 * crash scenario injects no other failure). Read from the database once the server has stopped.
 */
async function heldByDeadProcess(env: Record<string, string>): Promise<{ rows: number; lastDoneAt: number }> {
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR ?? 'memory://' });
  try {
    const [r] = await database.rows<{ n: number | string; last: Date | string | null }>(sql`
      select count(*) as n, max(t) as last from (
        select handled_at as t from inbox where attempts > 1
        union all select sent_at as t from outbox where attempts > 1) x`);
    return { rows: Number(r?.n ?? 0), lastDoneAt: r?.last ? new Date(r.last).getTime() : 0 };
  } finally {
    await database.close();
  }
}

export async function runScenario(name: ScenarioName, mode: Mode, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  if (name === 'redis-flush' && mode === 'pglite') {
    return { scenario: name, mode, acknowledged: 0, handled: 0, repliesSent: 0, duplicatesSent: 0, duplicatesSeen: 0, missing: 0, recoveryMs: 0, skipped: 'no Redis in embedded mode' };
  }
  const n = opts.n ?? { crash: 600, 'slow-wecom': 60, 'wecom-errors': 200, 'redis-flush': 400 }[name];
  const port = opts.port ?? 3130;
  const stub = await startWecomStub();
  stub.setFault(faultsFor(name));
  const storage = await createStorage(mode, name);
  let server: ServerProcess | null = null;
  try {
    server = await startServer(port, stub.port, storage, !opts.fromSource);
    const list = makeMessages(`${name.replace(/\W/g, '')}${mode[0]}`, n);
    let faultEnd = 0;
    let downMs: number | undefined;
    let killedAt = 0;
    if (name === 'crash') {
      const first = server;
      await burst(port, list, 16, (acked) => {
        if (acked === Math.floor(n / 2) && !killedAt) {
          killedAt = Date.now();
          first.kill9();
        }
      });
      await first.stop();
      server = await startServer(port, stub.port, storage, !opts.fromSource);
      faultEnd = server.readyAt;
      downMs = faultEnd - killedAt;
      // WeCom resends what got no 200; and a few acknowledged just before the kill, as if our answer was lost.
      const lastAcked = list.filter((m) => m.acked).slice(-20);
      await resendUnacked(port, list);
      for (const m of lastAcked) await deliverCallback(port, m);
    } else if (name === 'redis-flush') {
      const redis = new IORedis(CHAOS_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
      await redis.connect();
      await burst(port, list, 16, (acked) => {
        if (acked === Math.floor(n / 2)) {
          faultEnd = Date.now();
          void redis.flushdb(); // only the chaos database (db 13): queues, wake-ups and the token cache are gone
        }
      });
      await resendUnacked(port, list);
      await redis.quit();
    } else {
      await burst(port, list, 16);
      await resendUnacked(port, list);
    }
    await settle(port, stub, list);
    const unanswered = list.filter((m) => m.acked && !stub.stats.delivered.get(m.user)).slice(0, 3);
    for (const m of unanswered) {
      const res = await fetch(`http://127.0.0.1:${port}/api/outbox?recipient=${m.user}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      console.error(`chaos: ${m.user} unanswered; outbox:`, JSON.stringify(((await res.json()) as { items: unknown[] }).items));
    }
    if (name === 'slow-wecom' || name === 'wecom-errors') faultEnd = stub.stats.lastFaultAt || Date.now();
    const acked = list.filter((m) => m.acked);
    const handled = await handledCount(port);
    let held: { rows: number; lastDoneAt: number } | null = null;
    if (name === 'crash') {
      await server.stop();
      server = null;
      held = await heldByDeadProcess(storage.env);
    }
    const owed = recovery(list, stub, faultEnd, killedAt);
    const stall = name === 'redis-flush' ? stallAfter(list, stub, faultEnd, faultEnd + owed) : null;
    return {
      scenario: name, mode,
      acknowledged: acked.length,
      handled,
      repliesSent: sum(stub.stats.requests, (v) => v),
      duplicatesSent: sum(stub.stats.accepted, (v) => Math.max(0, v - 1)),
      duplicatesSeen: sum(stub.stats.delivered, (v) => Math.max(0, v - 1)),
      missing: acked.filter((m) => !stub.stats.delivered.get(m.user)).length,
      recoveryMs: held ? Math.max(0, held.lastDoneAt - faultEnd) : stall ?? owed,
      downMs,
      ...(held ? { heldRows: held.rows, backlogMs: owed } : {}),
      ...(stall !== null ? { backlogMs: owed } : {}),
    };
  } finally {
    await server?.stop();
    await stub.close();
    await storage.dispose();
  }
}

export function formatTable(rows: ScenarioResult[]): string {
  const head = ['scenario', 'storage', 'acked', 'handled', 'sends', 'dup sent', 'dup seen', 'missing', 'recovery'];
  const lines = rows.map((r) => (r.skipped
    ? [r.scenario, r.mode, '—', '—', '—', '—', '—', '—', r.skipped]
    : [r.scenario, r.mode, r.acknowledged, r.handled, r.repliesSent, r.duplicatesSent, r.duplicatesSeen, r.missing,
      `${(r.recoveryMs / 1000).toFixed(1)} s${r.downMs !== undefined
        ? ` (${r.heldRows} held rows; down ${(r.downMs / 1000).toFixed(1)} s; backlog ${((r.backlogMs ?? 0) / 1000).toFixed(1)} s)`
        : r.backlogMs !== undefined ? ` (longest stall; backlog ${(r.backlogMs / 1000).toFixed(1)} s)` : ''}`]).map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}
