/**
 * A local stand-in for WeCom's API (loopback only) for `npm run chaos`. It emulates what matters for delivery
 * semantics: message/send's duplicate check (a request whose JSON equals one accepted within
 * `duplicate_check_interval` is answered ok and not delivered, as WeCom does), and injected faults — slow answers
 * (after delivering), errcodes (not delivered), connection resets (after delivering). It counts what we sent and
 * what each person saw, so duplicates are counted honestly on both sides.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = { kind: 'ok' } | { kind: 'slow'; ms: number } | { kind: 'errcode'; errcode: number } | { kind: 'reset' };

export interface StubStats {
  /** message/send requests per recipient (every request, whatever its outcome). */
  requests: Map<string, number>;
  /** Requests not refused with an errcode: each of these would have reached the person without the duplicate check. */
  accepted: Map<string, number>;
  /** What each person actually saw (after the duplicate check). */
  delivered: Map<string, number>;
  /** Instant (ms) each person first saw a message. */
  firstDeliveryAt: Map<string, number>;
  /** Instant (ms) of the last delivery. */
  lastDeliveryAt: number;
  /** Instant (ms) the last injected fault was answered. */
  lastFaultAt: number;
}

export interface WecomStub {
  port: number;
  stats: StubStats;
  /** Decides the fault for the n-th message/send request (1-based). */
  setFault(f: (n: number) => Fault): void;
  close(): Promise<void>;
}

export async function startWecomStub(port = 0): Promise<WecomStub> {
  const stats: StubStats = { requests: new Map(), accepted: new Map(), delivered: new Map(), firstDeliveryAt: new Map(), lastDeliveryAt: 0, lastFaultAt: 0 };
  const seen = new Map<string, number>(); // request JSON → accepted at (ms)
  let fault: (n: number) => Fault = () => ({ kind: 'ok' });
  let sends = 0;
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const json = (res: http.ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/cgi-bin/gettoken') return json(res, { errcode: 0, errmsg: 'ok', access_token: 'chaos-token', expires_in: 7200 });
      if (path !== '/cgi-bin/message/send') return json(res, { errcode: 0, errmsg: 'ok', media_id: 'chaos-media', created_at: '1700000000' });
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: { touser?: string; enable_duplicate_check?: number; duplicate_check_interval?: number };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        return json(res, { errcode: 47001, errmsg: 'data format error' });
      }
      const to = String(body.touser ?? '?');
      const n = ++sends;
      const f = fault(n);
      bump(stats.requests, to);
      if (f.kind === 'errcode') {
        stats.lastFaultAt = Date.now();
        return json(res, { errcode: f.errcode, errmsg: 'injected' });
      }
      bump(stats.accepted, to);
      const now = Date.now();
      const intervalMs = (body.duplicate_check_interval ?? 1800) * 1000;
      const dupe = body.enable_duplicate_check === 1 && (seen.get(raw) ?? -Infinity) > now - intervalMs;
      if (!dupe) {
        seen.set(raw, now);
        bump(stats.delivered, to);
        if (!stats.firstDeliveryAt.has(to)) stats.firstDeliveryAt.set(to, now);
        stats.lastDeliveryAt = now;
      }
      const answer = () => json(res, { errcode: 0, errmsg: 'ok', msgid: `chaos-${n}` });
      if (f.kind === 'slow') {
        setTimeout(() => {
          stats.lastFaultAt = Date.now();
          if (!res.destroyed) answer();
        }, f.ms);
      } else if (f.kind === 'reset') {
        stats.lastFaultAt = Date.now();
        req.socket.destroy();
      } else {
        answer();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    setFault(f) {
      fault = f;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
