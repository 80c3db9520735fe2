/** Starts the real bot on an ephemeral port, on a fresh database, with WeCom's API nock'd by the caller. */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AdjustableClock } from '../../app/clock';
import type { Config } from '../../app/config';
import { createBot, type Bot } from '../../app/server';
import { openTestDatabase, type Driver, type TestDatabase } from './db';
import { TEST_REDIS_URL, TEST_START } from './env';
import { sealCallback, testConfig } from './wecom';

export interface TestBot {
  bot: Bot;
  db: TestDatabase;
  clock: AdjustableClock;
  base: string;
  /** Encrypts, signs and POSTs an inner XML to /wecom/callback. */
  callback(innerXml: string, opts?: { corpId?: string; token?: string }): Promise<{ status: number; body: string }>;
  post(pathAndQuery: string, body: string | Buffer, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  stop(opts?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * Where a test bot's clock starts unless the test says otherwise: Thursday 2026-11-26 14:00 Asia/Shanghai, an
 * ordinary working afternoon. Tests never start at the real "now", so no result depends on when the suite runs;
 * a test about a particular hour or weekday passes its own `clock` (new AdjustableClock(instant)).
 */
export { TEST_START };

export async function startTestBot(opts: {
  driver?: Driver; redis?: boolean; db?: TestDatabase; clock?: AdjustableClock; config?: Partial<Config>;
  inboxLeaseMs?: number; sweepMs?: number; beforeStart?: (bot: Bot) => void; log?: Logger;
} = {}): Promise<TestBot> {
  const db = opts.db ?? (await openTestDatabase(opts.driver ?? 'postgres'));
  const clock = opts.clock ?? new AdjustableClock(TEST_START);
  const config = testConfig({ ...(opts.redis ? { redisUrl: TEST_REDIS_URL } : {}), ...opts.config });
  const bot = await createBot(config, {
    database: db, clock, redisPrefix: `spbt${randomBytes(4).toString('hex')}`, sleep: async () => undefined,
    inboxLeaseMs: opts.inboxLeaseMs, sweepMs: opts.sweepMs ?? 100, log: opts.log,
  });
  opts.beforeStart?.(bot);
  const port = await bot.start(0);
  const base = `http://127.0.0.1:${port}`;

  async function request(method: string, p: string, body?: string | Buffer, headers: Record<string, string> = {}) {
    const res = await fetch(base + p, { method, body, headers });
    return { status: res.status, body: await res.text() };
  }

  return {
    bot, db, clock, base,
    callback(innerXml, o) {
      const sealed = sealCallback(innerXml, o);
      return request('POST', `/wecom/callback?${sealed.query}`, sealed.body, { 'content-type': 'text/xml' });
    },
    post: (p, body, headers) => request('POST', p, body, headers),
    get: (p, headers) => request('GET', p, undefined, headers),
    async stop(o = {}) {
      await bot.stop();
      if (!o.keepDatabase) await db.close();
    },
  };
}
