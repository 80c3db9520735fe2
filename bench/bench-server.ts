/**
 * The server side of `npm run bench`, run in a child process (forked by bench/callback.bench.ts) so the load
 * generator and the server do not share one event loop. Its case comes in BENCH_CHILD (JSON):
 * - `bare`: an express app with the bot's own request middlewares and a `POST /bare` that reads a raw body and
 *   answers 200 empty — the floor the callback route is compared with;
 * - `bot`: the real bot from createBot (app/server.ts), optionally with its workers stopped (receiver only).
 * It talks to the parent over IPC: `ready` once listening; `mark` → CPU and event-loop snapshot plus callback
 * outcomes; `stop` → graceful stop, then exit.
 */
import { stopOnRequest } from './harness';
import { countQueries, sqlStats } from './sql-count';
import { createHttpApp } from '../app/http-app';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { sql as rawSql } from 'drizzle-orm';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../app/config';
import { createLogger } from '../app/logger';
import { createBot, type Bot } from '../app/server';

export interface ChildCase {
  mode: 'bare' | 'bot';
  config: Config;
  redisPrefix?: string;
  /** Stop the job runner after start: only the receiver path (verify, decrypt, parse, insert, ack) runs. */
  stopWorkers?: boolean;
}

/** `sql`: runs a script (or, with `rows`, one query) through the bot's own Database — embedded mode has no other door. */
export type ToChild = { type: 'mark' } | { type: 'stop' } | { type: 'sql'; sql: string; rows?: boolean };
export type FromChild =
  | { type: 'ready'; port: number; pid: number; workers: string; database: string }
  | {
    type: 'mark'; cpuMicros: number; elu: EventLoopUtilization; outcomes: Record<string, number>; rssMb: number; queries: number; queryMs: number;
    /** Event-loop delay since the previous mark (ms): p50, p99, max. */
    lag: { p50: number; p99: number; max: number };
  }
  | { type: 'sql'; rows: Record<string, unknown>[] }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

function send(msg: FromChild): void {
  process.send?.(msg);
}

/** The bare floor: same express settings and request-id middleware as app/server.ts, an empty 200. */
function bareServer(log: Logger) {
  const app = createHttpApp(log);
  // Same body parser and limit as the callback route; the body is read in full, then dropped.
  app.post('/bare', express.raw({ type: () => true, limit: '64kb' }), (_req: Request, res: Response) => {
    res.status(200).type('text/plain').send('');
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  return {
    async start(): Promise<number> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, () => resolve());
      });
      return (server.address() as AddressInfo).port;
    },
    async stop(): Promise<void> {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        server.closeAllConnections();
      });
    },
  };
}

async function outcomes(bot: Bot | null): Promise<Record<string, number>> {
  if (!bot) return {};
  const m = await bot.metrics.callbacks.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels.outcome), v.value]));
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_CHILD ?? '{}') as ChildCase;
  await countQueries();
  process.env.TZ = spec.config.tz;
  const log = createLogger(spec.config.logLevel);
  let bot: Bot | null = null;
  let stop: () => Promise<void>;
  let port: number;
  let workers = 'none';
  let database = 'none';

  if (spec.mode === 'bare') {
    const bare = bareServer(log);
    port = await bare.start();
    stop = bare.stop;
  } else {
    const b = await createBot(spec.config, { log, redisPrefix: spec.redisPrefix });
    bot = b;
    port = await b.start(0);
    if (spec.stopWorkers) {
      await b.runner.stop();
      workers = `${b.runner.mode} (stopped: receiver only)`;
    } else {
      workers = b.runner.mode;
    }
    database = b.database.driver;
    stop = () => b.stop();
  }

  let stopping: Promise<void> | null = null;
  const stopOnce = () => (stopping ??= stop());

  const stopRequest = stopOnRequest(stopOnce, send);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('message', (msg: ToChild) => {
    if (msg.type === 'mark') {
      const cpu = process.cpuUsage();
      const lag = { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
      delay.reset();
      void outcomes(bot).then((o) => send({
        type: 'mark', cpuMicros: cpu.user + cpu.system, elu: performance.eventLoopUtilization(), outcomes: o,
        rssMb: Math.round(process.memoryUsage().rss / 1e6), queries: sqlStats.queries, queryMs: sqlStats.ms, lag,
      }));
    } else if (msg.type === 'sql') {
      const database = bot?.database;
      if (!database) {
        send({ type: 'error', message: 'no database in this child' });
        return;
      }
      const run = msg.rows ? database.rows(rawSql.raw(msg.sql)) : database.execScript(msg.sql).then(() => []);
      run.then((rows) => send({ type: 'sql', rows }), (err: unknown) => send({ type: 'error', message: String(err) }));
    } else {
      stopRequest(msg);
    }
  });

  send({ type: 'ready', port, pid: process.pid, workers, database });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
