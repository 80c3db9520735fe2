/**
 * The embedded database's thread (decision 0012): a worker_thread that owns the PGlite instance, so the WASM
 * Postgres never runs on the main thread that acks callbacks. It answers the messages of store/pglite-thread.ts
 * (the main thread's client): query, exec, begin / end of a transaction (queries carrying its id run on it), close.
 * PGlite runs one statement at a time, and a statement outside an open transaction waits for it to end. The worker
 * hands PGlite one top-level request at a time (a statement, or a whole transaction from BEGIN to its end), taken
 * from three queues: urgent requests first (the inserts that ack a callback), then `soon` ones (the delivery of
 * replies already decided), then the others (the handlers') in arrival order. A transaction's own statements go
 * straight to it. So an ack waits at most for the statement or transaction running now, not for the backlog of the
 * handlers' queries queued before it, and a reply's delivery does not queue behind the handling of newer messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, QueryOptions, Transaction } from '@electric-sql/pglite';
import { pgliteTypeOptions } from './pglite-types';

export interface WorkerInit { dataDir: string | null }

/**
 * `priority`: `urgent` requests are served before all queued others (callback acks: decision 0012), `soon` ones
 * before those without (deliveries); without, in arrival order.
 */
export type Priority = 'urgent' | 'soon';

/**
 * A request without priority that has waited this long goes before the prioritised ones: a steady stream of acks and
 * deliveries cannot hold the handlers (or anything else) back for longer.
 */
export const MAX_NORMAL_WAIT_MS = 1000;
export type Request =
  | { id: number; op: 'query'; sql: string; params?: unknown[]; rowMode?: 'array' | 'object'; rawTypes?: number[]; tx?: number; priority?: Priority }
  | { id: number; op: 'exec'; sql: string; tx?: number; priority?: Priority }
  | { id: number; op: 'begin'; priority?: Priority }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close'; priority?: Priority };

export interface WireError { message: string; name: string; stack?: string; props: Record<string, unknown> }
export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WireError };

/** An error as plain data: message, name, stack and the fields PGlite's DatabaseError carries (code, detail, …). */
export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { message: String(err), name: 'Error', props: {} };
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (v === undefined || typeof v === 'function' || (typeof v === 'object' && v !== null)) continue;
    props[k] = v;
  }
  return { message: err.message, name: err.name, stack: err.stack, props };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('store/pglite-worker.ts runs as a worker thread');
  const init = workerData as WorkerInit;
  const { PGlite: PGliteClass } = await import('@electric-sql/pglite');
  let pg: PGlite;
  try {
    pg = init.dataDir ? new PGliteClass(init.dataDir, pgliteTypeOptions) : new PGliteClass(pgliteTypeOptions);
    await pg.waitReady;
  } catch (err) {
    port.postMessage({ id: 0, ok: false, error: toWire(err) } satisfies Reply);
    return;
  }
  port.postMessage({ id: 0, ok: true, result: null } satisfies Reply);

  let nextTx = 1;
  const txs = new Map<number, Transaction>();
  /** Per open transaction, how the main thread ends it: resolve = commit, reject = roll back. */
  const enders = new Map<number, { commit(): void; rollback(): void }>();
  /** Per open transaction, PGlite's promise for it (settles after COMMIT / ROLLBACK). */
  const dones = new Map<number, Promise<unknown>>();
  const ROLLBACK = new Error('rolled back by the caller');

  const on = (tx: number | undefined): PGlite | Transaction => {
    if (tx === undefined) return pg;
    const t = txs.get(tx);
    if (!t) throw new Error(`transaction ${tx} is not open`);
    return t;
  };

  const handle = async (msg: Request): Promise<unknown> => {
    switch (msg.op) {
      case 'query': {
        const options: QueryOptions = {};
        if (msg.rowMode) options.rowMode = msg.rowMode;
        // Types the caller parses itself (its parsers are functions, which cannot cross threads) come back as text.
        if (msg.rawTypes?.length) options.parsers = Object.fromEntries(msg.rawTypes.map((t) => [t, (v: string) => v]));
        return on(msg.tx).query(msg.sql, msg.params, options);
      }
      case 'exec':
        return on(msg.tx).exec(msg.sql);
      case 'begin': {
        const id = nextTx++;
        let opened = false;
        return new Promise((started, failed) => {
          const done = pg.transaction(async (tx) => {
            txs.set(id, tx);
            opened = true;
            started(id);
            await new Promise<void>((commit, rollback) => enders.set(id, { commit, rollback: () => rollback(ROLLBACK) }));
          }).finally(() => {
            txs.delete(id);
            enders.delete(id);
          });
          dones.set(id, done);
          done.catch((err: unknown) => {
            if (!opened) {
              dones.delete(id);
              failed(err); // BEGIN itself failed
            }
          });
        });
      }
      case 'end': {
        const ender = enders.get(msg.tx);
        const done = dones.get(msg.tx);
        if (!ender || !done) throw new Error(`transaction ${msg.tx} is not open`);
        dones.delete(msg.tx);
        if (msg.commit) ender.commit();
        else ender.rollback();
        // Answered once PGlite has run COMMIT (its error, e.g. a deferred constraint, goes back) or ROLLBACK.
        try {
          await done;
        } catch (err) {
          if (err !== ROLLBACK) throw err;
        }
        return null;
      }
      case 'close':
        await pg.close();
        return null;
    }
  };

  /** Top-level requests waiting for PGlite, by priority. One runs at a time (a transaction until it ends). */
  const queues: { urgent: Request[]; soon: Request[]; normal: Request[] } = { urgent: [], soon: [], normal: [] };
  /** When each queued normal request arrived: one that has waited MAX_NORMAL_WAIT_MS goes first (no starvation). */
  const arrived = new WeakMap<Request, number>();
  const take = (): Request | undefined => {
    const oldest = queues.normal[0];
    if (oldest && performance.now() - (arrived.get(oldest) ?? Infinity) >= MAX_NORMAL_WAIT_MS) return queues.normal.shift();
    return queues.urgent.shift() ?? queues.soon.shift() ?? queues.normal.shift();
  };
  let running = false;
  let closing = false;
  const reply = (msg: Request, p: Promise<unknown>) => p.then(
    (result) => port.postMessage({ id: msg.id, ok: true, result } satisfies Reply),
    (err: unknown) => port.postMessage({ id: msg.id, ok: false, error: toWire(err) } satisfies Reply),
  );
  /**
   * The next request is chosen on a later turn of the event loop, never while messages are being dispatched: PGlite
   * runs a statement synchronously, so starting one from the message handler (or from the previous one's answer, a
   * microtask) would run the requests in the order they were posted — the port's own queue — before the rest of the
   * messages (an urgent ack among them) reached these queues.
   */
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  };
  const pump = () => {
    if (running) return;
    const msg = take();
    if (!msg) return;
    running = true;
    const next = () => {
      running = false;
      schedule();
    };
    const p = handle(msg);
    void reply(msg, p);
    if (msg.op === 'begin') {
      // Busy until the transaction has ended (committed or rolled back), or BEGIN failed.
      p.then((id) => dones.get(id as number)?.then(next, next) ?? next(), next);
    } else {
      p.then(next, next);
    }
  };

  port.on('message', (msg: Request) => {
    if (closing && msg.op !== 'end') {
      port.postMessage({ id: msg.id, ok: false, error: toWire(new Error('the embedded database is closed')) } satisfies Reply);
      return;
    }
    // close goes behind everything already queued (a graceful stop lets the work in flight finish first).
    if (msg.op === 'close') closing = true;
    const topLevel = msg.op === 'begin' || msg.op === 'close' || ((msg.op === 'query' || msg.op === 'exec') && msg.tx === undefined);
    if (topLevel) {
      const queue = msg.op === 'close' ? 'normal' : msg.priority ?? 'normal';
      // `close` never ages: it goes after everything queued before it, prioritised requests included.
      if (queue === 'normal' && msg.op !== 'close') arrived.set(msg, performance.now());
      queues[queue].push(msg);
      schedule();
      return;
    }
    handle(msg).then(
      (result) => port.postMessage({ id: msg.id, ok: true, result } satisfies Reply),
      (err: unknown) => port.postMessage({ id: msg.id, ok: false, error: toWire(err) } satisfies Reply),
    );
  });
}

if (parentPort) {
  main().catch((err: unknown) => {
    parentPort?.postMessage({ id: 0, ok: false, error: toWire(err) } satisfies Reply);
  });
}
