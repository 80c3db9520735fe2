/**
 * The fake Stream gateway (dingtalk-api.md §3): POST /v1.0/gateway/connections/open checks the credentials and
 * subscriptions and hands out a single-use ticket valid 90 s; the WebSocket at /gateway/stream takes it. Pushes go
 * to one open connection at random; a push not acknowledged within `redeliverMs` is delivered again (DingTalk:
 * about 60 s). `disconnect()` sends the SYSTEM disconnect frame and closes the socket `graceMs` later.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FakeDingtalkState } from './state';

interface GwConn { id: number; ws: WebSocket; draining: boolean; callbacks: Set<string>; events: boolean }
interface Pending { messageId: string; frame: Record<string, unknown>; acked: boolean; ack?: unknown; deliveries: number; timer?: NodeJS.Timeout }

export interface FakeGatewayOptions { redeliverMs?: number; graceMs?: number; pingEveryMs?: number }

export function createFakeGateway(state: FakeDingtalkState, opts: FakeGatewayOptions = {}) {
  const tickets = new Map<string, number>();
  const conns = new Set<GwConn>();
  const pending = new Map<string, Pending>();
  const pongs: string[] = [];
  const wss = new WebSocketServer({ noServer: true });
  let endpoint = '';
  let seq = 0;
  let pingTimer: NodeJS.Timeout | undefined;
  const redeliverMs = opts.redeliverMs ?? 60_000;
  const stats = { opens: 0, refused: 0 };

  const router = express.Router();
  router.post('/v1.0/gateway/connections/open', express.json(), (req, res) => {
    const b = req.body ?? {};
    const subsOk = Array.isArray(b.subscriptions) && b.subscriptions.length > 0
      && b.subscriptions.every((s: { type?: string; topic?: string }) => ['EVENT', 'CALLBACK', 'SYSTEM'].includes(String(s.type)) && typeof s.topic === 'string');
    if (!String(req.get('accept') ?? '').includes('application/json')) return res.status(400).json({ code: 'param.acceptInvalid', message: 'Accept 须为 application/json' });
    if (b.clientId !== state.app.clientId || b.clientSecret !== state.app.clientSecret) return res.status(401).json({ code: 'InvalidAuthentication', message: 'clientId/clientSecret 不正确' });
    if (!subsOk) return res.status(400).json({ code: 'param.subscriptionsInvalid', message: 'subscriptions 不合法' });
    const ticket = randomBytes(16).toString('hex');
    tickets.set(ticket, Date.now() + 90_000);
    pendingSubs.set(ticket, b.subscriptions);
    stats.opens += 1;
    res.json({ endpoint, ticket });
  });
  const pendingSubs = new Map<string, { type: string; topic: string }[]>();

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/gateway/stream') return false;
    const ticket = url.searchParams.get('ticket') ?? '';
    const until = tickets.get(ticket);
    tickets.delete(ticket); // single use
    if (!until || until < Date.now()) {
      stats.refused += 1;
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return true;
    }
    const subs = pendingSubs.get(ticket) ?? [];
    pendingSubs.delete(ticket);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: GwConn = {
        id: ++seq, ws, draining: false,
        callbacks: new Set(subs.filter((s) => s.type === 'CALLBACK').map((s) => s.topic)), events: subs.some((s) => s.type === 'EVENT'),
      };
      conns.add(conn);
      ws.on('message', (buf) => onReply(buf.toString()));
      ws.on('close', () => conns.delete(conn));
      ws.on('error', () => conns.delete(conn));
      for (const p of pending.values()) if (!p.acked && !p.timer) deliver(p); // queued while nobody was connected
    });
    return true;
  }

  function onReply(text: string) {
    let m: { code?: number; headers?: { messageId?: string; topic?: string }; data?: string };
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (m.headers?.topic === 'ping') return void pongs.push(String(m.data));
    const p = m.headers?.messageId ? pending.get(m.headers.messageId) : undefined;
    if (!p || p.acked || m.code !== 200) return;
    p.acked = true;
    clearTimeout(p.timer);
    try {
      p.ack = JSON.parse(String(m.data));
    } catch {
      p.ack = m.data;
    }
  }

  function eligible(p: Pending): GwConn[] {
    const topic = (p.frame.headers as { topic: string }).topic;
    return [...conns].filter((c) => !c.draining && c.ws.readyState === c.ws.OPEN && (p.frame.type === 'EVENT' ? c.events : c.callbacks.has(topic)));
  }

  function deliver(p: Pending) {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (p.acked) return;
    const targets = eligible(p);
    const c = targets[Math.floor(Math.random() * targets.length)];
    if (c) {
      p.deliveries += 1;
      c.ws.send(JSON.stringify(p.frame));
      p.timer = setTimeout(() => deliver(p), redeliverMs);
    }
  }

  /** Pushes one frame (data is JSON-encoded as DingTalk does); returns its messageId. */
  function push(type: 'EVENT' | 'CALLBACK', topic: string, data: unknown, headers: Record<string, string> = {}): string {
    const messageId = headers.messageId ?? randomUUID();
    const frame = {
      specVersion: '1.0', type,
      headers: { topic, messageId, contentType: 'application/json', time: String(Date.now()), appId: state.app.clientId, ...headers },
      data: JSON.stringify(data),
    };
    const p: Pending = { messageId, frame, acked: false, deliveries: 0 };
    pending.set(messageId, p);
    deliver(p);
    return messageId;
  }

  function system(c: GwConn, topic: string, data: unknown) {
    c.ws.send(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM', headers: { topic, messageId: randomUUID(), contentType: 'application/json', time: String(Date.now()) }, data: JSON.stringify(data) }));
  }

  return {
    router,
    upgrade,
    stats,
    pongs,
    setEndpoint: (e: string) => void (endpoint = e),
    push,
    pushRobotMessage: (data: unknown) => push('CALLBACK', '/v1.0/im/bot/messages/get', data),
    pushCardCallback: (data: unknown) => push('CALLBACK', '/v1.0/card/instances/callback', data),
    pushEvent: (eventType: string, data: unknown, eventId: string = randomUUID()) =>
      push('EVENT', '*', data, { eventType, eventId, eventBornTime: String(Date.now()), eventCorpId: state.app.corpId }),
    /** Re-sends a frame as it was (DingTalk's occasional duplicate delivery). */
    duplicate: (messageId: string) => {
      const p = pending.get(messageId);
      if (!p) return;
      const c = eligible(p)[0];
      if (c) {
        p.deliveries += 1;
        c.ws.send(JSON.stringify(p.frame));
      }
    },
    ack: (messageId: string) => pending.get(messageId)?.ack,
    acked: (messageId: string) => !!pending.get(messageId)?.acked,
    deliveries: (messageId: string) => pending.get(messageId)?.deliveries ?? 0,
    connections: () => [...conns].map((c) => ({ id: c.id, draining: c.draining })),
    ping: (opaque = randomUUID()) => {
      for (const c of conns) system(c, 'ping', { opaque });
      return opaque;
    },
    /** SYSTEM disconnect to every open connection, closed graceMs later (DingTalk: 10 s). */
    disconnect: (reason = 'server restart') => {
      for (const c of conns) {
        if (c.draining) continue;
        c.draining = true;
        system(c, 'disconnect', { reason });
        setTimeout(() => c.ws.close(1000), opts.graceMs ?? 10_000).unref();
      }
    },
    /** Every socket cut without a close handshake (network loss, or our process killed). */
    dropAll: () => {
      for (const c of conns) c.ws.terminate();
    },
    /** Stops answering (silent socket): the client's watchdog must notice. */
    freeze: () => {
      for (const c of conns) (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    },
    startPings: (everyMs: number) => {
      pingTimer = setInterval(() => {
        for (const c of conns) system(c, 'ping', { opaque: randomUUID() });
      }, everyMs);
    },
    close: () => {
      clearInterval(pingTimer);
      for (const p of pending.values()) clearTimeout(p.timer);
      for (const c of conns) c.ws.terminate();
      wss.close();
    },
  };
}

export type FakeGateway = ReturnType<typeof createFakeGateway>;
