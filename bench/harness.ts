/** Small pieces shared by the benchmarks: machine CPU readings and the server child's stop protocol. */
import fs from 'node:fs';
import os from 'node:os';

/** Machine-wide CPU time (all cores), in core-seconds busy and total. */
export function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { busy: busy / 1000, total: total / 1000 };
}

/**
 * In a benchmark's server child: stops the server when the parent asks ('stop'), answering 'stopped' (or 'error'),
 * and also when the parent goes away without asking, so no child lingers.
 */
export function stopOnRequest(stopOnce: () => Promise<unknown>, send: (msg: { type: 'stopped' } | { type: 'error'; message: string }) => void): (msg: { type: string }) => boolean {
  process.on('disconnect', () => {
    void stopOnce().finally(() => process.exit(0));
  });
  return (msg) => {
    if (msg.type !== 'stop') return false;
    stopOnce()
      .then(() => {
        send({ type: 'stopped' });
        process.disconnect?.();
        setTimeout(() => process.exit(0), 50).unref();
      })
      .catch((err: unknown) => {
        send({ type: 'error', message: String(err) });
        process.exit(1);
      });
    return true;
  };
}

export const fmtNum = (n: number, d = 0): string =>
  (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');

/** A fixed-width text table; the first column left-aligned, the rest right-aligned. */
export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? (c ?? '').padEnd(widths[i]!) : (c ?? '').padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Machine CPU busy share (0–100) over `ms`, and the load average: printed before and after each benchmark. */
export async function machineLoad(ms = 1000): Promise<{ busyPct: number; text: string }> {
  const a = machineCpu();
  await new Promise((r) => setTimeout(r, ms));
  const b = machineCpu();
  const busyPct = ((b.busy - a.busy) / Math.max(1e-9, b.total - a.total)) * 100;
  return { busyPct, text: `${fmtNum(busyPct)} % busy over ${ms / 1000} s (${os.cpus().length} CPUs), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}` };
}

/**
 * One goal of issue 16. `measured` and `limit` are in `unit`; `kind` max = measured must stay below the limit,
 * min = measured must reach it. `ratio` is measured ÷ limit (below 1 meets a max goal, 1 or more meets a min goal).
 */
export interface Goal {
  bench: string;
  goal: string;
  kind: 'max' | 'min';
  limit: number;
  measured: number;
  unit: string;
  /** Absolute figures behind a ratio goal, sizes, anything the reader needs beside the number. */
  detail?: string;
}

export const goalMet = (g: Goal): boolean => Number.isFinite(g.measured) && (g.kind === 'max' ? g.measured < g.limit : g.measured >= g.limit);

export function goalRows(goals: readonly Goal[]): string[][] {
  return [['goal', 'target', 'measured', 'ratio', 'met', 'detail'],
    ...goals.map((g) => [
      `${g.bench}: ${g.goal}`, `${g.kind === 'max' ? '<' : '≥'} ${fmtNum(g.limit, g.limit < 10 ? 1 : 0)} ${g.unit}`,
      `${fmtNum(g.measured, Math.abs(g.measured) < 10 ? 2 : 0)} ${g.unit}`, fmtNum(g.measured / g.limit, 2),
      goalMet(g) ? 'met' : 'MISSED', g.detail ?? '',
    ])];
}

/**
 * Ends a benchmark: prints its goals as one table (the last thing it prints) and, when BENCH_RESULT names a
 * file, appends them there as JSON lines for `npm run bench:all`.
 */
export function reportGoals(title: string, goals: readonly Goal[], notes: readonly string[] = []): void {
  console.log(`\n== ${title}: summary ==`);
  for (const n of notes) console.log(n);
  console.log(textTable(goalRows(goals)));
  if (process.env.BENCH_RESULT) {
    fs.appendFileSync(process.env.BENCH_RESULT, goals.map((g) => JSON.stringify(g)).join('\n') + '\n');
  }
}

/**
 * The benchmark's PostgreSQL database: a fresh one (dropped at the end). With BENCH_DB=migrated it is migrated
 * before the benchmark starts, as a database a deployment has already migrated: the benchmark's own migrate()
 * and setup must then work on it unchanged.
 */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void>; mode: 'fresh' | 'migrated' }> {
  const { createPostgresDatabase } = await import('../test/helpers/db');
  const pg = await createPostgresDatabase();
  const mode = process.env.BENCH_DB === 'migrated' ? 'migrated' : 'fresh';
  if (mode === 'migrated') {
    const { openDatabase } = await import('../store/db');
    const { migrate } = await import('../store/migrate');
    const db = await openDatabase({ databaseUrl: pg.url, dataDir: 'unused', poolSize: 2 }); // migrate holds one client for its lock
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
  }
  return { ...pg, mode };
}

/** CPU seconds (Linux /proc) of PostgreSQL backends serving `db` (except `skipPid`), all postgres processes, Redis. */
export function serviceCpu(db: string, skipPid: number) {
  const out = { pgDb: 0, pgAll: 0, redis: 0 };
  if (!fs.existsSync('/proc/self/stat')) return out;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const sec = (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ = 100
      if (comm.startsWith('redis-server')) out.redis += sec;
      if (comm !== 'postgres') continue;
      out.pgAll += sec;
      if (Number(pid) !== skipPid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${db} `)) out.pgDb += sec;
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}
