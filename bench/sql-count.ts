import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Counts the SQL statements this process sends to PostgreSQL and the time until each answer (node-postgres'
 * Client.query, which the pool and drizzle use), so a benchmark can print queries per message.
 */
export const sqlStats = { queries: 0, ms: 0 };
/** With BENCH_SQL_TOP=<file>: every statement's text (first 160 characters) with its count, written at exit. */
const sqlTexts = new Map<string, number>();
export async function countQueries(): Promise<void> {
  const pg = await import('pg');
  const topFile = process.env.BENCH_SQL_TOP;
  if (topFile) {
    process.on('exit', () => {
      const rows = [...sqlTexts].sort((a, b) => b[1] - a[1]).map(([text, n]) => `${String(n).padStart(8)}  ${text}`);
      fs.writeFileSync(`${topFile}.${process.pid}`, rows.join('\n') + '\n');
    });
  }
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    sqlStats.queries++;
    if (topFile) {
      const q = args[0] as string | { text?: string } | undefined;
      const text = (typeof q === 'string' ? q : q?.text ?? '?').replace(/\s+/g, ' ').slice(0, 160);
      sqlTexts.set(text, (sqlTexts.get(text) ?? 0) + 1);
    }
    const t = performance.now();
    const r = original.apply(this, args);
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      (r as Promise<unknown>).then(() => { sqlStats.ms += performance.now() - t; }, () => { sqlStats.ms += performance.now() - t; });
    }
    return r;
  };
}

