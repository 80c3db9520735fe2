/**
 * Wiring for CHANNEL=dingtalk (composition only): the DingTalk stack (bot/dingtalk/stack.ts) on the bot's inbox,
 * Redis (shared token cache, call count, work-notice ledger) and metrics; in the sandbox, the fake DingTalk with the
 * demo company and its members. app/server.ts mounts `router` (HTTP mode) and calls start/stop with the server.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRedisTokenStore } from '../bot/wecom/api';
import { createDingtalkStack } from '../bot/dingtalk/stack';
import { syncOrgFromDingtalk } from '../bot/dingtalk/org-sync';
import { createRedisCountStore } from '../bot/dingtalk/quota';
import { createRedisWorkNoticeStore } from '../bot/dingtalk/work-notice';
import type { FakeDingtalk } from '../bot/dingtalk/fake';
import type { Clock } from '../domain/clock';
import { urgentQueries, type Database } from '../store/db';
import type { InboxRepo } from '../store/inbox';
import { createDingtalkSandbox, SANDBOX_DINGTALK_TEMPLATE, startSandboxDingtalk } from '../sandbox/dingtalk';
import type { ProcessDefinition } from '../domain/types';
import type { JobRunner } from '../schedulers/runner';
import type { TimeMachine } from '../schedulers/time-travel';
import type { Config } from './config';
import type { Metrics } from './metrics';
import { projectRoot } from '../store/paths';

export interface DingtalkSetupDeps {
  config: Config;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  database: Database;
  inbox: InboxRepo;
  redis: Redis | null;
  prefix: string;
  /** Wakes the inbox worker. */
  onAccepted(): void;
  /** For the sandbox: the workers' runner and the process definition (demo company seed, time machine). */
  runner: JobRunner;
  /** The bot's one time machine (null on the wall clock): the sandbox's jumps. */
  timeMachine: TimeMachine | null;
  process: ProcessDefinition;
  /** Tests shorten the Stream watchdog and backoff. */
  stream?: { heartbeatMs?: number; idleTimeoutMs?: number; backoffInitialMs?: number; backoffMaxMs?: number };
}

export async function setupDingtalk(deps: DingtalkSetupDeps) {
  const { config, clock, log, redis, prefix } = deps;
  if (!config.dingtalk) throw new Error('CHANNEL=dingtalk without DingTalk configuration');
  // Sandbox: the fake DingTalk on a loopback port, its directory the demo company; never with real credentials.
  const fake: FakeDingtalk | null = config.sandbox ? await startSandboxDingtalk(clock) : null;
  const dt = fake ? { ...config.dingtalk, apiBase: fake.base, oapiBase: fake.base, cardTemplateId: SANDBOX_DINGTALK_TEMPLATE } : config.dingtalk;
  const stack = createDingtalkStack(dt, {
    clock, log, registry: deps.metrics.registry, mediaRoot: projectRoot(), stream: deps.stream,
    tokenStore: redis ? createRedisTokenStore(redis, prefix) : undefined,
    countStore: redis ? createRedisCountStore(redis, prefix) : undefined,
    workNoticeStore: redis ? createRedisWorkNoticeStore(redis, prefix) : undefined,
    accept: (event, key) => urgentQueries(() => deps.inbox.accept({ dedupeKey: key, kind: event.kind, userId: event.userId, payload: event }, clock.now())),
    onAccepted: deps.onAccepted,
    onOutcome: (o) => deps.metrics.callbacks.inc({ outcome: o }),
  });
  return {
    stack,
    channel: stack.channel,
    /** HTTP mode: POST /dingtalk/callback and /dingtalk/events; null in Stream mode. */
    router: stack.receiver,
    fake,
    /** Sandbox only: members, time machine, settle, and the demo company seed (`prepare`, before start). */
    sandbox: fake ? createDingtalkSandbox({ database: deps.database, clock, runner: deps.runner, timeMachine: deps.timeMachine, log, process: deps.process, tz: config.tz, fake }) : null,
    /** Dashboard 免登: requestAuthCode's code → userid. */
    userIdByCode: (code: string) => stack.signIn.userIdByCode(code),
    syncOrg: () => syncOrgFromDingtalk({ database: deps.database, client: stack.client, clock, log }),
    async start() {
      await stack.start();
    },
    async stop() {
      await stack.stop();
      await fake?.close();
    },
  };
}

export type DingtalkSetup = Awaited<ReturnType<typeof setupDingtalk>>;
