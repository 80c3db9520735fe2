/**
 * `npm run bench:embedded`: does the embedded mode (PGlite under DATA_DIR, no DATABASE_URL, no Redis — what
 * `npm start` runs by default) stay responsive under load (issue 16)? The real bot runs in a child process
 * (bench/bench-server.ts) on a fresh data directory on disk; this process
 *   - sends signed, encrypted WeCom text callbacks at a fixed open-loop rate (the n-th at start + n/rate), each from a
 *     different rep (moves `<客户> 推进`, visit ends, unknown text), and times each ack (HTTP 200);
 *   - starts one 20 MB PDF upload through the real upload route (`POST /upload/:token`, a signed upload link) in the
 *     middle of the run, and times it;
 *   - sends `GET /healthz` every 50 ms throughout (open loop too) and times each answer;
 *   - counts replies (message/send) reaching its WeCom API stub, and reads the child's event-loop delay.
 * Reps, supervisors and one customer per rep are seeded with SQL through the child (the data directory is locked to
 * it). A warm-up at a quarter of the rate (BENCH_WARMUP s) comes first and is not measured.
 *
 * Env: BENCH_RATE (200/s), BENCH_DURATION (20 s), BENCH_WARMUP (3 s), BENCH_UPLOAD_MB (20), BENCH_DRAIN_WAIT (30 s),
 * BENCH_LOG_LEVEL (silent), BENCH_CPU_PROF=<dir>, BENCH_RESULT.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ChildCase, FromChild, ToChild } from './bench-server';
import { pdfOf } from '../test/helpers/pdf';
import { fmtNum as fmt, machineLoad, reportGoals, type Goal } from './harness';

// test/helpers/wecom.ts imports nock, which patches node's http on import; NOCK_OFF is read at import time.
process.env.NOCK_OFF = 'true';

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const RATE = num('BENCH_RATE', 200);
const DURATION = num('BENCH_DURATION', 20);
const WARMUP = num('BENCH_WARMUP', 3);
const UPLOAD_MB = num('BENCH_UPLOAD_MB', 20);
const DRAIN_WAIT = num('BENCH_DRAIN_WAIT', 30);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'silent';
const CPU_PROF = process.env.BENCH_CPU_PROF;
const HEALTH_EVERY_MS = 50;
const GOAL_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);
const sortNum = (a: number[]) => [...a].sort((x, y) => x - y);
const stats = (a: number[]) => {
  const s = sortNum(a);
  return { n: s.length, p50: pct(s, 0.5), p99: pct(s, 0.99), max: s.length ? s[s.length - 1]! : NaN };
};

/** The WeCom API stub: errcode 0, and per user the instants message/send reached it. */
async function wecomStub() {
  const sends = new Map<string, number[]>();
  let tokens = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const p = (req.url ?? '').split('?')[0];
      let body: Record<string, unknown> = { errcode: 0, errmsg: 'ok' };
      if (p === '/cgi-bin/gettoken') {
        body = { errcode: 0, errmsg: 'ok', access_token: `bench-token-${++tokens}`, expires_in: 7200 };
      } else if (p === '/cgi-bin/message/send') {
        let sent: { touser?: string } = {};
        try {
          sent = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof sent;
        } catch { /* not JSON */ }
        for (const u of String(sent.touser ?? '').split('|').filter(Boolean)) {
          const list = sends.get(u) ?? [];
          list.push(at);
          sends.set(u, list);
        }
        body = { errcode: 0, errmsg: 'ok', msgid: `m${at}`, response_code: `rc${at}` };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sends,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The bot in a child process (bench/bench-server.ts), driven over IPC; answers come in the order asked. */
class ServerChild {
  private readonly child: ChildProcess;
  private readonly waiters: ((m: FromChild) => void)[] = [];
  private exited = false;
  readonly exit: Promise<number | null>;

  constructor(spec: ChildCase, env: Record<string, string>) {
    const execArgv = ['-r', 'ts-node/register/transpile-only'];
    if (CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=embedded-${process.pid}.cpuprofile`);
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, BENCH_CHILD: JSON.stringify(spec), NOCK_OFF: 'true' };
    delete childEnv.DATABASE_URL;
    delete childEnv.REDIS_URL;
    this.child = fork(path.join(__dirname, 'bench-server.ts'), [], { execArgv, env: childEnv, stdio: ['ignore', LOG_LEVEL === 'silent' ? 'ignore' : 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromChild) => this.waiters.shift()?.(m));
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w({ type: 'error', message: `server child exited (${code})` });
      resolve(code);
    }));
  }

  private ask(msg: ToChild | null, timeoutMs: number): Promise<FromChild> {
    const p = new Promise<FromChild>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('server child did not answer')), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(t);
        if (m.type === 'error') reject(new Error(m.message));
        else resolve(m);
      });
    });
    if (msg) this.child.send(msg);
    return p;
  }

  async ready() {
    const m = await this.ask(null, 120_000);
    if (m.type !== 'ready') throw new Error(`unexpected ${m.type}`);
    return m;
  }

  async sql(text: string, rows = false): Promise<Record<string, unknown>[]> {
    const m = await this.ask({ type: 'sql', sql: text, rows }, 300_000);
    if (m.type !== 'sql') throw new Error(`unexpected ${m.type}`);
    return m.rows;
  }

  async mark() {
    const m = await this.ask({ type: 'mark' }, 30_000);
    if (m.type !== 'mark') throw new Error(`unexpected ${m.type}`);
    return m;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    try {
      await this.ask({ type: 'stop' }, 60_000);
    } catch (err) {
      this.child.kill('SIGKILL');
      throw err;
    }
    await this.exit;
  }
}

/** Offices of 50 reps with a supervisor each; one customer per rep, in lead. */
function seedSql(reps: number): string {
  const offices = Math.max(1, Math.ceil(reps / 50));
  return `
    insert into offices (id, name, updated_at) select 'eo' || i, '办事处' || i, now() from generate_series(1, ${offices}) i;
    insert into people (user_id, name, office_id, roles, supervisor_id, updated_at)
      select 'esup' || i, '主管' || i, 'eo' || i, '["supervisor"]'::jsonb, null, now() from generate_series(1, ${offices}) i;
    insert into people (user_id, name, office_id, roles, supervisor_id, updated_at)
      select 'erep' || i, '销售' || i, 'eo' || (1 + i % ${offices}), '["rep"]'::jsonb, 'esup' || (1 + i % ${offices}), now()
      from generate_series(0, ${reps - 1}) i;
    insert into customers (name, owner_id, office_id, stage, stage_entered_at, created_at, updated_at)
      select '客户' || i || '号', 'erep' || i, 'eo' || (1 + i % ${offices}), 'lead', now(), now(), now()
      from generate_series(0, ${reps - 1}) i;
    insert into customer_events (customer_id, kind, to_stage, actor_id, source, at)
      select id, 'created', 'lead', owner_id, 'text', stage_entered_at from customers;
    analyze;`;
}

interface Sent { user: string; sentAt: number; ackMs: number; ok: boolean }

function request(agent: http.Agent, port: number, method: string, pathName: string, body?: Buffer, headers: Record<string, string | number> = {}): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, method, agent, headers: body ? { ...headers, 'content-length': body.length } : headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t }));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const { sealCallback, textXml, testConfig } = await import('../test/helpers/wecom');
  const { createUploadToken, uploadExpiry, uploadKey } = await import('../app/upload-link');
  const load0 = await machineLoad();
  console.log(`embedded-mode responsiveness — node ${process.version}, ${os.cpus().length} CPU(s); ${RATE} callbacks/s for ${DURATION} s ` +
    `(warm-up ${WARMUP} s at ${RATE / 4}/s), one ${UPLOAD_MB} MB upload in the middle, GET /healthz every ${HEALTH_EVERY_MS} ms`);
  console.log(`machine before the run: ${load0.text}${load0.busyPct > 15 ? ' — WARNING: other work is running; figures will be low and noisy' : ''}`);

  const stub = await wecomStub();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-embedded-'));
  const config = testConfig({ apiBase: stub.base, logLevel: LOG_LEVEL, dataDir, databaseUrl: undefined, redisUrl: undefined });
  const warmN = Math.round((RATE / 4) * WARMUP);
  const total = Math.round(RATE * DURATION);
  const reps = warmN + total + 1;
  const child = new ServerChild({ mode: 'bot', config }, { DATA_DIR: dataDir });
  try {
    const r = await child.ready();
    console.log(`bot child pid ${r.pid}: database ${r.database}, workers ${r.workers}, data directory ${dataDir}`);
    let t = performance.now();
    await child.sql(seedSql(reps));
    const ids = new Map((await child.sql('select id, owner_id from customers', true)).map((row) => [String(row.owner_id), Number(row.id)] as const));
    console.log(`seeded ${reps} reps with one customer each in ${fmt((performance.now() - t) / 1000, 1)} s`);

    const kinds = ['move', 'move', 'move', 'visit', 'unknown'] as const;
    const seal = (user: string, i: number) => {
      const customer = `客户${user.slice(4)}号`;
      const kind = kinds[i % kinds.length]!;
      const text = kind === 'move' ? `${customer} 推进` : kind === 'visit' ? `${customer} 拜访结束` : `今天中午吃什么 ${i}`;
      const s = sealCallback(textXml(user, text));
      return { path: `/wecom/callback?${s.query}`, body: Buffer.from(s.body) };
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const healthAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const sendRun = async (users: string[], rate: number, sent: Sent[]) => {
      const sealed = users.map((u, i) => seal(u, i));
      const inflight: Promise<void>[] = [];
      const start = performance.now();
      for (let i = 0; i < users.length; i++) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 1) await sleep(wait);
        const s: Sent = { user: users[i]!, sentAt: performance.now(), ackMs: NaN, ok: false };
        sent.push(s);
        inflight.push(request(agent, r.port, 'POST', sealed[i]!.path, sealed[i]!.body, { 'content-type': 'text/xml' }).then((a) => {
          s.ackMs = a.ms;
          s.ok = a.status === 200;
        }));
      }
      const seconds = (performance.now() - start) / 1000; // sending only, not the wait for the last acks
      await Promise.all(inflight);
      return seconds;
    };

    // Warm-up (not measured): JIT, plans, the token.
    const all = [...ids.keys()].filter((u) => u.startsWith('erep')).sort();
    const warm: Sent[] = [];
    await sendRun(all.slice(total, total + warmN), RATE / 4, warm);
    await sleep(2000);
    await child.mark(); // resets the child's event-loop delay histogram

    // The upload: a signed link for the last rep's customer, a PDF of UPLOAD_MB.
    const uploader = all[all.length - 1]!;
    const now = new Date();
    const token = await createUploadToken({ customerId: ids.get(uploader)!, userId: uploader, expiresAt: uploadExpiry(now) }, uploadKey(config), now);
    const pdf = pdfOf(UPLOAD_MB * 1024 * 1024);
    let upload = { status: 0, ms: NaN, startedAt: NaN };

    const health: { at: number; ms: number; ok: boolean }[] = [];
    const healthInflight: Promise<void>[] = [];
    let healthOn = true;
    const healthLoop = (async () => {
      const start = performance.now();
      for (let i = 0; healthOn; i++) {
        const wait = start + i * HEALTH_EVERY_MS - performance.now();
        if (wait > 1) await sleep(wait);
        const at = performance.now();
        healthInflight.push(request(healthAgent, r.port, 'GET', '/healthz').then((h) => {
          health.push({ at, ms: h.ms, ok: h.status === 200 });
        }));
      }
    })();
    const uploadRun = (async () => {
      await sleep((DURATION * 1000) / 2);
      const startedAt = performance.now();
      const u = await request(new http.Agent(), r.port, 'POST', `/upload/${token}`, pdf,
        { 'content-type': 'application/pdf', 'x-file-name': encodeURIComponent('报价单-大.pdf') });
      upload = { ...u, startedAt };
    })();

    const sent: Sent[] = [];
    const genDelay = monitorEventLoopDelay({ resolution: 10 });
    genDelay.enable();
    const runStart = performance.now();
    const sendSeconds = await sendRun(all.slice(0, total), RATE, sent);
    await uploadRun;
    healthOn = false;
    await healthLoop;
    await Promise.all(healthInflight);
    const lagMark = await child.mark();

    // Replies: the first message/send to each sender after its callback.
    const replied = new Map<Sent, number>();
    t = performance.now();
    const match = () => {
      for (const s of sent) {
        if (replied.has(s)) continue;
        const at = stub.sends.get(s.user)?.find((x) => x >= s.sentAt);
        if (at !== undefined) replied.set(s, at - s.sentAt);
      }
      return sent.length - replied.size;
    };
    let missing = match();
    while (missing > 0 && performance.now() - t < DRAIN_WAIT * 1000) {
      await sleep(250);
      missing = match();
    }
    const lastReply = Math.max(...[...replied].map(([s, ms]) => s.sentAt + ms));
    agent.destroy();
    healthAgent.destroy();

    const acks = stats(sent.filter((s) => s.ok).map((s) => s.ackMs));
    const hz = stats(health.filter((h) => h.ok).map((h) => h.ms));
    const upWin = health.filter((h) => h.at >= upload.startedAt && h.at <= upload.startedAt + upload.ms);
    const hzDuringUpload = stats(upWin.map((h) => h.ms));
    const ackDuringUpload = stats(sent.filter((s) => s.ok && s.sentAt >= upload.startedAt && s.sentAt <= upload.startedAt + upload.ms).map((s) => s.ackMs));
    const ackOutsideUpload = stats(sent.filter((s) => s.ok && (s.sentAt < upload.startedAt - 100 || s.sentAt > upload.startedAt + upload.ms)).map((s) => s.ackMs));
    const rep = stats([...replied.values()]);
    const nonOk = sent.filter((s) => !s.ok).length;
    console.log(`\nsent ${fmt(sent.length)} callbacks in ${fmt(sendSeconds, 1)} s (${fmt(sent.length / sendSeconds)}/s), non-200 ${nonOk}`);
    console.log(`callback ack:   p50 ${fmt(acks.p50)} ms, p99 ${fmt(acks.p99)} ms, max ${fmt(acks.max)} ms` +
      `; during the upload (${ackDuringUpload.n}): p99 ${fmt(ackDuringUpload.p99)} ms, max ${fmt(ackDuringUpload.max)} ms` +
      `; outside it (${ackOutsideUpload.n}): p99 ${fmt(ackOutsideUpload.p99)} ms, max ${fmt(ackOutsideUpload.max)} ms`);
    console.log(`/healthz:       ${hz.n} answered (${health.length - hz.n} failed); p50 ${fmt(hz.p50)} ms, p99 ${fmt(hz.p99)} ms, max ${fmt(hz.max)} ms` +
      `; during the upload (${hzDuringUpload.n}): p99 ${fmt(hzDuringUpload.p99)} ms, max ${fmt(hzDuringUpload.max)} ms`);
    console.log(`upload:         ${UPLOAD_MB} MB PDF started at ${fmt((upload.startedAt - runStart) / 1000, 1)} s, HTTP ${upload.status} in ${fmt(upload.ms)} ms`);
    console.log(`replies:        ${fmt(replied.size)} of ${fmt(sent.length)} delivered (${missing} missing after ${DRAIN_WAIT} s), ` +
      `${fmt(replied.size / ((lastReply - runStart) / 1000))} replies/s; reply latency p50 ${fmt(rep.p50)} ms, p99 ${fmt(rep.p99)} ms, max ${fmt(rep.max)} ms`);
    genDelay.disable();
    console.log(`generator:      this process's event-loop delay p99 ${fmt(genDelay.percentile(99) / 1e6)} ms, max ${fmt(genDelay.max / 1e6)} ms ` +
      '(high = the load generator itself was starved and sent late)');
    console.log(`bot event loop: delay p50 ${fmt(lagMark.lag.p50)} ms, p99 ${fmt(lagMark.lag.p99)} ms, max ${fmt(lagMark.lag.max)} ms; RSS ${lagMark.rssMb} MB`);
    const detail = `${RATE}/s × ${DURATION} s + ${UPLOAD_MB} MB upload (${upload.status}, ${fmt(upload.ms)} ms); p50 %s ms, max %s ms`;
    const goals: Goal[] = [
      { bench: 'embedded', goal: `callback ack p99 < ${GOAL_MS} ms`, kind: 'max', limit: GOAL_MS, measured: nonOk ? Infinity : acks.p99, unit: 'ms',
        detail: detail.replace('%s', fmt(acks.p50)).replace('%s', fmt(acks.max)) + (nonOk ? `; ${nonOk} not acked` : '') },
      { bench: 'embedded', goal: `/healthz p99 < ${GOAL_MS} ms`, kind: 'max', limit: GOAL_MS, measured: hz.p99, unit: 'ms',
        detail: detail.replace('%s', fmt(hz.p50)).replace('%s', fmt(hz.max)) },
    ];
    reportGoals('bench:embedded', goals, [`replies ${replied.size} of ${sent.length}; bot event-loop delay p99 ${fmt(lagMark.lag.p99)} ms; ` +
      `machine after the run: ${(await machineLoad()).text}`]);
    if (upload.status !== 201) process.exitCode = 1;
  } finally {
    // A graceful stop with the backlog still in the inbox: the workers finish what is in hand, not the backlog.
    const t = performance.now();
    await child.stop().then(
      () => console.log(`stop:           graceful stop (backlog left in the inbox) took ${fmt(performance.now() - t)} ms`),
      (err: unknown) => console.error(`stop: ${String(err)} after ${fmt(performance.now() - t)} ms`),
    );
    await stub.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
