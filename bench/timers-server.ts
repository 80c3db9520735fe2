/**
 * The bot side of `npm run bench:timers`, run in a child process (forked by bench/timers.bench.ts) so the
 * measuring parent (bulk inserts, polling) does not share the bot's event loop or CPU accounting. Its case
 * comes in BENCH_CHILD (JSON). It talks to the parent over IPC:
 * - `ready` once the real bot (createBot, bull runner on Redis, default 1 s sweep) is listening;
 * - `kick` → one `runner.kickAt('timers', fireAt, now, 'timer-<id>')` per timer, exactly what the task service's
 *   `wake` does when it schedules them (app/timers-setup.ts): one bull delayed job each;
 * - `mark` → CPU time, event-loop utilisation, timers fired (metrics);
 * - `stop` → graceful stop, then exit.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Config } from '../app/config';
import { createLogger } from '../app/logger';
import { createBot } from '../app/server';

export interface TimersChildCase {
  config: Config;
  redisPrefix: string;
  /** false: the outbox worker is replaced by a no-op (delivery is not what is measured). */
  outbox: boolean;
}

export type ToTimersChild = { type: 'kick'; timers: [number, number][] } | { type: 'mark' } | { type: 'stop' };
export type FromTimersChild =
  | { type: 'ready'; pid: number; workers: string; database: string }
  | { type: 'kicked'; n: number; callMs: number }
  | { type: 'mark'; cpuMicros: number; elu: EventLoopUtilization; fired: number; rssMb: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

function send(msg: FromTimersChild): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_CHILD ?? '{}') as TimersChildCase;
  process.env.TZ = spec.config.tz;
  const log = createLogger(spec.config.logLevel);
  const bot = await createBot(spec.config, { log, redisPrefix: spec.redisPrefix });
  if (!spec.outbox) bot.runner.define('outbox', async () => undefined, { sweepMs: 0 });
  await bot.start(0);

  let stopping: Promise<void> | null = null;
  const stopOnce = () => (stopping ??= bot.stop());

  process.on('message', (msg: ToTimersChild) => {
    if (msg.type === 'kick') {
      const t0 = performance.now();
      for (const [id, fireAt] of msg.timers) {
        bot.runner.kickAt('timers', new Date(fireAt), bot.clock.now().getTime(), `timer-${id}`);
      }
      send({ type: 'kicked', n: msg.timers.length, callMs: performance.now() - t0 });
    } else if (msg.type === 'mark') {
      const cpu = process.cpuUsage();
      void bot.metrics.timersFired.get().then((m) => send({
        type: 'mark', cpuMicros: cpu.user + cpu.system, elu: performance.eventLoopUtilization(),
        fired: m.values.reduce((a, v) => a + v.value, 0), rssMb: Math.round(process.memoryUsage().rss / 1e6),
      }));
    } else if (msg.type === 'stop') {
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
    }
  });
  process.on('disconnect', () => {
    void stopOnce().finally(() => process.exit(0));
  });
  send({ type: 'ready', pid: process.pid, workers: bot.runner.mode, database: bot.database.driver });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
});
