/**
 * The main thread's side of the embedded database's own thread (decision 0012): a client with the part of PGlite's
 * interface that drizzle-orm/pglite and store/db.ts use — query(sql, params, { rowMode, parsers }), exec(sql),
 * transaction(fn) with a transaction client (query, exec, rollback, closed), close() — whose calls run in the worker
 * of store/pglite-worker.ts. Results cross by structured clone (Dates, Uint8Array, bigint as they are).
 *
 * Parsers are functions and cannot cross: the worker returns the columns of those types as text and they are
 * parsed here with the caller's functions, which is what PGlite does with them. A transaction is opened in the
 * worker and its id travels with each query issued on the transaction client; the worker ends it (COMMIT, or
 * ROLLBACK when `fn` throws) as PGlite's own transaction() would.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Reply, Request, WireError, WorkerInit } from './pglite-worker';

type Parser = (value: string, typeId: number) => unknown;
export interface ThreadQueryOptions {
  rowMode?: 'array' | 'object';
  parsers?: Record<number, Parser>;
  paramTypes?: number[];
}
export interface ThreadResults<T = unknown> {
  rows: T[];
  affectedRows?: number;
  fields: { name: string; dataTypeID: number }[];
}
export interface ThreadTransaction {
  query<T>(sql: string, params?: unknown[], options?: ThreadQueryOptions): Promise<ThreadResults<T>>;
  exec(sql: string): Promise<ThreadResults[]>;
  rollback(): Promise<void>;
  readonly closed: boolean;
}

/** How soon the worker serves a request: `urgent` first, then `soon`, then the rest in arrival order. */
export type QueryPriority = 'urgent' | 'soon';
const priority = new AsyncLocalStorage<QueryPriority>();

/**
 * Runs `fn` with its embedded-database requests marked urgent: the worker serves them before queued ones (the
 * insert that acks a callback must not wait behind the handlers' backlog). No effect on PostgreSQL or on PGlite on
 * the main thread.
 */
export function urgentQueries<T>(fn: () => Promise<T>): Promise<T> {
  return priority.run('urgent', fn);
}

/**
 * Runs `fn` with its embedded-database requests served after the urgent ones and before the rest: the delivery of
 * replies already decided (planning a send, recording it sent) must not wait behind the handlers' queued
 * transactions, or replies trail the handling without bound. No effect on PostgreSQL or on PGlite on the main thread.
 */
export function soonQueries<T>(fn: () => Promise<T>): Promise<T> {
  return priority.run('soon', fn);
}

type Call = Request extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never;

/** A DatabaseError from the worker: the same message, name and fields (code, detail, constraint, …). */
function fromWire(w: WireError): Error {
  const err = new Error(w.message);
  err.name = w.name;
  if (w.stack) err.stack = w.stack;
  Object.assign(err, w.props);
  return err;
}

/** The worker from compiled JavaScript (dist, `npm start`), or from TypeScript through ts-node (tests, `npm run dev`). */
function spawn(init: WorkerInit): Worker {
  const js = path.join(__dirname, 'pglite-worker.js');
  if (fs.existsSync(js)) return new Worker(js, { workerData: init });
  const ts = path.join(__dirname, 'pglite-worker.ts');
  const tsNode = require.resolve('ts-node');
  return new Worker(
    `require(${JSON.stringify(tsNode)}).register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });\n` +
      `require(${JSON.stringify(ts)});`,
    { eval: true, workerData: init },
  );
}

export class PgliteThread {
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private dead: Error | null = null;
  private openTxs = 0;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.refIfBusy();
      if (m.ok) p.resolve(m.result);
      else p.reject(fromWire(m.error));
    });
    const fail = (err: Error) => {
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the embedded database's thread exited (${code})`)));
  }

  /** Starts the worker and opens PGlite there (`dataDir` null: in memory). */
  static async open(dataDir: string | null): Promise<PgliteThread> {
    const worker = spawn({ dataDir });
    let onMessage!: (m: Reply) => void;
    let onError!: (err: Error) => void;
    let onExit!: (code: number) => void;
    const ready = await new Promise<Reply>((resolve, reject) => {
      onMessage = resolve;
      onError = reject;
      onExit = (code) => reject(new Error(`the embedded database's thread exited (${code}) while opening`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    }).finally(() => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    });
    if (!ready.ok) {
      await worker.terminate();
      throw fromWire(ready.error);
    }
    const t = new PgliteThread(worker);
    t.refIfBusy();
    return t;
  }

  /** The worker keeps the process alive only while a call is outstanding, like a socket would. */
  private refIfBusy(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private call(msg: Call): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.refIfBusy();
      const p = priority.getStore();
      this.worker.postMessage({ ...msg, id, ...(p ? { priority: p } : {}) } as Request);
    });
  }

  async query<T>(sql: string, params?: unknown[], options: ThreadQueryOptions = {}, tx?: number): Promise<ThreadResults<T>> {
    const unsupported = Object.keys(options).filter((k) => !['rowMode', 'parsers', 'paramTypes'].includes(k));
    if (unsupported.length) throw new Error(`query option(s) ${unsupported.join(', ')} not supported by the embedded database's thread`);
    const parsers = options.parsers;
    const rawTypes = parsers ? Object.keys(parsers).map(Number) : undefined;
    const r = (await this.call({ op: 'query', sql, params, rowMode: options.rowMode, rawTypes, tx })) as ThreadResults<T>;
    if (parsers && rawTypes!.length) {
      r.fields.forEach((f, i) => {
        const parse = parsers[f.dataTypeID];
        if (!parse) return;
        for (const row of r.rows as unknown as Record<string | number, unknown>[]) {
          const key = options.rowMode === 'array' ? i : f.name;
          const v = row[key];
          if (typeof v === 'string') row[key] = parse(v, f.dataTypeID);
        }
      });
    }
    return r;
  }

  async exec(sql: string, tx?: number): Promise<ThreadResults[]> {
    return (await this.call({ op: 'exec', sql, tx })) as ThreadResults[];
  }

  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws (its error is rethrown). */
  async transaction<T>(fn: (tx: ThreadTransaction) => Promise<T>): Promise<T> {
    const id = (await this.call({ op: 'begin' })) as number;
    this.openTxs++; // for debugging: transactions open now
    let closed = false;
    const open = () => {
      if (closed) throw new Error('Transaction is closed');
    };
    const tx: ThreadTransaction = {
      query: async (sql, params, options) => {
        open();
        return this.query(sql, params, options, id);
      },
      exec: async (sql) => {
        open();
        return this.exec(sql, id);
      },
      rollback: async () => {
        open();
        closed = true;
        await this.call({ op: 'end', tx: id, commit: false });
      },
      get closed() {
        return closed;
      },
    };
    try {
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        if (!closed) {
          closed = true;
          await this.call({ op: 'end', tx: id, commit: false }).catch(() => undefined);
        }
        throw err;
      }
      if (!closed) {
        closed = true;
        await this.call({ op: 'end', tx: id, commit: true });
      }
      return result;
    } finally {
      this.openTxs--;
    }
  }

  /**
   * Closes PGlite after the requests queued before (its files are complete on disk afterwards) and ends the thread.
   * A transaction left open by its caller would hold the close forever: after `graceMs` the thread ends anyway.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (!this.dead) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.call({ op: 'close' }).catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    this.dead ??= new Error('the embedded database is closed');
    await this.worker.terminate();
  }
}
