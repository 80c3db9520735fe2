/**
 * The database factory: PostgreSQL through node-postgres when DATABASE_URL is set, otherwise embedded PGlite
 * under DATA_DIR (for trying, demos and tests: it never fsyncs, and only one process may open a directory,
 * so we hold a lock file there). One schema, one set of migrations, two drizzle drivers.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import { withCommitTails } from './commit-tail';
import * as schema from './schema';

export { soonQueries, urgentQueries } from './pglite-thread';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  /** Runs raw SQL and returns plain rows (both drivers return `{ rows }`). */
  rows<T = Record<string, unknown>>(query: SQL, on?: DbOrTx): Promise<T[]>;
  /** Runs a multi-statement script (migrations). */
  execScript(script: string): Promise<void>;
  /** Serialises a critical section across processes (pg advisory lock; PGlite is single-process already). */
  withAdvisoryLock<T>(key: number, fn: () => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  /** PGlite data directory; `memory://` for an in-memory database (tests). */
  dataDir: string;
  poolSize?: number;
  /**
   * Embedded mode: run PGlite in its own worker thread (store/pglite-thread.ts, decision 0012) so its queries do
   * not block the event loop. Default: on for a data directory on disk (what `npm start` runs), off for `memory://`
   * (tests); EMBEDDED_DB_THREAD=worker / main overrides the default.
   */
  pgliteThread?: 'worker' | 'main';
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 20);
  const env = process.env.EMBEDDED_DB_THREAD;
  const thread = opts.pgliteThread ?? (env === 'worker' || env === 'main' ? env : opts.dataDir.startsWith('memory://') ? 'main' : 'worker');
  return openPglite(opts.dataDir, thread);
}

type QueryClient = { query: (...args: unknown[]) => unknown };

/** The most statements one pool names; beyond it statements stay unnamed (each costs memory in every backend). */
const MAX_NAMED_STATEMENTS = 256;
/** Statements with more parameters stay unnamed: multi-row batches, one text per size, would use up the names. */
const MAX_NAMED_PARAMETERS = 40;

/**
 * Which statement texts get a name: a parameterised text seen a second time (one-offs such as ops queries stay
 * unnamed), up to MAX_NAMED_STATEMENTS per pool. The name is derived from the text, so it is the same on every
 * connection and two texts never share one.
 */
export function hotStatementNames(max = MAX_NAMED_STATEMENTS): (text: string) => string | undefined {
  const seen = new Set<string>();
  const named = new Map<string, string>();
  return (text) => {
    const name = named.get(text);
    if (name !== undefined || named.size >= max) return name;
    if (!seen.has(text)) {
      if (seen.size < max * 8) seen.add(text);
      return undefined;
    }
    const fresh = `spb_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    named.set(text, fresh);
    return fresh;
  };
}

/**
 * Gives the hot parameterised statements a name on this connection, so PostgreSQL parses and plans each once per
 * connection instead of on every call (node-postgres then sends only Bind/Execute). drizzle builds most statements
 * per call without a name; the name comes from the text. Scripts (no parameters) are left alone: a named statement
 * holds one command.
 */
function nameHotStatements(client: QueryClient, nameFor: (text: string) => string | undefined): void {
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]) {
    const config = args[0] as { text?: unknown; name?: unknown; values?: unknown } | undefined;
    const values = Array.isArray(args[1]) ? args[1] : config?.values;
    let name: string | undefined;
    if (config && typeof config === 'object' && typeof config.text === 'string' && config.name === undefined && Array.isArray(values)
      && values.length && values.length <= MAX_NAMED_PARAMETERS) {
      name = nameFor(config.text);
      if (name) args[0] = { ...config, name };
    }
    const result = query.apply(this, args);
    if (name && result && typeof (result as Promise<unknown>).then === 'function') {
      // A value node-postgres cannot serialise makes it close the statement on the server while still counting it as
      // prepared: "prepared statement … does not exist" (26000) would follow on this connection. Forget it, so the
      // next call parses it again.
      (result as Promise<unknown>).catch((err: unknown) => {
        const parsed = (client as unknown as { connection?: { parsedStatements?: Record<string, string> } }).connection?.parsedStatements;
        if ((err as { code?: unknown }).code === '26000' && parsed) delete parsed[name!];
      });
    }
    return result;
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const { Pool, types } = await import('pg');
  // int8 (count(*), bigserial) arrives as a string from pg; our ids and counts fit in a JS number.
  types.setTypeParser(20, (v: string) => Number(v));
  const { drizzle } = await import('drizzle-orm/node-postgres');
  // keepAlive and a connect timeout: a connection whose link died silently (a failover) must fail, not hang for the
  // kernel's retry time — the batched callback insert (store/natural-batch.ts) runs one statement at a time.
  const pool = new Pool({ connectionString: url, max: poolSize, keepAlive: true, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // an idle client's error is reported on the next query
  const hot = hotStatementNames();
  pool.on('connect', (client) => nameHotStatements(client as unknown as QueryClient, hot));
  const db = withCommitTails(drizzle(pool, { schema }) as unknown as Db);
  return {
    db,
    driver: 'postgres',
    async rows<T>(query: SQL, on: DbOrTx = db) {
      const r = (await on.execute(query)) as unknown as { rows: T[] };
      return r.rows;
    },
    async execScript(script) {
      const client = await pool.connect();
      try {
        await client.query(script);
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async withAdvisoryLock(key, fn) {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [key]);
        try {
          return await fn();
        } finally {
          await client.query('select pg_advisory_unlock($1)', [key]);
        }
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}

/** The part of PGlite's client store/db.ts and drizzle use: PGlite itself, or its proxy on the main thread. */
interface PgliteLike {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  exec(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

async function openPglite(dataDir: string, thread: 'worker' | 'main'): Promise<Database> {
  const { drizzle } = await import('drizzle-orm/pglite');
  const inMemory = dataDir.startsWith('memory://');
  let release = () => undefined as void;
  if (!inMemory) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = takeDirectoryLock(dataDir);
  }
  let client: PgliteLike;
  try {
    const dir = inMemory ? null : path.join(dataDir, 'pglite');
    if (thread === 'worker') {
      const { PgliteThread } = await import('./pglite-thread');
      client = await PgliteThread.open(dir);
    } else {
      const { PGlite } = await import('@electric-sql/pglite');
      const { pgliteTypeOptions } = await import('./pglite-types');
      const pg = dir ? new PGlite(dir, pgliteTypeOptions) : new PGlite(pgliteTypeOptions);
      await pg.waitReady;
      client = pg;
    }
  } catch (err) {
    release();
    throw err;
  }
  const db = withCommitTails(drizzle({ client: client as never, schema }) as unknown as Db);
  return {
    db,
    driver: 'pglite',
    async rows<T>(query: SQL, on: DbOrTx = db) {
      const r = (await on.execute(query)) as unknown as { rows: T[] };
      return r.rows;
    },
    async execScript(script) {
      try {
        await client.exec(script);
      } catch (err) {
        await client.exec('rollback').catch(() => undefined);
        throw err;
      }
    },
    async withAdvisoryLock(_key, fn) {
      return fn();
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      await client.close();
      release();
    },
  };
}

/**
 * PGlite corrupts a data directory opened by two processes at once. Take `<dir>/bot.lock` exclusively; a lock
 * left by a dead process is taken over, a live one is refused with a clear message. The lock records the pid and
 * the process start time (Linux: /proc/<pid>/stat), so a pid reused by an unrelated process is not mistaken for
 * the holder.
 */
export function takeDirectoryLock(dir: string): () => void {
  const lockPath = path.join(dir, 'bot.lock');
  const mine = lockStamp(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, mine);
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === mine) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const recorded = fs.readFileSync(lockPath, 'utf8').trim();
      const holder = Number(recorded.split(':')[0]);
      if (holder && holder !== process.pid && holdsLock(holder, recorded)) {
        throw new Error(
          `The embedded database in ${dir} is already in use by process ${holder}. ` +
            'Only one bot process may use an embedded (PGlite) data directory; stop the other process, ' +
            'or set DATABASE_URL to a PostgreSQL server to run several instances.',
        );
      }
      fs.unlinkSync(lockPath); // stale lock from a dead process (or from a pid now used by another program)
    }
  }
  throw new Error(`could not lock ${dir}`);
}

/** `pid:starttime` where the OS tells the start time (Linux), else `pid`. */
export function lockStamp(pid: number): string {
  const start = processStartTime(pid);
  return start === null ? String(pid) : `${pid}:${start}`;
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; null when unknown. */
function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** The recorded holder still runs: the pid is alive and, when a start time was recorded, it is the same process. */
function holdsLock(pid: number, recorded: string): boolean {
  if (!isAlive(pid)) return false;
  const recordedStart = recorded.split(':')[1];
  if (!recordedStart) return true; // an old-format lock: pid only
  const now = processStartTime(pid);
  return now === null || now === recordedStart;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Timestamps read through raw SQL (`Database.rows`) arrive as strings from drizzle's node-postgres driver and as
 * Dates from PGlite; every raw-SQL repository turns them into Dates with this one helper.
 */
export function asDate(v: Date | string): Date;
export function asDate(v: Date | string | null | undefined): Date | null;
export function asDate(v: Date | string | null | undefined): Date | null {
  return v === null || v === undefined ? null : v instanceof Date ? v : new Date(v);
}
