/**
 * `npm run bench:all`: every benchmark of issue 16 in one run, one after another (each in its own process, so
 * none shares an event loop or a database with another), then one table of every goal with met / missed and
 * the ratio to its target beside the absolute figure.
 *
 * Sizes are chosen so the whole run takes minutes on a 2-core machine; every one can be overridden by setting
 * the benchmark's own variable (see bench/README.md). The analytics goals are about 1M stage events, so those
 * benchmarks keep their full size. The database benchmarks start from an already migrated database
 * (BENCH_DB=migrated; BENCH_DB=fresh to start from an empty one).
 *
 * Env: BENCH_ONLY (e.g. "analytics,timers"), BENCH_DB (migrated).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { goalMet, goalRows, machineLoad, textTable, type Goal } from './harness';

interface Run { id: string; script: string; env: Record<string, string> }

const RUNS: Run[] = [
  { id: 'callback', script: 'callback.bench.ts', env: { BENCH_DURATION: '5', BENCH_WARMUP: '1', BENCH_POOL: '20000', BENCH_CASES: 'a,b,b-rx', BENCH_DRAIN_WAIT: '20' } },
  { id: 'analytics', script: 'analytics.bench.ts', env: { BENCH_CUSTOMERS: '50000', BENCH_EVENTS_PER_CUSTOMER: '20', BENCH_RUNS: '3' } },
  { id: 'penetration', script: 'penetration.bench.ts', env: { BENCH_CUSTOMERS: '50000', BENCH_EVENTS_PER_CUSTOMER: '20', BENCH_RUNS: '3' } },
  { id: 'latency', script: 'latency.bench.ts', env: { BENCH_RATES: '50,100,200,500', BENCH_DURATION: '15', BENCH_WARMUP: '5', BENCH_DRAIN_WAIT: '30', BENCH_CONFIGS: 'one,two' } },
  { id: 'embedded', script: 'embedded.bench.ts', env: { BENCH_RATE: '200', BENCH_DURATION: '20', BENCH_WARMUP: '3', BENCH_UPLOAD_MB: '20', BENCH_DRAIN_WAIT: '30' } },
  { id: 'timers', script: 'timers.bench.ts', env: { BENCH_TIMERS: '20000', BENCH_DUE: '5000', BENCH_LEAD: '15', BENCH_WAIT: '120' } },
];

function runOne(run: Run, resultFile: string): Promise<{ code: number; seconds: number; env: Record<string, string> }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(run.env)) env[k] = process.env[k] ?? v;
  env.BENCH_DB = process.env.BENCH_DB ?? 'migrated';
  const t = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, run.script)], {
      env: { ...process.env, ...env, BENCH_RESULT: resultFile }, stdio: 'inherit',
    });
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), seconds: (performance.now() - t) / 1000, env }));
  });
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  const runs = RUNS.filter((r) => (!only || only.includes(r.id)) && fs.existsSync(path.join(__dirname, r.script)));
  const before = await machineLoad();
  const cpus = os.cpus();
  console.log(`bench:all — node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? '?'}); machine before: ${before.text}\n`);
  const resultFile = path.join(os.tmpdir(), `spb-bench-all-${process.pid}.jsonl`);
  fs.writeFileSync(resultFile, '');
  const ran: string[][] = [['benchmark', 'exit', 'seconds', 'sizes']];
  try {
    for (const run of runs) {
      console.log(`\n######## ${run.id} (${run.script}) ########`);
      const r = await runOne(run, resultFile);
      ran.push([run.id, String(r.code), r.seconds.toFixed(0), Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(' ')]);
    }
    const goals = fs.readFileSync(resultFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Goal);
    const after = await machineLoad();
    console.log('\n\n======== bench:all ========');
    console.log(textTable(ran));
    console.log(`machine before: ${before.text}; after: ${after.text}. Figures on a machine shared with other work are low and noisy.\n`);
    console.log(textTable(goalRows(goals)));
    const missed = goals.filter((g) => !goalMet(g)).length;
    const failed = ran.slice(1).filter((r) => r[1] !== '0').length;
    console.log(`\n${goals.length - missed} of ${goals.length} goals met${missed ? `, ${missed} missed` : ''}${failed ? `; ${failed} benchmark(s) exited non-zero` : ''}.`);
    if (failed) process.exitCode = 1;
  } finally {
    fs.rmSync(resultFile, { force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
