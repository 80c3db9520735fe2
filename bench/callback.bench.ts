/**
 * `npm run bench`: how much the WeCom callback path costs compared with a bare express route.
 *
 * Cases (each: 2 s warm-up, then BENCH_DURATION s, default 10, at BENCH_CONNECTIONS, default 50):
 *   a    POST /bare on an express app with the bot's middlewares (express.raw, request id): the floor;
 *   b    POST /wecom/callback of the real bot (createBot), fresh PostgreSQL database, in-process workers
 *        running and replying through a local WeCom stub — the real deployment;
 *   b-rx the same with the job runner stopped: only the receiver path (verify, decrypt, parse, insert, ack);
 *   b-bull the same as b with REDIS_URL (bull runner) and a unique prefix — skipped if Redis does not answer
 *        or BENCH_REDIS=0.
 * Each server runs in a child process (bench/bench-server.ts), autocannon in this one. Every request carries a
 * real encrypted, signed callback with a fresh MsgId, taken from a pool sealed beforehand so the generator's
 * encryption does not skew the figures. Afterwards SQL checks that the inbox holds exactly one row per 2xx.
 *
 * Env: BENCH_DURATION, BENCH_WARMUP (2), BENCH_CONNECTIONS (50), BENCH_POOL (60000), BENCH_USERS (200),
 * BENCH_CASES (e.g. "a,b"), BENCH_REDIS=0, BENCH_DRAIN_WAIT (s to wait for the workers' backlog, 30),
 * BENCH_LOG_LEVEL (silent), BENCH_CPU_PROF=<dir> (write a V8 CPU profile of each server child there),
 * TEST_DATABASE_URL / TEST_REDIS_URL (see test/helpers/env.ts).
 */
import { benchDatabase, machineCpu, machineLoad, reportGoals, type Goal } from './harness';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { Client } from 'pg';
import type { FromChild, ChildCase, ToChild } from './bench-server';

// test/helpers/wecom.ts imports nock, which patches node's http on import; the benchmark must not run through
// it. NOCK_OFF is read at import time, hence the dynamic imports in main().
process.env.NOCK_OFF = 'true';

// autocannon ships no types; the part of its API used here.
interface AutocannonClient {
  reqsMade: number;
  responseMax: number | undefined;
}
interface AutocannonResult {
  latency: { p50: number; p99: number; mean: number; max: number };
  /** total = answers received, sent = requests written. */
  requests: { mean: number; total: number; sent: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', fn: () => void): void;
}
type Autocannon = (
  opts: Record<string, unknown>,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
const POOL = num('BENCH_POOL', 60_000);
const USERS = num('BENCH_USERS', 200);
const DRAIN_WAIT = num('BENCH_DRAIN_WAIT', 30);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'silent';
const CPU_PROF = process.env.BENCH_CPU_PROF;
const GOAL_RATIO = 0.4;
const GOAL_P99_MS = 50;

interface Sealed {
  path: string;
  body: Buffer;
}

/** One load run, stopped cleanly: at the deadline no client sends again, and every answer still due arrives. */
async function load(port: string | number, urlPath: string, seconds: number, next: () => Sealed) {
  const clients: AutocannonClient[] = [];
  let lastResponse = 0;
  const started = performance.now();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const inst = autocannon(
      {
        url: `http://127.0.0.1:${port}${urlPath}`,
        connections: CONNECTIONS,
        duration: seconds + 60, // a safety net; the deadline below ends the run
        timeout: 10,
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        requests: [{
          method: 'POST',
          setupRequest: (req: Record<string, unknown>) => {
            const s = next();
            return { ...req, path: urlPath === '/bare' ? '/bare' : s.path, body: s.body };
          },
        }],
        setupClient: (c: AutocannonClient) => clients.push(c),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    inst.on('response', () => {
      lastResponse = performance.now();
    });
    // Deadline: each client destroys itself at its next _doRequest, i.e. right after the answer in flight.
    setTimeout(() => {
      for (const c of clients) c.responseMax = Math.max(1, c.reqsMade);
    }, seconds * 1000);
  });
  const elapsedSec = ((lastResponse || performance.now()) - started) / 1000;
  return { result, elapsedSec, rps: result.requests.total / elapsedSec, inFlightAtEnd: result.requests.sent - result.requests.total };
}

/** A tiny WeCom API: gettoken and message/send (and card updates) answer errcode 0. No nock: this is not a test. */
async function wecomStub() {
  const counts = { gettoken: 0, send: 0, update: 0, other: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = (req.url ?? '').split('?')[0];
      let body: Record<string, unknown>;
      if (p === '/cgi-bin/gettoken') {
        counts.gettoken++;
        body = { errcode: 0, errmsg: 'ok', access_token: `bench-token-${counts.gettoken}`, expires_in: 7200 };
      } else if (p === '/cgi-bin/message/send') {
        counts.send++;
        body = { errcode: 0, errmsg: 'ok', msgid: `m${counts.send}`, response_code: `rc${counts.send}` };
      } else if (p === '/cgi-bin/message/update_template_card') {
        counts.update++;
        body = { errcode: 0, errmsg: 'ok' };
      } else {
        counts.other++;
        body = { errcode: 0, errmsg: 'ok' };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The server child: forked with ts-node, driven over IPC. */
class ServerChild {
  private readonly child: ChildProcess;
  private readonly waiters: ((m: FromChild) => void)[] = [];
  private exited = false;
  readonly exit: Promise<number | null>;

  constructor(spec: ChildCase, name: string) {
    const execArgv = ['-r', 'ts-node/register/transpile-only'];
    if (CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`);
    this.child = fork(path.join(__dirname, 'bench-server.ts'), [], {
      execArgv,
      env: { ...process.env, BENCH_CHILD: JSON.stringify(spec), NOCK_OFF: 'true' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: FromChild) => {
      const w = this.waiters.shift();
      if (w) w(m);
    });
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w({ type: 'error', message: `server child exited (${code})` });
      resolve(code);
    }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private next(timeoutMs: number): Promise<FromChild> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('server child did not answer')), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(t);
        if (m.type === 'error') reject(new Error(m.message));
        else resolve(m);
      });
    });
  }

  async ready() {
    const m = await this.next(60_000);
    if (m.type !== 'ready') throw new Error(`unexpected ${m.type}`);
    return m;
  }

  async mark() {
    const p = this.next(30_000);
    this.child.send({ type: 'mark' } satisfies ToChild);
    const m = await p;
    if (m.type !== 'mark') throw new Error(`unexpected ${m.type}`);
    return m;
  }

  /** Graceful stop; killed (this child only, by its pid) if it does not stop within 60 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const p = this.next(60_000);
    this.child.send({ type: 'stop' } satisfies ToChild);
    try {
      await p;
    } catch (err) {
      this.child.kill('SIGKILL');
      throw err;
    }
    await this.exit;
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

interface CaseSpec {
  id: string;
  label: string;
  mode: 'bare' | 'bot';
  stopWorkers?: boolean;
  redis?: boolean;
}

interface CaseResult {
  spec: CaseSpec;
  setup: string;
  rps: number;
  acMeanRps: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  serverCpuPct: number;
  serverElu: number;
  serverCpuUsPerReq: number;
  rssMb: number;
  check?: string;
  checkOk?: boolean;
  drain?: string;
  statusCodes: string;
  machine?: string;
}

async function redisAnswers(url: string): Promise<boolean> {
  const r = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function deleteRedisPrefix(url: string, prefix: string): Promise<number> {
  const r = new IORedis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => undefined);
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [c, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = c;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}

async function sqlCount(url: string, q: string): Promise<Record<string, number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(q);
    return Object.fromEntries(Object.entries(r.rows[0] as Record<string, unknown>).map(([k, v]) => [k, Number(v)]));
  } finally {
    await c.end();
  }
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const { sealCallback, textXml, testConfig } = await import('../test/helpers/wecom');
  const { TEST_REDIS_URL } = await import('../test/helpers/env');

  const cpus = os.cpus();
  console.log(`sales-process-bot callback benchmark — node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? '?'}), ` +
    `${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM`);
  console.log(`setup: each server in its own child process (node -r ts-node/register/transpile-only bench/bench-server.ts), ` +
    `autocannon ${CONNECTIONS} connections in this process; PostgreSQL/Redis local (they share the same CPUs)`);
  console.log(`load: ${WARMUP} s warm-up + ${DURATION} s measured per case; stop at the deadline waits for answers in flight\n`);

  // Other work on the machine (a test run, a compiler) skews every figure: say so up front.
  const q0 = machineCpu();
  await sleep(1000);
  const q1 = machineCpu();
  const busyBefore = ((q1.busy - q0.busy) / (q1.total - q0.total)) * 100;
  console.log(`machine before the run: ${fmt(busyBefore)} % busy over 1 s, load average ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}` +
    (busyBefore > 15 ? ' — WARNING: other work is running; figures will be low and noisy' : ''));

  // 1. The pool of sealed callbacks: encryption off the hot path of the load generator.
  const users = Array.from({ length: USERS }, (_, i) => `bench-user-${String(i).padStart(4, '0')}`);
  const heapBefore = process.memoryUsage();
  const t0 = performance.now();
  const seal = (i: number): Sealed => {
    const s = sealCallback(textXml(users[i % users.length]!, `客户 测试${i % 97} 已拜访，下周回访 #${i}`));
    return { path: `/wecom/callback?${s.query}`, body: Buffer.from(s.body) };
  };
  const pool: Sealed[] = new Array<Sealed>(POOL);
  for (let i = 0; i < POOL; i++) pool[i] = seal(i);
  const sealMs = performance.now() - t0;
  const heapAfter = process.memoryUsage();
  const poolBytes = pool.reduce((a, s) => a + s.path.length + s.body.length, 0);
  console.log(`pool: ${fmt(POOL)} sealed callbacks (${USERS} users, fresh MsgId each) in ${fmt(sealMs)} ms ` +
    `(${fmt((sealMs * 1000) / POOL, 1)} µs each); payload ${fmt(poolBytes / 1e6, 1)} MB, ` +
    `heap+external +${fmt((heapAfter.heapUsed + heapAfter.external - heapBefore.heapUsed - heapBefore.external) / 1e6, 1)} MB, ` +
    `rss ${fmt(heapAfter.rss / 1e6)} MB`);

  const stub = await wecomStub();
  console.log(`WeCom stub: ${stub.base} (gettoken, message/send, update_template_card → errcode 0)\n`);
  try {
    await runCases(pool, seal, stub, cpus.length, { testConfig, TEST_REDIS_URL });
  } finally {
    await stub.close();
  }
}

type Stub = Awaited<ReturnType<typeof wecomStub>>;
interface Helpers {
  testConfig: typeof import('../test/helpers/wecom').testConfig;
  TEST_REDIS_URL: string;
}

async function runCases(pool: Sealed[], seal: (i: number) => Sealed, stub: Stub, ncpu: number, h: Helpers): Promise<void> {
  const { testConfig, TEST_REDIS_URL } = h;

  const haveRedis = process.env.BENCH_REDIS !== '0' && (await redisAnswers(TEST_REDIS_URL));
  const all: CaseSpec[] = [
    { id: 'a', label: 'a: bare express POST /bare', mode: 'bare' },
    { id: 'b', label: 'b: /wecom/callback, in-process workers', mode: 'bot' },
    { id: 'b-rx', label: 'b-rx: /wecom/callback, receiver only', mode: 'bot', stopWorkers: true },
    { id: 'b-bull', label: 'b-bull: /wecom/callback, bull workers (Redis)', mode: 'bot', redis: true },
  ];
  const wanted = process.env.BENCH_CASES?.split(',').map((s) => s.trim()).filter(Boolean);
  const cases = all.filter((c) => (!wanted || wanted.includes(c.id)) && (!c.redis || haveRedis));
  if (!haveRedis && (!wanted || wanted.includes('b-bull'))) console.log('b-bull skipped: Redis does not answer (or BENCH_REDIS=0)\n');

  const results: CaseResult[] = [];
  let checksFailed = 0;
  for (const spec of cases) {
    let poolIndex = 0;
    let sealedLive = 0;
    const next = (): Sealed => {
      const i = poolIndex++;
      if (i < pool.length) return pool[i]!;
      sealedLive++;
      return seal(i);
    };
    const pg = spec.mode === 'bot' ? await benchDatabase() : null;
    const redisPrefix = spec.redis ? `spb_bench_${randomBytes(4).toString('hex')}` : undefined;
    const config = testConfig({
      apiBase: stub.base, logLevel: LOG_LEVEL, databaseUrl: pg?.url, redisUrl: spec.redis ? TEST_REDIS_URL : undefined,
    });
    const stubBefore = { ...stub.counts };
    const child = new ServerChild({ mode: spec.mode, config, redisPrefix, stopWorkers: spec.stopWorkers }, spec.id);
    try {
      const ready = await child.ready();
      const setup = `child pid ${ready.pid}, workers ${ready.workers}, db ${ready.database}${redisPrefix ? `, redis prefix ${redisPrefix}` : ''}`;
      console.log(`[${spec.id}] ${spec.label} — ${setup}`);
      const urlPath = spec.mode === 'bare' ? '/bare' : '/wecom/callback';

      const warm = await load(ready.port, urlPath, WARMUP, next);
      const before = await child.mark();
      const m0 = machineCpu();
      const g0 = process.cpuUsage();
      const run = await load(ready.port, urlPath, DURATION, next);
      const g1 = process.cpuUsage(g0);
      const m1 = machineCpu();
      const after = await child.mark();
      const r = run.result;
      const cpuSec = (after.cpuMicros - before.cpuMicros) / 1e6;
      const elu = performance.eventLoopUtilization(after.elu, before.elu).utilization;
      const twoXX = warm.result['2xx'] + r['2xx'];
      const res: CaseResult = {
        spec, setup, rps: run.rps, acMeanRps: r.requests.mean, p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.mean,
        max: r.latency.max, non2xx: r.non2xx + warm.result.non2xx, errors: r.errors + warm.result.errors,
        timeouts: r.timeouts + warm.result.timeouts, serverCpuPct: (cpuSec / run.elapsedSec) * 100, serverElu: elu,
        serverCpuUsPerReq: (cpuSec * 1e6) / Math.max(1, r.requests.total), rssMb: after.rssMb,
        statusCodes: Object.entries(r.statusCodeStats).map(([k, v]) => `${k}×${v.count}`).join(' '),
      };
      console.log(`  measured ${fmt(run.elapsedSec, 2)} s: ${fmt(r.requests.total)} answers (${res.statusCodes}), ` +
        `${fmt(run.rps)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; ` +
        `server CPU ${fmt(res.serverCpuPct)} % of one core, event loop ${fmt(elu * 100)} % busy, ` +
        `${fmt(res.serverCpuUsPerReq)} µs CPU/request, rss ${after.rssMb} MB; in flight at deadline ${run.inFlightAtEnd}`);
      // Where the machine's CPU went (the run ends a moment after the last answer; close enough).
      const machineBusy = m1.busy - m0.busy;
      const genSec = (g1.user + g1.system) / 1e6;
      res.machine = `machine ${fmt((machineBusy / (m1.total - m0.total)) * 100)} % busy (${ncpu} cores): server ${fmt(cpuSec, 1)} s, ` +
        `autocannon ${fmt(genSec, 1)} s, other processes (PostgreSQL, Redis, anything else) ${fmt(Math.max(0, machineBusy - cpuSec - genSec), 1)} s of ${fmt(machineBusy, 1)} core-s busy`;
      console.log(`  ${res.machine}`);
      if (sealedLive) console.log(`  note: pool exhausted, ${fmt(sealedLive)} callbacks sealed on the fly (raise BENCH_POOL)`);

      if (pg) {
        // Exactly-once storage: every 2xx (warm-up + measured) has its row, nothing else does.
        if (!spec.stopWorkers) {
          const t = performance.now();
          let open = -1;
          while (performance.now() - t < DRAIN_WAIT * 1000) {
            ({ open } = await sqlCount(pg.url, `select count(*) filter (where status in ('pending','processing')) as open from inbox`));
            if (open === 0) break;
            await sleep(250);
          }
          res.drain = open === 0
            ? `backlog drained ${fmt((performance.now() - t) / 1000, 1)} s after the load`
            : `${fmt(open)} rows still open after waiting ${DRAIN_WAIT} s`;
        }
        const q = await sqlCount(pg.url, `select count(*) as rows, count(distinct dedupe_key) as keys,
          count(*) filter (where status = 'done') as done, count(*) filter (where status = 'failed') as failed,
          (select count(*) from outbox) as outbox, (select count(*) from outbox where status = 'sent') as sent from inbox`);
        const fin = await child.mark();
        const accepted = fin.outcomes.accepted ?? 0;
        const dup = fin.outcomes.duplicate ?? 0;
        res.checkOk = q.rows === twoXX && q.keys === q.rows && accepted === q.rows && dup === 0;
        res.check = `inbox rows ${fmt(q.rows)} ${q.rows === twoXX ? '=' : '≠'} 2xx ${fmt(twoXX)} (warm-up ${fmt(warm.result['2xx'])} + measured ${fmt(r['2xx'])}); ` +
          `distinct keys ${fmt(q.keys)}; server accepted ${fmt(accepted)}, duplicates ${dup} → ${res.checkOk ? 'OK, exactly once' : 'MISMATCH'}`;
        const sends = stub.counts.send - stubBefore.send;
        res.drain = `${res.drain ? `${res.drain}; ` : ''}inbox done ${fmt(q.done)}, failed ${fmt(q.failed)}; outbox rows ${fmt(q.outbox)}, ` +
          `sent ${fmt(q.sent)}; stub saw ${fmt(sends)} message/send, ${stub.counts.gettoken - stubBefore.gettoken} gettoken`;
        console.log(`  check: ${res.check}`);
        console.log(`  workers: ${res.drain}`);
        if (!res.checkOk) checksFailed++;
      }
      results.push(res);
    } finally {
      await child.stop().catch((err: unknown) => console.error(`  server child stop: ${String(err)}`));
      if (pg) await pg.drop().catch((err: unknown) => console.error(`  drop database: ${String(err)}`));
      if (redisPrefix) await deleteRedisPrefix(TEST_REDIS_URL, redisPrefix).catch(() => 0);
    }
    console.log('');
  }

  // 2. The table.
  const a = results.find((r) => r.spec.id === 'a');
  const rows: string[][] = [['case', 'req/s (mean)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'ratio vs a', 'server CPU', 'CPU µs/req', 'goal']];
  for (const r of results) {
    const ratio = a ? r.rps / a.rps : NaN;
    const goal = r.spec.id === 'a' ? '' : `${ratio >= GOAL_RATIO ? 'ratio ok' : 'ratio MISS'}, ${r.p99 < GOAL_P99_MS ? 'p99 ok' : 'p99 MISS'}`;
    rows.push([
      r.spec.label, fmt(r.rps), fmt(r.p50), fmt(r.p99), fmt(r.non2xx), `${r.errors}${r.timeouts ? ` (${r.timeouts} t/o)` : ''}`,
      Number.isNaN(ratio) ? '-' : fmt(ratio, 2), `${fmt(r.serverCpuPct)} %`, fmt(r.serverCpuUsPerReq), goal,
    ]);
  }
  console.log(table(rows));
  console.log(`\nreq/s = answers / measured seconds (autocannon's per-second mean: ${results.map((r) => `${r.spec.id} ${fmt(r.acMeanRps)}`).join(', ')}); ` +
    `latencies from autocannon; server CPU = child user+system time over the run (100 % = one core).`);
  console.log(`goal: ratio b/a ≥ ${GOAL_RATIO} and p99 < ${GOAL_P99_MS} ms at ${CONNECTIONS} connections on a 2-core machine (this one: ${ncpu} CPUs).`);
  for (const r of results.filter((x) => x.check)) console.log(`exactly-once [${r.spec.id}]: ${r.check}`);
  const goals: Goal[] = [];
  for (const r of results.filter((x) => x.spec.id !== 'a')) {
    if (a) goals.push({ bench: 'callback', goal: `${r.spec.id}: req/s ÷ bare express`, kind: 'min', limit: GOAL_RATIO, measured: r.rps / a.rps, unit: '×', detail: `${fmt(r.rps)} vs ${fmt(a.rps)} req/s` });
    goals.push({ bench: 'callback', goal: `${r.spec.id}: ack p99 at ${CONNECTIONS} connections`, kind: 'max', limit: GOAL_P99_MS, measured: r.p99, unit: 'ms', detail: `p50 ${fmt(r.p50)} ms` });
    if (r.check) goals.push({ bench: 'callback', goal: `${r.spec.id}: exactly once`, kind: 'min', limit: 1, measured: r.checkOk ? 1 : 0, unit: '', detail: r.drain ?? '' });
  }
  reportGoals('bench (callback)', goals, [`${DURATION} s per case; database ${process.env.BENCH_DB === 'migrated' ? 'migrated' : 'fresh'}; machine after the run: ${(await machineLoad()).text}`]);

  if (checksFailed) {
    console.error(`\n${checksFailed} exactly-once check(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
