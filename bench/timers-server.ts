/**
 * The bot side of `npm run bench:timers`, run in a child process (forked by bench/timers.bench.ts) so the
 * measuring parent (bulk inserts, polling) does not share the bot's event loop or CPU accounting. Its case
 * comes in BENCH_CHILD (JSON). It talks to the parent over IPC:
 * - `ready` once the real bot (createBot, bull runner on Redis, default 1 s sweep) is listening;
 * - `kick` → `wakeTimersAt(runner, fireAts, now)`, exactly what the task service's `wake` does when it schedules
 *   timers (app/timers-setup.ts): one bull delayed job per wake-up slot that has a timer due;
 * - `mark` → CPU time, event-loop utilisation, timers fired (metrics);
 * - `stop` → graceful stop, then exit.
 * It also exports what the parent uses to drive it (startBotChild) and the local WeCom stub.
 */
import { stopOnRequest } from './harness';
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Config } from '../app/config';

export interface TimersChildCase {
  config: Config;
  redisPrefix: string;
  /** false: the outbox worker is replaced by a no-op (delivery is not what is measured). */
  outbox: boolean;
}

export type ToTimersChild = { type: 'kick'; timers: [number, number][] } | { type: 'mark' } | { type: 'stop' };
export type FromTimersChild =
  | { type: 'ready'; pid: number; workers: string; database: string }
  | { type: 'kicked'; n: number; slots: number; callMs: number }
  | { type: 'mark'; cpuMicros: number; elu: EventLoopUtilization; fired: number; rssMb: number; queries: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

function send(msg: FromTimersChild): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  // Loaded here, not at the top: the parent imports this file only for the driver below.
  const { createLogger } = await import('../app/logger');
  const { createBot } = await import('../app/server');
  const { countQueries, sqlStats } = await import('./sql-count');
  const { wakeTimersAt } = await import('../app/timers-setup');
  await countQueries();
  const spec = JSON.parse(process.env.BENCH_CHILD ?? '{}') as TimersChildCase;
  process.env.TZ = spec.config.tz;
  const log = createLogger(spec.config.logLevel);
  const bot = await createBot(spec.config, { log, redisPrefix: spec.redisPrefix });
  if (!spec.outbox) bot.runner.define('outbox', async () => undefined, { sweepMs: 0 });
  await bot.start(0);

  let stopping: Promise<void> | null = null;
  const stopOnce = () => (stopping ??= bot.stop());

  const stopRequest = stopOnRequest(stopOnce, send);
  process.on('message', (msg: ToTimersChild) => {
    if (msg.type === 'kick') {
      const t0 = performance.now();
      const slots = wakeTimersAt(bot.runner, msg.timers.map(([, fireAt]) => new Date(fireAt)), bot.clock.now().getTime());
      send({ type: 'kicked', n: msg.timers.length, slots, callMs: performance.now() - t0 });
    } else if (msg.type === 'mark') {
      const cpu = process.cpuUsage();
      void bot.metrics.timersFired.get().then((m) => send({
        type: 'mark', cpuMicros: cpu.user + cpu.system, elu: performance.eventLoopUtilization(),
        fired: m.values.reduce((a, v) => a + v.value, 0), rssMb: Math.round(process.memoryUsage().rss / 1e6), queries: sqlStats.queries,
      }));
    } else {
      stopRequest(msg);
    }
  });
  send({ type: 'ready', pid: process.pid, workers: bot.runner.mode, database: bot.database.driver });
}

// The parent's side: the WeCom stub and the driver of this child. Only the child runs main().
/** A tiny WeCom API: gettoken, message/send and the rest answer errcode 0. */
export async function wecomStub() {
  let sends = 0;
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      const p = (req.url ?? '').split('?')[0];
      if (p === '/cgi-bin/message/send') sends++;
      res.writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errcode: 0, errmsg: 'ok', access_token: 'bench-token', expires_in: 7200, msgid: `m${sends}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sends: () => sends,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** The bot's child process, driven over IPC (one request → one answer). */
export function startBotChild(spec: TimersChildCase, cpuProfile?: string) {
  const execArgv = ['-r', 'ts-node/register/transpile-only'];
  if (cpuProfile) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.dirname(cpuProfile)}`, `--cpu-prof-name=${path.basename(cpuProfile)}`);
  const child: ChildProcess = fork(path.join(__dirname, 'timers-server.ts'), [], {
    execArgv, env: { ...process.env, BENCH_CHILD: JSON.stringify(spec), NOCK_OFF: 'true' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters: ((m: FromTimersChild) => void)[] = [];
  child.on('message', (m: FromTimersChild) => waiters.shift()?.(m));
  child.on('exit', (code) => { for (const w of waiters.splice(0)) w({ type: 'error', message: `bot child exited (${code})` }); });
  const next = <T extends FromTimersChild['type']>(type: T, timeoutMs = 60_000) =>
    new Promise<Extract<FromTimersChild, { type: T }>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`bot child did not answer ${type}`)), timeoutMs);
      waiters.push((m) => {
        clearTimeout(t);
        if (m.type === type) resolve(m as Extract<FromTimersChild, { type: T }>);
        else reject(new Error(m.type === 'error' ? m.message : `unexpected ${m.type}`));
      });
    });
  const ask = <T extends FromTimersChild['type']>(msg: ToTimersChild, type: T) => {
    const p = next(type);
    child.send(msg);
    return p;
  };
  return {
    ready: () => next('ready'),
    kick: (timers: [number, number][]) => ask({ type: 'kick', timers }, 'kicked'),
    mark: () => ask({ type: 'mark' }, 'mark'),
    async stop() {
      if (child.exitCode !== null) return;
      await ask({ type: 'stop' }, 'stopped').catch((err: unknown) => { child.kill('SIGKILL'); throw err; });
    },
  };
}

if (require.main === module) main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
