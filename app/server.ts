/**
 * The composition root: builds the bot from configuration — database, queues, WeCom client, receiver, router,
 * workers and HTTP routes — and owns start and graceful stop. Tests build it the same way on an ephemeral port.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import IORedis, { type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createMemoryTokenStore, createRedisTokenStore, createWecomClient, type TokenStore } from '../bot/api';
import { createCallbackCrypto } from '../bot/crypto';
import { createReceiver } from '../bot/receiver';
import { Router } from '../bot/router';
import { buildDigest } from '../cards/digest';
import type { Clock } from '../domain/clock';
import { registerHandlers } from '../handlers';
import { openDatabase, type Database } from '../store/db';
import { createInboxRepo } from '../store/inbox';
import { migrate } from '../store/migrate';
import { createOutboxRepo } from '../store/outbox';
import { createInboxWorker } from '../schedulers/inbox-worker';
import { createOutboxWorker } from '../schedulers/outbox-worker';
import { syncOrgFromWecom, type OrgSyncResult } from '../schedulers/org-sync';
import { createBullRunner, createInProcessRunner, type JobRunner } from '../schedulers/runner';
import { customerTexts } from '../cards/customer-texts';
import { getCustomer } from '../store/customers';
import { systemClock } from './clock';
import { loadProcessFile } from './process-file';
import { createUploadToken, uploadExpiry, uploadKey, uploadUrl } from './upload-link';
import type { Config } from './config';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { createOpsRoutes } from './ops-routes';
import { createCustomerRoutes } from './customer-routes';
import { createUploadRoutes } from './upload-routes';
import { createOrgRoutes } from './org-routes';

export interface BotOverrides {
  clock?: Clock;
  log?: Logger;
  /** An already-open database (tests); the bot then does not close it on stop. */
  database?: Database;
  /** Key prefix for Redis (bull queues, token cache), so test runs do not collide. */
  redisPrefix?: string;
  /** Retry sleeps for the WeCom client (tests make them instant). */
  sleep?: (ms: number) => Promise<void>;
  /** Inbox lease; tests shorten it to simulate crash recovery. */
  inboxLeaseMs?: number;
  sweepMs?: number;
}

export type Bot = Awaited<ReturnType<typeof createBot>>;

export async function createBot(config: Config, overrides: BotOverrides = {}) {
  const log = overrides.log ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const metrics = createMetrics();
  const ownsDatabase = !overrides.database;
  let listeningPort = 0;
  const database = overrides.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    await migrate(database);
  } catch (err) {
    if (ownsDatabase) await database.close();
    throw err;
  }

  const prefix = overrides.redisPrefix ?? 'spb';
  const redis: Redis | null = config.redisUrl
    ? new IORedis(config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false })
    : null;
  redis?.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  const tokenStore: TokenStore = redis ? createRedisTokenStore(redis, prefix) : createMemoryTokenStore();
  const runner: JobRunner = config.redisUrl
    ? createBullRunner({ redisUrl: config.redisUrl, prefix, log })
    : createInProcessRunner(log);

  const client = createWecomClient({
    baseUrl: config.apiBase, corpId: config.corpId, agentId: config.agentId, secret: config.secret, tokenStore, log,
    onRefresh: () => metrics.tokenRefreshes.inc(),
    retry: overrides.sleep ? { sleep: overrides.sleep } : undefined,
  });

  const inbox = createInboxRepo(database);
  const outbox = createOutboxRepo(database);
  const router = new Router();
  const processDef = loadProcessFile(config.processConfig);
  const key = uploadKey(config);
  const publicBase = () => config.publicBaseUrl ?? `http://127.0.0.1:${listeningPort || config.port}`;
  registerHandlers(router, {
    clock, log, config, client, process: processDef,
    uploadLink: (customerId, userId) =>
      uploadUrl(publicBase(), createUploadToken({ customerId, userId, expiresAt: uploadExpiry(clock.now()) }, key)),
    customerLink: () => config.publicBaseUrl ?? 'https://work.weixin.qq.com/',
  });

  const inboxWorker = createInboxWorker({
    database, inbox, outbox, router, clock, log,
    maxAttempts: config.inboxMaxAttempts, leaseMs: overrides.inboxLeaseMs,
    onOutbox: () => runner.kick('outbox'),
    onHandled: (o) => metrics.handled.inc({ outcome: o }),
  });
  const outboxWorker = createOutboxWorker({
    outbox, client, clock, log, maxAttempts: config.outboxMaxAttempts,
    digest: (rows) => buildDigest(rows.map((r) => r.summary)),
    onResult: (o, errcode) => metrics.delivered.inc({ outcome: o, errcode: String(errcode ?? 0) }),
  });
  const sweepMs = overrides.sweepMs ?? 1000;
  runner.define('inbox', inboxWorker.drain, { sweepMs });
  runner.define('outbox', outboxWorker.drain, { sweepMs });

  const crypto = createCallbackCrypto({ token: config.token, encodingAesKey: config.encodingAesKey, corpId: config.corpId });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const id = (req.get('x-request-id') ?? '').slice(0, 64) || randomUUID();
    (req as Request & { log: Logger }).log = log.child({ reqId: id });
    res.setHeader('x-request-id', id);
    next();
  });
  app.use(createReceiver({
    crypto, log, maxSkewSec: config.callbackMaxSkewSec,
    accept: (event, key) => inbox.accept({ dedupeKey: key, kind: event.kind, userId: event.userId, payload: event }, clock.now()),
    onAccepted: () => runner.kick('inbox'),
    onOutcome: (o) => metrics.callbacks.inc({ outcome: o }),
  }));
  // Before the 1 MB /api JSON parser: the customer API parses its own bodies (documents arrive as ~27 MB of base64).
  app.use(createCustomerRoutes({ database, clock, config, log, process: processDef }));
  app.use('/api', express.json({ limit: '1mb' }));
  app.use(createOpsRoutes({
    database, redis, inbox, outbox, metrics, clock, adminToken: config.adminToken,
    onRetry: () => {
      runner.kick('inbox');
      runner.kick('outbox');
    },
  }));
  app.use(createOrgRoutes({ database, clock, adminToken: config.adminToken }));
  app.use(createUploadRoutes({
    database, clock, config, log, process: processDef,
    // Tell the rep in chat that the file arrived and what to do next.
    onUploaded: async ({ customerId, userId, name }) => {
      const customer = await getCustomer(database.db, customerId);
      const content = customerTexts.uploaded(name, customer?.name ?? String(customerId));
      await outbox.enqueue(database.db, [{
        recipient: userId, kind: 'message', msgtype: 'text', body: { msgtype: 'text', text: { content } }, summary: content, cause: 'upload',
      }], clock.now());
      runner.kick('outbox');
    },
  }));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found' });
  });
  // Last resort: a clear status and no stack trace, whatever went wrong.
  app.use((err: { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) ((req as Request & { log?: Logger }).log ?? log).error({ err }, 'request failed');
    res.status(status).json({ error: status === 500 ? 'internal_error' : 'bad_request' });
  });

  let server: http.Server | null = null;
  /** Full org sync from WeCom's directory; never throws (failures are logged and keep the existing org). */
  const syncOrg = () => syncOrgFromWecom({ database, client, clock, log });
  let initialOrgSync: Promise<OrgSyncResult> | null = null;

  async function start(port = config.port): Promise<number> {
    await runner.start();
    server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, () => resolve());
    });
    const actual = (server.address() as AddressInfo).port;
    listeningPort = actual;
    runner.kick('inbox'); // rows left by a previous process
    runner.kick('outbox');
    if (config.orgSyncOnStart) {
      // Fire and forget: WeCom being slow or refusing (60011, 48002…) must not hold up or break the start.
      initialOrgSync = syncOrg().catch((err: unknown) => {
        log.error({ err }, 'org sync at start failed');
        return { ok: false as const, error: String(err) };
      });
    }
    log.info({ port: actual, workers: runner.mode, database: database.driver }, 'sales-process-bot listening');
    return actual;
  }

  /** Graceful stop: no new requests, running drains finish, connections close. */
  async function stop(): Promise<void> {
    if (server) {
      const s = server;
      server = null;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections?.();
      });
    }
    await runner.stop();
    if (redis) await redis.quit().catch(() => undefined);
    if (ownsDatabase) await database.close();
  }

  return { syncOrg, initialOrgSync: () => initialOrgSync, app, start, stop, database, runner, clock, router, inbox, outbox, client, metrics, log, inboxWorker, outboxWorker, crypto };
}
