/**
 * Stream mode client (dingtalk-api.md §3), written on `ws` rather than the official SDK (its reconnect defects:
 * heartbeat terminate() without a close event, interval leaks, reconnect storms — fixed only in a 2026 beta).
 * - open: POST /v1.0/gateway/connections/open → {endpoint, ticket} (single use, 90 s), then WebSocket endpoint?ticket;
 * - SYSTEM ping → echo its data; SYSTEM disconnect → open a NEW connection first, let the old one drain;
 * - EVENT/CALLBACK → `onFrame` (stores in the inbox) and only THEN the ack; a failed store is not acked (events get
 *   LATER) so DingTalk redelivers;
 * - our own watchdog: ws ping every heartbeatMs, a connection silent for idleTimeoutMs is declared dead by us (no
 *   reliance on a close event), one reconnect in flight at a time, exponential backoff with jitter.
 */
import os from 'node:os';
import axios from 'axios';
import WebSocket from 'ws';
import { redactDingtalkSecrets } from './errors';
import type { DingtalkLogger } from './http';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';

export interface StreamFrame {
  specVersion?: string;
  type: 'SYSTEM' | 'EVENT' | 'CALLBACK';
  headers: Record<string, string | undefined> & { topic?: string; messageId?: string };
  data: string;
}

/** Stores the frame; resolves with the ack's data object. Rejecting = do not ack (redelivery). */
export type FrameHandler = (frame: StreamFrame) => Promise<unknown>;

export interface StreamClientOptions {
  apiBase: string;
  clientId: string;
  clientSecret: string;
  /** CALLBACK topics to subscribe (robot messages, card callbacks); events (`*`) unless `events: false`. */
  callbacks: string[];
  events?: boolean;
  onFrame: FrameHandler;
  log: DingtalkLogger;
  heartbeatMs?: number;
  idleTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How long a connection told to disconnect is kept for frames in flight before we close it. */
  drainMs?: number;
}

interface Conn {
  id: number; ws: WebSocket; draining: boolean; dead: boolean; lastSeen: number; timer?: NodeJS.Timeout; drainTimer?: NodeJS.Timeout;
  /** Per sender, data frames are stored one after another in arrival order (a member's messages keep their order). */
  chains: Map<string, Promise<void>>;
}

export interface StreamClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Open, non-draining connection present. */
  readonly connected: boolean;
  readonly stats: { opened: number; reconnects: number; acked: number };
}

export function createStreamClient(opts: StreamClientOptions): StreamClient {
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const idleMs = opts.idleTimeoutMs ?? 45_000;
  const initial = opts.backoffInitialMs ?? 1000;
  const max = opts.backoffMaxMs ?? 60_000;
  const drainMs = opts.drainMs ?? 15_000;
  const conns = new Set<Conn>();
  const stats = { opened: 0, reconnects: 0, acked: 0 };
  let active: Conn | null = null;
  let stopping = false;
  let connecting = false;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let failures = 0;
  let seq = 0;

  async function open(): Promise<Conn> {
    const subscriptions = [
      ...(opts.events === false ? [] : [{ type: 'EVENT', topic: '*' }]),
      ...opts.callbacks.map((topic) => ({ type: 'CALLBACK', topic })),
    ];
    const res = await axios.post<{ endpoint?: string; ticket?: string }>(`${opts.apiBase}/v1.0/gateway/connections/open`, {
      clientId: opts.clientId, clientSecret: opts.clientSecret, subscriptions, ua: 'sales-process-bot/dingtalk-stream', localIp: localIp(),
    }, { headers: { Accept: 'application/json' }, timeout: 10_000 });
    const { endpoint, ticket } = res.data;
    if (!endpoint || !ticket) throw new Error('gateway/connections/open returned no endpoint or ticket');
    const ws = new WebSocket(`${endpoint}?ticket=${encodeURIComponent(ticket)}`, { handshakeTimeout: 10_000 });
    const conn: Conn = { id: ++seq, ws, draining: false, dead: false, lastSeen: Date.now(), chains: new Map() };
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, r) => reject(new Error(`stream endpoint answered HTTP ${r.statusCode}`)));
    });
    ws.on('error', (err) => opts.log.warn({ conn: conn.id, err: err.message }, 'dingtalk stream socket error'));
    ws.on('message', (buf) => void onMessage(conn, buf.toString()));
    ws.on('pong', () => (conn.lastSeen = Date.now()));
    ws.on('close', (code) => dead(conn, `closed (${code})`));
    conn.timer = setInterval(() => {
      if (Date.now() - conn.lastSeen > idleMs) return dead(conn, 'idle: no frame or pong within the watchdog window');
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, heartbeatMs);
    conns.add(conn);
    stats.opened += 1;
    opts.log.info({ conn: conn.id }, 'dingtalk stream connected');
    return conn;
  }

  /** Our one place for a connection's end, whatever noticed it (close event, watchdog, error). Idempotent. */
  function dead(conn: Conn, reason: string) {
    if (conn.dead) return;
    conn.dead = true;
    clearInterval(conn.timer);
    clearTimeout(conn.drainTimer);
    conns.delete(conn);
    if (conn.ws.readyState !== WebSocket.CLOSED) conn.ws.terminate();
    if (stopping) return;
    opts.log.info({ conn: conn.id, reason, draining: conn.draining }, 'dingtalk stream connection ended');
    if (conn === active) {
      active = null;
      schedule(0);
    }
  }

  function schedule(delayMs: number) {
    if (stopping || reconnectTimer || connecting || active) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void connect();
    }, delayMs);
  }

  async function connect() {
    if (stopping || connecting || active) return;
    connecting = true;
    try {
      const conn = await open();
      if (stopping) {
        conn.ws.close(1000);
        return;
      }
      active = conn;
      failures = 0;
    } catch (err) {
      failures += 1;
      const backoff = Math.min(max, initial * 2 ** (failures - 1));
      const delay = Math.round(backoff * (0.8 + Math.random() * 0.4));
      opts.log.warn({ err: redactDingtalkSecrets((err as Error).message), attempt: failures, delayMs: delay }, 'dingtalk stream connect failed; backing off');
      connecting = false;
      schedule(delay);
      return;
    }
    connecting = false;
  }

  /** `disconnect`: open the replacement first, keep the old one for frames in flight, then close it. */
  async function replace(old: Conn) {
    old.draining = true;
    old.drainTimer = setTimeout(() => dead(old, 'drained'), drainMs);
    if (old !== active) return;
    active = null;
    stats.reconnects += 1;
    await connect();
  }

  function send(conn: Conn, msg: unknown): boolean {
    if (conn.ws.readyState !== WebSocket.OPEN) return false;
    conn.ws.send(JSON.stringify(msg));
    return true;
  }

  async function onMessage(conn: Conn, text: string) {
    conn.lastSeen = Date.now();
    let frame: StreamFrame;
    try {
      frame = JSON.parse(text) as StreamFrame;
      if (!frame || typeof frame !== 'object' || !frame.headers) throw new Error('no headers');
    } catch {
      opts.log.warn({ conn: conn.id }, 'dingtalk stream: unreadable frame ignored');
      return;
    }
    const { topic } = frame.headers;
    if (frame.type === 'SYSTEM') {
      if (topic === 'ping') send(conn, { code: 200, headers: frame.headers, message: 'OK', data: frame.data });
      else if (topic === 'disconnect') {
        opts.log.info({ conn: conn.id, data: frame.data }, 'dingtalk stream: server asked to disconnect; opening a new connection first');
        await replace(conn);
      }
      return;
    }
    const key = senderOf(frame);
    const next = (conn.chains.get(key) ?? Promise.resolve()).then(() => onData(conn, frame));
    conn.chains.set(key, next);
    void next.then(() => {
      if (conn.chains.get(key) === next) conn.chains.delete(key);
    });
  }

  async function onData(conn: Conn, frame: StreamFrame) {
    const { topic, messageId } = frame.headers;
    let data: unknown;
    try {
      data = await opts.onFrame(frame);
    } catch (err) {
      opts.log.error({ conn: conn.id, topic, messageId, err: (err as Error).message }, 'dingtalk stream: frame not stored; not acknowledged (DingTalk redelivers)');
      if (frame.type === 'EVENT') data = { status: 'LATER', message: 'retry later' };
      else return;
    }
    const ack = { code: 200, headers: { messageId, contentType: 'application/json' }, message: 'OK', data: JSON.stringify(data) };
    if (send(conn, ack)) stats.acked += 1;
    else opts.log.warn({ conn: conn.id, messageId }, 'dingtalk stream: connection gone before the ack; DingTalk will redeliver (deduplicated)');
  }

  return {
    async start() {
      stopping = false;
      await connect();
    },
    async stop() {
      stopping = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      const all = [...conns];
      active = null;
      await Promise.all(all.map((c) => new Promise<void>((resolve) => {
        clearInterval(c.timer);
        clearTimeout(c.drainTimer);
        c.dead = true;
        conns.delete(c);
        if (c.ws.readyState === WebSocket.CLOSED) return resolve();
        c.ws.once('close', () => resolve());
        c.ws.close(1000);
        setTimeout(() => {
          c.ws.terminate();
          resolve();
        }, 1000).unref();
      })));
    },
    get connected() {
      return !!active && active.ws.readyState === WebSocket.OPEN;
    },
    stats,
  };
}

/** Who a data frame is from (robot message sender, card clicker); events share one lane. */
function senderOf(frame: StreamFrame): string {
  if (frame.type !== 'CALLBACK') return 'events';
  try {
    const d = JSON.parse(frame.data) as { senderStaffId?: unknown; userId?: unknown };
    return String(d.senderStaffId ?? d.userId ?? '');
  } catch {
    return '';
  }
}

function localIp(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
