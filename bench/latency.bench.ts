/**
 * `npm run bench:latency`: reply latency end to end (issue 16). Signed, encrypted WeCom callbacks arrive at fixed
 * rates (open loop: the n-th at start + n/rate, whatever the server does) with a realistic mix, and each message's
 * latency is the time from sending its callback to the first reply for it reaching the WeCom stub:
 *   - text moves  `<客户> 推进` (lead → first call)                          → message/send to the rep
 *   - card clicks `show:<id>` on the customer's stage card                  → the card updated (its ResponseCode) or a message
 *   - forms       the stage card's select + 执行 (`pick:<id>:*`, a stage chosen) → the card updated or a message
 *   - visit ends  `<客户> 拜访结束` (opens the 48-hour task)                → message/send to the rep
 *   - unknown text                                                           → message/send to the rep
 * A reply is matched by the card's ResponseCode, else as the first message/send to the sender after the callback.
 * Every message of a run comes from a different rep (rate × duration reps are seeded; the warm-up uses others), so a
 * reply cannot be taken for another message's however late it comes. What this leaves out is one rep's messages
 * queueing behind each other (the per-person order), which the handler path keeps.
 *
 * Configurations, each rate on fresh instances and a fresh database seeded with the reps, their supervisors and one
 * customer per rep (warmed up for BENCH_WARMUP s at the lowest rate first, not measured):
 *   one  one instance (bench/bench-server.ts child: the real createBot, workers in process);
 *   two  two instances on the same PostgreSQL and Redis (bull runner, one prefix), callbacks alternating between them.
 * With Redis, `one` uses it too, so `two` ÷ `one` compares like with like (BENCH_REDIS=0: `one` in-process only).
 * Per rate: p50, p99, max, replies missing after the drain wait; per configuration the highest rate sustained with
 * p99 < 1 s and every reply in; the scaling factor two ÷ one of the peak replies per second (each configuration at
 * its best rate; at the highest rate both may have collapsed). Ends with one goal table (bench/harness.ts reportGoals).
 *
 * Env: BENCH_RATES ("50,200,500"), BENCH_DURATION (20 s per rate), BENCH_WARMUP (5 s at the lowest rate, not
 * measured), BENCH_DRAIN_WAIT (30 s),
 * BENCH_CONFIGS ("one,two"), BENCH_REDIS=0, BENCH_LOG_LEVEL (silent), BENCH_CPU_PROF=<dir>, BENCH_DB, BENCH_RESULT,
 * TEST_DATABASE_URL / TEST_REDIS_URL.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import IORedis from 'ioredis';
import { Client } from 'pg';
import type { ChildCase, FromChild, ToChild } from './bench-server';
import { benchDatabase, fmtNum as fmt, machineCpu, machineLoad, reportGoals, serviceCpu, textTable, type Goal } from './harness';

// test/helpers/wecom.ts imports nock, which patches node's http on import; NOCK_OFF is read at import time.
process.env.NOCK_OFF = 'true';

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const RATES = (process.env.BENCH_RATES ?? '50,200,500').split(',').map(Number).filter((n) => n > 0);
const DURATION = num('BENCH_DURATION', 20);
const WARMUP = num('BENCH_WARMUP', 5);
const DRAIN_WAIT = num('BENCH_DRAIN_WAIT', 30);
const CONFIGS = (process.env.BENCH_CONFIGS ?? 'one,two').split(',').map((s) => s.trim()).filter(Boolean);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'silent';
const CPU_PROF = process.env.BENCH_CPU_PROF;
const GOAL_RATE = 500;
const GOAL_P99_MS = 1000;
const GOAL_SCALING = 1.7;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Kind = 'move' | 'click' | 'form' | 'visit' | 'unknown';
/** Out of 20 messages. */
const MIX: Kind[] = [
  ...Array<Kind>(7).fill('move'), ...Array<Kind>(4).fill('click'), ...Array<Kind>(3).fill('form'),
  ...Array<Kind>(3).fill('visit'), ...Array<Kind>(3).fill('unknown'),
];
const STAGES = ['lead', 'first_call', 'demo_done', 'proposal_submitted'];

interface Msg {
  kind: Kind;
  user: string;
  responseCode?: string;
  path: string;
  body: Buffer;
  sentAt: number;
  repliedAt: number;
}

/** The WeCom API stub, in this process: answers errcode 0 and notes when each reply arrives. */
async function wecomStub() {
  const counts = { gettoken: 0, send: 0, update: 0, other: 0 };
  /** Per user, the instants message/send reached the stub (ascending); per ResponseCode, the card update. */
  const sends = new Map<string, number[]>();
  const updates = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const p = (req.url ?? '').split('?')[0];
      let body: Record<string, unknown> = { errcode: 0, errmsg: 'ok' };
      let sent: { touser?: string; response_code?: string } = {};
      try {
        sent = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof sent : {};
      } catch { /* not JSON: not a reply */ }
      if (p === '/cgi-bin/gettoken') {
        counts.gettoken++;
        body = { errcode: 0, errmsg: 'ok', access_token: `bench-token-${counts.gettoken}`, expires_in: 7200 };
      } else if (p === '/cgi-bin/message/send') {
        counts.send++;
        for (const u of String(sent.touser ?? '').split('|').filter(Boolean)) {
          const list = sends.get(u) ?? [];
          list.push(at);
          sends.set(u, list);
        }
        body = { errcode: 0, errmsg: 'ok', msgid: `m${counts.send}`, response_code: `rc${counts.send}` };
      } else if (p === '/cgi-bin/message/update_template_card') {
        counts.update++;
        if (sent.response_code && !updates.has(sent.response_code)) updates.set(sent.response_code, at);
      } else {
        counts.other++;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts, sends, updates,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
type Stub = Awaited<ReturnType<typeof wecomStub>>;

/** A bot instance in a child process (bench/bench-server.ts), driven over IPC. */
class ServerChild {
  private readonly child: ChildProcess;
  private readonly waiters: ((m: FromChild) => void)[] = [];
  private exited = false;
  readonly exit: Promise<number | null>;

  constructor(spec: ChildCase, name: string) {
    const execArgv = ['-r', 'ts-node/register/transpile-only'];
    if (CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=latency-${name}-${process.pid}.cpuprofile`);
    this.child = fork(path.join(__dirname, 'bench-server.ts'), [], {
      execArgv, env: { ...process.env, BENCH_CHILD: JSON.stringify(spec), NOCK_OFF: 'true' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: FromChild) => this.waiters.shift()?.(m));
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w({ type: 'error', message: `server child exited (${code})` });
      resolve(code);
    }));
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
    const m = await this.next(90_000);
    if (m.type !== 'ready') throw new Error(`unexpected ${m.type}`);
    return m;
  }

  /** CPU time used so far, and the SQL statements sent (count, summed time to their answers). */
  async mark(): Promise<{ cpuMicros: number; queries: number; queryMs: number }> {
    const p = this.next(30_000);
    this.child.send({ type: 'mark' } satisfies ToChild);
    const m = await p;
    if (m.type !== 'mark') throw new Error(`unexpected ${m.type}`);
    return m;
  }

  /** Graceful stop; killed (this child only) if it does not stop within 60 s. */
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

async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const r = new IORedis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [c, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = c;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** The org: 1 office per 50 reps, a supervisor each; one customer per rep, owned by it, in lead. */
async function seed(url: string, reps: number): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const offices = Math.max(1, Math.ceil(reps / 50));
    await c.query(`
      insert into offices (id, name, updated_at) select 'lo' || i, '办事处' || i, now() from generate_series(1, ${offices}) i;
      insert into people (user_id, name, office_id, roles, supervisor_id, updated_at)
        select 'lsup' || i, '主管' || i, 'lo' || i, '["supervisor"]'::jsonb, null, now() from generate_series(1, ${offices}) i;
      insert into people (user_id, name, office_id, roles, supervisor_id, updated_at)
        select 'lrep' || i, '销售' || i, 'lo' || (1 + i % ${offices}), '["rep"]'::jsonb, 'lsup' || (1 + i % ${offices}), now()
        from generate_series(0, ${reps - 1}) i;
      insert into customers (name, owner_id, office_id, stage, stage_entered_at, created_at, updated_at)
        select '${'客户'}' || i || '号', 'lrep' || i, 'lo' || (1 + i % ${offices}), 'lead', now(), now(), now()
        from generate_series(0, ${reps - 1}) i;
      insert into customer_events (customer_id, kind, to_stage, actor_id, source, at)
        select id, 'created', 'lead', owner_id, 'text', stage_entered_at from customers;
      analyze;`);
  } finally {
    await c.end();
  }
}

interface RateResult {
  rate: number;
  sent: number;
  sendSeconds: number;
  acked: number;
  non2xx: number;
  replied: number;
  missing: number;
  p50: number;
  p99: number;
  max: number;
  /** Replies received ÷ seconds from the first send to the last reply. */
  repliesPerSec: number;
  /** CPU ms per message of every PostgreSQL process (the benchmark's database is the only busy one) and of this process (load + WeCom stub). */
  pgCpuMsPerMsg: number;
  benchCpuMsPerMsg: number;
  byKind: Record<string, { n: number; p50: number; p99: number }>;
  serverCpuMsPerMsg: number;
  queriesPerMsg: number;
  queryMsPerMsg: number;
  machineBusyPct: number;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);

async function runRate(
  rate: number, ports: number[], stub: Stub, children: ServerChild[], customerIds: Map<string, number>,
  make: (kind: Kind, user: string, customer: string, customerId: number, n: number) => { xml: string; responseCode?: string },
  seal: (xml: string) => { query: string; body: string }, seconds = DURATION, warmup = false,
): Promise<RateResult> {
  const total = Math.round(rate * seconds);
  // One message per rep: the measured run takes reps from the start of the list, the warm-up from the end.
  const all = [...customerIds.keys()];
  const users = warmup ? all.slice(-total) : all.slice(0, total);
  // Sealed beforehand, so encryption does not slow the generator down.
  const msgs: Msg[] = [];
  for (let i = 0; i < total; i++) {
    const user = users[i % users.length]!;
    const kind = MIX[(i * 7) % MIX.length]!;
    const id = customerIds.get(user)!;
    const m = make(kind, user, `客户${user.slice(4)}号`, id, i);
    const s = seal(m.xml);
    msgs.push({ kind, user, responseCode: m.responseCode, path: `/wecom/callback?${s.query}`, body: Buffer.from(s.body), sentAt: NaN, repliedAt: NaN });
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let acked = 0;
  let non2xx = 0;
  const post = (m: Msg, port: number) => new Promise<void>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: m.path, method: 'POST', agent, headers: { 'content-type': 'text/xml', 'content-length': m.body.length } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) acked++;
        else non2xx++;
        resolve();
      });
    });
    req.on('error', () => {
      non2xx++;
      resolve();
    });
    req.end(m.body);
  });
  const cpu0 = await Promise.all(children.map((c) => c.mark()));
  const m0 = machineCpu();
  const pg0 = serviceCpu('', -1).pgAll;
  const own0 = process.cpuUsage();
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const m = msgs[i]!;
    m.sentAt = performance.now();
    inflight.push(post(m, ports[i % ports.length]!));
  }
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(inflight);
  // Replies: wait until every message has one, or the drain time is up.
  const match = () => {
    for (const m of msgs) {
      if (!Number.isNaN(m.repliedAt)) continue;
      const up = m.responseCode ? stub.updates.get(m.responseCode) : undefined;
      const list = stub.sends.get(m.user);
      const send = list?.find((t) => t >= m.sentAt);
      const at = Math.min(up ?? Infinity, send ?? Infinity);
      if (Number.isFinite(at)) m.repliedAt = at;
    }
    return msgs.filter((m) => Number.isNaN(m.repliedAt)).length;
  };
  const t = performance.now();
  let missing = match();
  while (missing > 0 && performance.now() - t < DRAIN_WAIT * 1000) {
    await sleep(250);
    missing = match();
  }
  const m1 = machineCpu();
  const pg1 = serviceCpu('', -1).pgAll;
  const own1 = process.cpuUsage(own0);
  const cpu1 = await Promise.all(children.map((c) => c.mark()));
  agent.destroy();
  const lat = msgs.filter((m) => !Number.isNaN(m.repliedAt)).map((m) => m.repliedAt - m.sentAt).sort((a, b) => a - b);
  const lastReply = Math.max(...msgs.filter((m) => !Number.isNaN(m.repliedAt)).map((m) => m.repliedAt));
  const byKind: RateResult['byKind'] = {};
  for (const k of new Set(MIX)) {
    const l = msgs.filter((m) => m.kind === k && !Number.isNaN(m.repliedAt)).map((m) => m.repliedAt - m.sentAt).sort((a, b) => a - b);
    byKind[k] = { n: msgs.filter((m) => m.kind === k).length, p50: pct(l, 0.5), p99: pct(l, 0.99) };
  }
  const delta = (f: (x: { cpuMicros: number; queries: number; queryMs: number }) => number) => cpu1.reduce((a, b, i) => a + f(b) - f(cpu0[i]!), 0);
  const cpuSec = delta((x) => x.cpuMicros) / 1e6;
  return {
    rate, sent: total, sendSeconds, acked, non2xx, replied: lat.length, missing,
    p50: pct(lat, 0.5), p99: missing ? Infinity : pct(lat, 0.99), max: missing ? Infinity : lat[lat.length - 1] ?? NaN,
    repliesPerSec: lat.length / ((lastReply - start) / 1000),
    byKind, serverCpuMsPerMsg: (cpuSec * 1000) / total, queriesPerMsg: delta((x) => x.queries) / total,
    pgCpuMsPerMsg: ((pg1 - pg0) * 1000) / total, benchCpuMsPerMsg: (own1.user + own1.system) / 1000 / total,
    queryMsPerMsg: delta((x) => x.queryMs) / total, machineBusyPct: ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100,
  };
}

async function main(): Promise<void> {
  const { sealCallback, textXml, cardClickXml, testConfig } = await import('../test/helpers/wecom');
  const { TEST_REDIS_URL } = await import('../test/helpers/env');
  const load0 = await machineLoad();
  const cpus = os.cpus();
  console.log(`reply latency benchmark — node ${process.version}, ${cpus.length} CPU(s); rates ${RATES.join(', ')}/s for ${DURATION} s each; ` +
    `one message per rep; drain wait ${DRAIN_WAIT} s`);
  console.log(`machine before the run: ${load0.text}${load0.busyPct > 15 ? ' — WARNING: other work is running; figures will be low and noisy' : ''}\n`);
  const haveRedis = process.env.BENCH_REDIS !== '0' && (await redisAnswers(TEST_REDIS_URL));
  const stub = await wecomStub();
  const reps = Math.ceil(Math.max(...RATES) * DURATION) + Math.ceil(Math.min(...RATES) * WARMUP);
  let seq = 0;
  const make = (kind: Kind, user: string, customer: string, customerId: number, n: number): { xml: string; responseCode?: string } => {
    const rc = `lat-${randomBytes(6).toString('hex')}`;
    switch (kind) {
      case 'move': return { xml: textXml(user, `${customer} 推进`) };
      case 'click': return { xml: cardClickXml(user, `show:${customerId}`, `task-${seq++}`, { responseCode: rc }), responseCode: rc };
      case 'form': return {
        xml: cardClickXml(user, `pick:${customerId}:*`, `task-${seq++}`, { responseCode: rc, selected: [{ q: 'stage_target', ids: [STAGES[n % STAGES.length]!] }] }),
        responseCode: rc,
      };
      case 'visit': return { xml: textXml(user, `${customer} 拜访结束`) };
      default: return { xml: textXml(user, `今天中午吃什么 ${n}`) };
    }
  };

  const results = new Map<string, RateResult[]>();
  try {
    for (const cfg of CONFIGS) {
      const instances = cfg === 'two' ? 2 : 1;
      const useRedis = haveRedis && (instances === 2 || process.env.BENCH_REDIS !== '0');
      if (instances === 2 && !haveRedis) {
        console.log('two: skipped, Redis does not answer (or BENCH_REDIS=0)\n');
        continue;
      }
      const list: RateResult[] = [];
      // Each rate on fresh instances and a fresh database: no backlog of a rate the instances could not keep up with
      // is carried into the next one.
      for (const rate of RATES) {
        const pg = await benchDatabase();
        const prefix = useRedis ? `spb_lat_${randomBytes(4).toString('hex')}` : undefined;
        const children: ServerChild[] = [];
        try {
          const config = testConfig({ apiBase: stub.base, logLevel: LOG_LEVEL, databaseUrl: pg.url, redisUrl: useRedis ? TEST_REDIS_URL : undefined });
          // Migrated by the first instance, then seeded, then the second one starts.
          const first = new ServerChild({ mode: 'bot', config, redisPrefix: prefix }, `${cfg}-${rate}-1`);
          children.push(first);
          const r1 = await first.ready();
          await seed(pg.url, reps);
          const ports = [r1.port];
          if (instances === 2) {
            const second = new ServerChild({ mode: 'bot', config, redisPrefix: prefix }, `${cfg}-${rate}-2`);
            children.push(second);
            ports.push((await second.ready()).port);
          }
          const c = new Client({ connectionString: pg.url });
          await c.connect();
          const ids = new Map((await c.query<{ id: number; owner_id: string }>('select id, owner_id from customers order by id')).rows
            .map((r) => [r.owner_id, Number(r.id)] as const));
          await c.end();
          // Warm-up (not measured): JIT, plans, pools, the token — at the lowest rate.
          const w = await runRate(Math.min(...RATES), ports, stub, children, ids, make, (xml) => sealCallback(xml), WARMUP, true);
          console.log(`[${cfg} @ ${rate}/s] ${instances} instance(s), workers ${r1.workers}${prefix ? ` (Redis prefix ${prefix})` : ''}, db ${r1.database} (${pg.mode}); ` +
            `${reps} reps; warm-up ${WARMUP} s at ${Math.min(...RATES)}/s: replies ${w.replied} of ${w.sent}, p50 ${fmt(w.p50)} ms, p99 ${fmt(w.p99)} ms`);
          const r = await runRate(rate, ports, stub, children, ids, make, (xml) => sealCallback(xml));
          list.push(r);
          console.log(`  ${String(rate).padStart(4)}/s: sent ${fmt(r.sent)} in ${fmt(r.sendSeconds, 1)} s, acked ${fmt(r.acked)}, non-2xx ${r.non2xx}; ` +
            `replies ${fmt(r.replied)}, missing ${r.missing}; latency p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, max ${fmt(r.max)} ms; ` +
            `${fmt(r.repliesPerSec)} replies/s; server CPU ${fmt(r.serverCpuMsPerMsg, 2)} ms/message, ` +
            `${fmt(r.queriesPerMsg, 1)} SQL statements/message (${fmt(r.queryMsPerMsg, 1)} ms waiting on them); PostgreSQL CPU ${fmt(r.pgCpuMsPerMsg, 2)} ms/message; ` +
            `load generator + WeCom stub CPU ${fmt(r.benchCpuMsPerMsg, 2)} ms/message; machine ${fmt(r.machineBusyPct)} % busy`);
          console.log(`        by kind: ${Object.entries(r.byKind).map(([k, v]) => `${k} ${v.n} p50 ${fmt(v.p50)} p99 ${fmt(v.p99)}`).join('; ')}`);
          const q = new Client({ connectionString: pg.url });
          await q.connect();
          const [row] = (await q.query<Record<string, string>>(`select (select count(*) from inbox) as inbox,
            (select count(*) from inbox where status = 'done') as done, (select count(*) from inbox where status = 'failed') as failed,
            (select count(*) from outbox) as outbox, (select count(*) from outbox where status = 'sent') as sent,
            (select count(*) from customer_events where kind <> 'created') as moves`)).rows;
          await q.end();
          console.log(`        database: inbox ${row!.inbox} (done ${row!.done}, failed ${row!.failed}), outbox ${row!.outbox} (sent ${row!.sent}), history rows ${row!.moves}`);
        } finally {
          for (const ch of children) await ch.stop().catch((err: unknown) => console.error(`  stop: ${String(err)}`));
          await pg.drop().catch((err: unknown) => console.error(`  drop database: ${String(err)}`));
          if (prefix) await deleteRedisPrefix(TEST_REDIS_URL, prefix).catch(() => undefined);
        }
      }
      results.set(cfg, list);
      console.log('');
    }
  } finally {
    await stub.close();
  }

  const rows: string[][] = [['config', 'rate/s', 'sent', 'replied', 'missing', 'p50 ms', 'p99 ms', 'max ms', 'replies/s', 'CPU ms/msg', 'SQL/msg', 'p99 < 1 s']];
  const sustained = (list: RateResult[]) => Math.max(0, ...list.filter((r) => r.missing === 0 && r.p99 < GOAL_P99_MS).map((r) => r.rate));
  for (const [cfg, list] of results) {
    for (const r of list) {
      rows.push([cfg, String(r.rate), fmt(r.sent), fmt(r.replied), String(r.missing), fmt(r.p50), fmt(r.p99), fmt(r.max), fmt(r.repliesPerSec), fmt(r.serverCpuMsPerMsg, 2), fmt(r.queriesPerMsg, 1), r.missing === 0 && r.p99 < GOAL_P99_MS ? 'yes' : 'no']);
    }
  }
  console.log(textTable(rows));
  const one = results.get('one');
  const two = results.get('two');
  const goals: Goal[] = [];
  if (one) {
    const top = one[one.length - 1]!;
    // What the machine can do at all: every CPU ms a message costs (bot, PostgreSQL, the load generator and stub
    // sharing the machine), measured at the lowest rate (least queueing), against the machine's CPUs.
    const low = one[0]!;
    const cpus = os.cpus().length;
    const perMsg = low.serverCpuMsPerMsg + low.pgCpuMsPerMsg + low.benchCpuMsPerMsg;
    const ceiling = `CPU per message at ${low.rate}/s: bot ${fmt(low.serverCpuMsPerMsg, 2)} + PostgreSQL ${fmt(low.pgCpuMsPerMsg, 2)} + load generator ${fmt(low.benchCpuMsPerMsg, 2)} = ${fmt(perMsg, 2)} ms, ` +
      `so ${cpus} CPU(s) run at most ~${fmt((cpus * 1000) / perMsg)} messages/s; ${fmt(GOAL_RATE)}/s needs ≤ ${fmt((cpus * 1000) / GOAL_RATE, 2)} ms per message in all`;
    console.log(ceiling);
    goals.push({ bench: 'latency', goal: 'one instance: highest rate with reply p99 < 1 s', kind: 'min', limit: GOAL_RATE, measured: sustained(one), unit: 'msg/s',
      detail: one.map((r) => `${r.rate}/s p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} max ${fmt(r.max)} ms${r.missing ? ` (${r.missing} missing)` : ''}`).join('; ') + `; ${ceiling}` });
    goals.push({ bench: 'latency', goal: `one instance: reply p99 at ${top.rate}/s`, kind: 'max', limit: GOAL_P99_MS, measured: top.p99, unit: 'ms', detail: `p50 ${fmt(top.p50)} ms, ${fmt(top.repliesPerSec)} replies/s` });
  }
  if (one && two) {
    const s1 = sustained(one);
    const s2 = sustained(two);
    // Peak throughput of each configuration (its best rate): at the highest rate both may have collapsed, and a
    // ratio of two collapses says nothing about scaling.
    const peak = (list: RateResult[]) => list.reduce((best, r) => (r.repliesPerSec > best.repliesPerSec ? r : best), list[0]!);
    const p1 = peak(one);
    const p2 = peak(two);
    const top1 = one[one.length - 1]!;
    const top2 = two[two.length - 1]!;
    goals.push({ bench: 'latency', goal: 'two instances ÷ one: peak replies/s', kind: 'min', limit: GOAL_SCALING, measured: p2.repliesPerSec / p1.repliesPerSec, unit: '×',
      detail: `peak ${fmt(p2.repliesPerSec)} (at ${p2.rate}/s) vs ${fmt(p1.repliesPerSec)} (at ${p1.rate}/s) replies/s; at ${top1.rate}/s ${fmt(top2.repliesPerSec)} vs ${fmt(top1.repliesPerSec)}; ` +
        `highest rate with p99 < 1 s: two ${s2}/s, one ${s1}/s` });
  }
  reportGoals('bench:latency', goals, [`${DURATION} s per rate; database ${process.env.BENCH_DB === 'migrated' ? 'migrated' : 'fresh'}; machine after the run: ${(await machineLoad()).text}`]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
