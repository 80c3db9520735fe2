/**
 * Fresh databases for tests: a new PostgreSQL database per call (dropped on close), or an in-memory PGlite.
 * Both are migrated with the real migrations.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type Database } from '../../store/db';
import { migrate } from '../../store/migrate';
import { TEST_PG_URL } from './env';

export type Driver = 'postgres' | 'pglite';
export const DRIVERS: Driver[] = ['postgres', 'pglite'];

export interface TestDatabase extends Database {
  url?: string;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `spb_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

export async function openTestDatabase(driver: Driver, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (driver === 'pglite') {
    const db = await openDatabase({ dataDir: 'memory://' });
    if (opts.migrate !== false) await migrate(db);
    return db;
  }
  const pg = await createPostgresDatabase();
  const db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused', poolSize: 10 });
  if (opts.migrate !== false) await migrate(db);
  const close = db.close;
  return {
    ...db,
    url: pg.url,
    async close() {
      await close();
      await pg.drop();
    },
  };
}
