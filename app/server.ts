/**
 * The composition root: builds the bot from configuration — database, queues, WeCom client, receiver, router,
 * workers and HTTP routes — and owns start and graceful stop. Tests build it the same way on an ephemeral port.
 */
import os from 'node:os';
import path from 'node:path';
import { createHttpApp } from './http-app';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import IORedis, { type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createMemoryTokenStore, createRedisTokenStore, createWecomClient, type TokenStore, type WecomClient } from '../bot/wecom/api';
import { createCallbackCrypto } from '../bot/wecom/crypto';
import { createReceiver } from '../bot/wecom/receiver';
import { Router } from '../bot/router';
import { buildDigest, digestLine } from '../cards/digest';
import { setBusinessZone } from '../domain/business-time';
import type { Clock } from '../domain/clock';
import { registerHandlers } from '../handlers';
import { openDatabase, urgentQueries, type Database } from '../store/db';
import { createInboxRepo } from '../store/inbox';
import { migrate } from '../store/migrate';
import { createOutboxRepo } from '../store/outbox';
import { createLeaseKeeper, releaseAllLeases } from '../store/leases';
import { createInboxWorker } from '../schedulers/inbox-worker';
import { createOutboxWorker } from '../schedulers/outbox-worker';
import { prepareSopPdfs } from '../schedulers/sop-pdf';
import { projectRoot } from '../store/paths';
import { bytesInFiles, bytesInRow, documentsDir } from '../store/document-bytes';
import { syncOrgFromWecom, type OrgSyncResult } from '../bot/wecom/directory';
import { createBullRunner, createInProcessRunner, type JobRunner } from '../schedulers/runner';
import type { UseCaseDeps } from '../usecases/deps';
import { registerContactEvents } from '../bot/wecom/contact-events';
import { createWecomChannel } from '../bot/wecom/channel';
import { registerDingtalkContactEvents } from '../bot/dingtalk/org-sync';
import { setupDingtalk } from './dingtalk-setup';
import { createTimeMachine, isMovableClock } from '../schedulers/time-travel';
import { saveClock } from '../sandbox/seed';
import { storedChatEvent, toChatEvent } from '../bot/wecom/events';
import { createSandbox, withSandboxPort } from '../sandbox';
import { sandboxProcess } from '../sandbox/demo-company';
import { AdjustableClock, systemClock } from './clock';
import { loadProcessFile } from './process-file';
import { setupTimers } from './timers-setup';
import { setupReviews } from './review-setup';
import { createClockRoutes } from './clock-routes';
import { createUploadToken, uploadExpiry, uploadKey, uploadUrl } from './upload-link';
import type { Config } from './config';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { createMetricsRouter, createOpsRoutes } from './ops-routes';
import { createCustomerRoutes } from './customer-routes';
import { createUploadRoutes } from './upload-routes';
import { createOrgRoutes } from './org-routes';
import { dashboardKeys, dashboardLink, LINK_DEFAULT_TTL_MS } from '../dashboard/access';
import { objectionAlertJob, weeklyHeatmapJob } from '../dashboard/jobs';
import { createDashboardRoutes } from '../dashboard/routes';
import { createDashboardService } from '../dashboard/service';
import { setupMaterials } from './materials-setup';
import { materialMeasures } from '../usecases/material-measures';

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
  /** Lease of every claimed row (inbox, outbox, timers), renewed by heartbeat; default store/leases.ts LEASE_MS. */
  leaseMs?: number;
  sweepMs?: number;
  /** CHANNEL=dingtalk: tests shorten the Stream watchdog and backoff. */
  dingtalkStream?: { heartbeatMs?: number; idleTimeoutMs?: number; backoffInitialMs?: number; backoffMaxMs?: number };
}

export type Bot = Awaited<ReturnType<typeof createBot>>;

export async function createBot(config: Config, overrides: BotOverrides = {}) {
  const onDingtalk = config.channel === 'dingtalk';
  // WeCom sandbox: the WeCom client talks to this server's fake API, so the port must be known now (PORT=0 → a free
  // one). The DingTalk sandbox's fake listens on its own loopback port.
  if (config.sandbox && !onDingtalk) config = await withSandboxPort(config);
  const log = overrides.log ?? createLogger(config.logLevel);
  // Every business rule (09:00 jobs, ISO weeks, calendar days, times in messages) reads this zone.
  setBusinessZone(config.tz);
  // The sandbox's time machine moves this one clock.
  const clock = overrides.clock ?? (config.sandbox || config.allowTimeTravel ? new AdjustableClock() : systemClock);
  if (config.allowTimeTravel && !config.sandbox) {
    log.warn('ALLOW_TIME_TRAVEL=1: POST /api/clock can move the bot’s clock. Deadlines and reports will fire early. Never do this with a real WeCom tenant in production.');
  }
  if (!config.publicBaseUrl && !config.sandbox) {
    log.warn('PUBLIC_BASE_URL is unset: cards carry no links and upload/dashboard links point at this machine. Set PUBLIC_BASE_URL=https://<your public host> (the address WeCom users can open).');
  }
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
  // The one time machine (时光机): every jump (the admin route, the sandbox console, the demo driver) goes through it,
  // one at a time; the sandbox remembers the position across restarts.
  const timeMachine = (config.sandbox || config.allowTimeTravel) && isMovableClock(clock)
    ? createTimeMachine({ database, runner, clock, onMoved: config.sandbox ? (to) => saveClock(database.db, { now: () => to }) : undefined })
    : null;

  // On DingTalk nothing calls WeCom: a client that says so if anything ever tries.
  const client: WecomClient = onDingtalk
    ? new Proxy({} as WecomClient, { get: (_t, prop) => () => Promise.reject(new Error(`WeCom ${String(prop)} called with CHANNEL=dingtalk`)) })
    : createWecomClient({
      baseUrl: config.apiBase, corpId: config.corpId, agentId: config.agentId, secret: config.secret, tokenStore, log,
      onRefresh: () => metrics.tokenRefreshes.inc(),
      retry: overrides.sleep ? { sleep: overrides.sleep } : undefined,
    });

  // Short leases renewed while rows are worked on: a dead process's rows are taken over within seconds.
  const leases = createLeaseKeeper(database, clock, {
    leaseMs: overrides.leaseMs, onError: (err) => log.warn({ err: String(err) }, 'lease renewal failed'),
  });
  const inbox = createInboxRepo(database);
  const outbox = createOutboxRepo(database, { channel: config.channel ?? 'wecom' });
  const router = new Router();
  // The sandbox sends quality reviews to its 质检员 (pool mode), so the reviewer's role can be tried there.
  const processDef = config.sandbox ? sandboxProcess(loadProcessFile(config.processConfig)) : loadProcessFile(config.processConfig);
  // Quality review (issue 5): installs the `review` task definition before the timer worker can fire.
  const reviews = setupReviews({ database, clock, log, config, process: processDef });
  const key = uploadKey(config);
  const publicBase = () => config.publicBaseUrl ?? `http://127.0.0.1:${listeningPort || config.port}`;
  // The process health dashboard (issue 6): numbers from the database, cached ≤ 30 s; signed links for the bot.
  const dashboard = createDashboardService({ database, process: processDef, log });
  const dashKeys = dashboardKeys(config);
  const dashLink = (userId: string) => dashboardLink(publicBase(), userId, dashKeys, clock.now());
  const timers = setupTimers({
    database, outbox, client, clock, log, runner, process: processDef, leases,
    // Cards link to our pages only when the bot has a public address; otherwise they carry no link at all.
    link: () => config.publicBaseUrl ?? null,
    onFired: (kind, lateMs) => {
      metrics.timersFired.inc({ kind });
      metrics.timerLateness.observe(Math.max(0, lateMs) / 1000);
    },
  });
  reviews.registerJobs(timers); // review_sampling (daily), review_leaderboard (weekly)
  // Material packs (issue 13): config/materials.yaml beside the process file; signed long-lived links.
  const materials = setupMaterials({ config, process: processDef, tasks: timers.tasks, publicBase });
  // Uploaded documents' bytes (decision 0013): embedded on disk → files under DATA_DIR/documents, so 20 MB never go
  // through PGlite's one session; PostgreSQL (instances share it, not a disk) and memory:// → the row.
  const documentBytes = database.driver === 'pglite' && !config.dataDir.startsWith('memory://')
    ? bytesInFiles(documentsDir(config.dataDir))
    : bytesInRow();
  // One set of use-case dependencies for every way in: chat, API, upload page, schedulers, sandbox.
  const useCases: UseCaseDeps = {
    process: processDef, tasks: timers.tasks, enqueue: outbox.enqueue,
    uploadLink: async (customerId, userId) => uploadUrl(publicBase(),
      await createUploadToken({ customerId, userId, expiresAt: uploadExpiry(clock.now()) }, key, clock.now())),
    customerLink: () => config.publicBaseUrl ?? null,
    hasPack: materials?.hasPack,
    documentBytes,
  };
  registerHandlers(router, {
    ...useCases, log, reviews: reviews.service(timers.tasks),
    dashboardLink: dashLink, dashboardLinkDays: Math.round(LINK_DEFAULT_TTL_MS / 86_400_000),
    materials: materials?.deps, database,
  });
  registerContactEvents(router, { client });
  // CHANNEL=dingtalk: the DingTalk stack (Stream or HTTP receiving, client, channel, sign-in) on the same inbox.
  const dingtalk = onDingtalk ? await setupDingtalk({
    config, clock, log, metrics, database, inbox, redis, prefix, onAccepted: () => runner.kick('inbox'), runner, timeMachine, process: processDef,
    ...(overrides.dingtalkStream ? { stream: overrides.dingtalkStream } : {}),
  }) : null;
  if (dingtalk) registerDingtalkContactEvents(router, { client: dingtalk.stack.client });

  const inboxWorker = createInboxWorker({
    database, inbox, outbox, router, clock, log, decode: storedChatEvent,
    maxAttempts: config.inboxMaxAttempts, leaseMs: overrides.inboxLeaseMs, leases,
    // A reply leaves as soon as its handler committed; the drain takes what the express lane cannot (and anything
    // a use case wrote through its own outbox handle).
    onOutbox: (recipients) => {
      if (!recipients.length || !outboxWorker.deliverNow(recipients)) runner.kick('outbox');
    },
    onHandled: (o) => metrics.handled.inc({ outcome: o }),
  });
  const sops = prepareSopPdfs({ root: projectRoot(), log });
  // SOP pushes send the PDF laid out from the Markdown source once it is ready (schedulers/sop-pdf.ts).
  const channel = dingtalk?.channel ?? createWecomChannel({ client, media: timers.media, preferSop: (ref) => sops.preferred(ref), root: projectRoot() });
  const outboxWorker = createOutboxWorker({
    outbox, channel, clock, log, maxAttempts: config.outboxMaxAttempts, leases,
    // The per-member budget is the channel's declared limit (channel.limits: bot/wecom/limits.ts, bot/dingtalk/channel.ts).
    digest: (rows) => buildDigest(rows.map(digestLine)),
    onResult: (o, errcode) => metrics.delivered.inc({ outcome: o, errcode: String(errcode ?? 0) }),
  });
  const sweepMs = overrides.sweepMs ?? 1000;
  runner.define('inbox', inboxWorker.drain, { sweepMs });
  runner.define('outbox', outboxWorker.drain, { sweepMs });
  runner.define('timers', timers.worker.drain, { sweepMs });

  const crypto = onDingtalk ? null : createCallbackCrypto({ token: config.token, encodingAesKey: config.encodingAesKey, corpId: config.corpId });
  const app = createHttpApp(log);
  // HTTP receive mode on DingTalk: POST /dingtalk/callback (robot) and /dingtalk/events (subscriptions).
  if (dingtalk?.router) app.use(dingtalk.router);
  if (crypto) app.use(createReceiver({
    crypto, log, maxSkewSec: config.callbackMaxSkewSec,
    // WeCom's timestamps are real time: compared with the system clock even when the sandbox moves the bot's clock.
    nowSec: () => systemClock.now().getTime() / 1000,
    accept: (wecomEvent, key) => {
      const event = toChatEvent(wecomEvent);
      // The ack's insert goes before the handlers' queued queries in the embedded database (decision 0012).
      return urgentQueries(() => inbox.accept({ dedupeKey: key, kind: event.kind, userId: event.userId, payload: event }, clock.now()));
    },
    onAccepted: () => runner.kick('inbox'),
    onOutcome: (o) => metrics.callbacks.inc({ outcome: o }),
  }));
  // Before the 1 MB /api JSON parser: the customer API parses its own bodies (documents arrive as ~27 MB of base64).
  app.use(createCustomerRoutes({ database, clock, config, log, process: processDef, useCases, afterCommit: () => runner.kick('outbox') }));
  // Before the ops routes: their admin guard covers every /api path it sees.
  if (materials) {
    app.use(materials.routes({ database, clock, log, outbox, adminToken: config.adminToken, onEnqueued: () => runner.kick('outbox') }));
  }
  app.use(createDashboardRoutes({
    service: dashboard, clock, config, log, publicBase,
    userIdByCode: (code) => (dingtalk ? dingtalk.userIdByCode(code) : client.getUserIdByCode(code)),
    materials: materials ? (scope, period) => materialMeasures(database, materials.materials, {
      from: period.from, to: period.to, by: 'office', only: (office) => scope.kind === 'all' || (scope.kind === 'offices' && !!office && scope.offices.includes(office)),
    }) : undefined,
  }));
  app.use('/api', express.json({ limit: '1mb' }));
  app.use(createOpsRoutes({
    database, redis, inbox, outbox, metrics, clock, adminToken: config.adminToken, metricsElsewhere: !!config.metricsListen,
    onRetry: () => {
      runner.kick('inbox');
      runner.kick('outbox');
    },
  }));
  app.use(createClockRoutes({ clock, timeMachine, adminToken: config.adminToken, log }));
  app.use(createOrgRoutes({ database, clock, adminToken: config.adminToken }));
  app.use(reviews.routes({ tasks: timers.tasks, outbox, documentBytes, onEnqueued: () => runner.kick('outbox') }));
  app.use(createUploadRoutes({ database, clock, config, log, process: processDef, useCases, afterUploaded: () => runner.kick('outbox') }));
  // Sandbox mode only: the fake WeCom API, the chat console and the demo company (sandbox/index.ts).
  const sandbox = config.sandbox && crypto
    ? createSandbox({ config, database, clock, runner, log, crypto, process: processDef, timeMachine })
    : null;
  if (sandbox) {
    await sandbox.prepare();
    app.use(sandbox.router);
  }
  await dingtalk?.sandbox?.prepare();
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found' });
  });
  // Last resort: a clear status and no stack trace, whatever went wrong.
  app.use((err: { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) ((req as Request & { log?: Logger }).log ?? log).error({ err }, 'request failed');
    res.status(status).json({ error: status === 500 ? 'internal_error' : 'bad_request' });
  });

  /** Jobs for the scheduler (weekly): the heatmap picture to every manager, and R10 objection-word jumps. */
  const dashboardJobDeps = {
    database, outbox, clock, log, process: processDef, link: dashLink, onEnqueued: () => runner.kick('outbox'),
    // Pictures the channel uploads at delivery: under DATA_DIR (a temporary folder for an in-memory database).
    mediaDir: config.dataDir.startsWith('memory://') ? path.join(os.tmpdir(), 'spb-media') : path.join(config.dataDir, 'media'),
  };
  const dashboardJobs = {
    weeklyHeatmap: (o: { force?: boolean } = {}) => weeklyHeatmapJob({ ...dashboardJobDeps, ...o }),
    objectionAlert: (o: { force?: boolean; week?: string } = {}) => objectionAlertJob({ ...dashboardJobDeps, ...o }),
  };
  // Weekly, Monday 09:00 (business time zone): the heatmap picture to every manager (R4), objection-word jumps (R10).
  // Both call WeCom and keep their own once-per-ISO-week record, so they run before the cron transaction.
  timers.addJob({ name: 'weekly_heatmap', weekday: 1, time: '09:00', run: async () => undefined,
    prepare: async () => void (await dashboardJobs.weeklyHeatmap()) });
  timers.addJob({ name: 'objection_alert', weekday: 1, time: '09:05', run: async () => undefined,
    prepare: async () => void (await dashboardJobs.objectionAlert()) });

  let server: http.Server | null = null;
  let metricsServer: http.Server | null = null;
  /** Full org sync from WeCom's directory; never throws (failures are logged and keep the existing org). */
  const syncOrg = (): Promise<OrgSyncResult> => (dingtalk ? dingtalk.syncOrg() : syncOrgFromWecom({ database, client, clock, log }));
  let initialOrgSync: Promise<OrgSyncResult> | null = null;

  async function start(port = config.port): Promise<number> {
    // One process per embedded data directory (its lock file): whatever is still leased belongs to a dead process.
    if (database.driver === 'pglite' && ownsDatabase) await releaseAllLeases(database, clock.now());
    await runner.start();
    server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, () => resolve());
    });
    const actual = (server.address() as AddressInfo).port;
    listeningPort = actual;
    if (config.metricsListen) {
      // A separate address (e.g. 127.0.0.1:9464, reachable only by the scraper): /metrics and nothing else.
      const at = config.metricsListen.lastIndexOf(':');
      const host = config.metricsListen.slice(0, at).replace(/^\[|\]$/g, '');
      const metricsApp = express();
      metricsApp.disable('x-powered-by');
      metricsApp.use(createMetricsRouter({ inbox, outbox, metrics, clock }));
      metricsServer = http.createServer(metricsApp);
      await new Promise<void>((resolve, reject) => {
        metricsServer!.once('error', reject);
        metricsServer!.listen(Number(config.metricsListen!.slice(at + 1)), host, () => resolve());
      });
    }
    await timers.ensureCron();
    await dingtalk?.start(); // the Stream connection (both modes: card callbacks arrive on it)
    runner.kick('inbox'); // rows left by a previous process
    runner.kick('outbox');
    runner.kick('timers');
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
    await dingtalk?.stop();
    if (metricsServer) {
      const m = metricsServer;
      metricsServer = null;
      await new Promise<void>((resolve) => m.close(() => resolve()));
    }
    if (server) {
      const s = server;
      server = null;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections?.();
      });
    }
    await runner.stop();
    await outboxWorker.settle();
    leases.stop();
    if (redis) await redis.quit().catch(() => undefined);
    if (ownsDatabase) await database.close();
  }

  return { sops, useCases, materials, syncOrg, initialOrgSync: () => initialOrgSync, app, start, stop, database, runner, clock, router, inbox, outbox, client, metrics, log, inboxWorker, outboxWorker, timerWorker: timers.worker, crypto, sandbox, dingtalk, channel, config, dashboard, dashboardJobs };
}
