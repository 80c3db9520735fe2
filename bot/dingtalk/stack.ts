/**
 * Everything DingTalk, built from its configuration: call runner (tokens, quota count), client, channel, sign-in,
 * and the receiving side for the chosen mode. app/ wires it with the inbox (`accept`) and the metrics registry:
 * - stream mode: one Stream client for robot messages, card callbacks and events;
 * - http mode:   the express router for POST /dingtalk/callback and /dingtalk/events, plus a Stream client for
 *   card callbacks only (DingTalk's HTTP card callbacks have no documented signature, docs/decisions/0009).
 */
import type express from 'express';
import type client from 'prom-client';
import type { Clock } from '../../domain/clock';
import { createDingtalkChannel, type MediaIdCache } from './channel';
import { createDingtalkClient } from './client';
import type { DingtalkConfig } from './config';
import { createEventCrypto } from './crypto';
import { createDingtalkSignIn } from './directory';
import { createCallRunner, type DingtalkLogger, type DingtalkTokenStore } from './http';
import { createStreamInbound } from './inbound';
import { createCallCounter, type CallCountStore } from './quota';
import { createDingtalkReceiver, type AcceptEvent, type DingtalkOutcome } from './receiver';
import { createStreamClient, TOPIC_CARD, TOPIC_ROBOT, type StreamClient } from './stream';
import { createWorkNoticeGuard, type WorkNoticeStore } from './work-notice';

export interface DingtalkStackDeps {
  clock: Clock;
  log: DingtalkLogger;
  accept: AcceptEvent;
  onAccepted(): void;
  onOutcome?(o: DingtalkOutcome): void;
  registry?: client.Registry;
  tokenStore?: DingtalkTokenStore;
  countStore?: CallCountStore;
  workNoticeStore?: WorkNoticeStore;
  mediaCache?: MediaIdCache;
  mediaRoot?: string;
  sleep?: (ms: number) => Promise<void>;
  /** Stream watchdog and backoff (tests shorten them). */
  stream?: { heartbeatMs?: number; idleTimeoutMs?: number; backoffInitialMs?: number; backoffMaxMs?: number; drainMs?: number };
}

export function createDingtalkStack(config: DingtalkConfig, deps: DingtalkStackDeps) {
  const counter = createCallCounter({ clock: deps.clock, quota: config.monthlyQuota, store: deps.countStore, registry: deps.registry, log: deps.log });
  const runner = createCallRunner({
    apiBase: config.apiBase, oapiBase: config.oapiBase, clientId: config.clientId, clientSecret: config.clientSecret,
    counter, log: deps.log, tokenStore: deps.tokenStore, sleep: deps.sleep,
  });
  const client = createDingtalkClient(runner, { robotCode: config.robotCode, agentId: config.agentId });
  const workNotices = config.workNoticeFallback ? createWorkNoticeGuard({ clock: deps.clock, store: deps.workNoticeStore }) : undefined;
  const channel = createDingtalkChannel(
    { cardTemplateId: config.cardTemplateId, workNoticeFallback: config.workNoticeFallback, mediaRoot: deps.mediaRoot },
    { client, clock: deps.clock, log: deps.log, workNotices, mediaCache: deps.mediaCache },
  );
  const inbound = { accept: deps.accept, onAccepted: deps.onAccepted, log: deps.log, onOutcome: deps.onOutcome };
  const receiver: express.Router | null = config.receiveMode === 'http'
    ? createDingtalkReceiver({
      ...inbound, appSecret: config.clientSecret,
      eventCrypto: createEventCrypto({ token: config.eventToken!, aesKey: config.eventAesKey!, ownerKey: config.clientId }),
    })
    : null;
  const stream: StreamClient = createStreamClient({
    apiBase: config.apiBase, clientId: config.clientId, clientSecret: config.clientSecret, log: deps.log,
    callbacks: config.receiveMode === 'stream' ? [TOPIC_ROBOT, TOPIC_CARD] : [TOPIC_CARD],
    events: config.receiveMode === 'stream',
    onFrame: createStreamInbound(inbound),
    ...deps.stream,
  });
  return {
    counter, runner, client, channel, receiver, stream, signIn: createDingtalkSignIn(client),
    start: () => stream.start(),
    stop: () => stream.stop(),
  };
}

export type DingtalkStack = ReturnType<typeof createDingtalkStack>;
