/**
 * HTTP receive mode (dingtalk-api.md §4): transport only — verify, decrypt, parse, store in the inbox, answer.
 * - `POST /dingtalk/callback`: robot messages, headers `timestamp` + `sign` (HMAC-SHA256 with the app secret,
 *   1 h window, constant-time compare);
 * - `POST /dingtalk/events`: encrypted event subscriptions (signature, AES, the check_url handshake), every push
 *   answered with the encrypted "success" map.
 * Refusals as WeCom's receiver: 401 (one body whatever the reason), 400 malformed, 413 too large, 503 when the
 * inbox cannot store (DingTalk retries); nothing is written for a refused request.
 * Card callbacks are not taken over HTTP (DingTalk's HTTP card-callback signature is undocumented): in both
 * modes they come over the Stream connection (stream.ts), see docs/decisions/0009.
 */
import { bodyErrors } from '../body-errors';
import express, { type Request, type Response } from 'express';
import type { ChatEvent } from '../channel';
import { verifyRobotSign, type EventCrypto, type EventQuery } from './crypto';
import { DingtalkCallbackError, malformed } from './errors';
import { fromEvent, fromRobotMessage, type Inbound } from './events';
import type { DingtalkLogger } from './http';

export type DingtalkOutcome = 'accepted' | 'duplicate' | 'verified' | 'unauthorized' | 'malformed' | 'too_large' | 'error';

/** Stores one event in the inbox (unique dedupe key); the same shape as WeCom's receiver `accept`. */
export type AcceptEvent = (event: ChatEvent, key: string) => Promise<{ duplicate: boolean }>;

export interface DingtalkReceiverOptions {
  /** The app secret (ClientSecret): key of the robot message signature. */
  appSecret: string;
  /** Event subscription crypto (token, aes_key, AppKey); without it /dingtalk/events answers 404. */
  eventCrypto?: EventCrypto;
  accept: AcceptEvent;
  /** Called after a new row is stored (wakes the inbox worker). */
  onAccepted(): void;
  log: DingtalkLogger;
  onOutcome?(o: DingtalkOutcome): void;
  /** Wall clock in ms for the signature window (infrastructure time; tests pass their own). */
  nowMs?: () => number;
  bodyLimit?: string;
}

/** Stores every inbound of one request; outcome `duplicate` only when all of them were already there. */
export async function storeAll(items: Inbound[], accept: AcceptEvent): Promise<'accepted' | 'duplicate'> {
  let fresh = false;
  for (const { event, key } of items) if (!(await accept(event, key)).duplicate) fresh = true;
  return fresh ? 'accepted' : 'duplicate';
}

function parseJson(buf: unknown): unknown {
  const text = Buffer.isBuffer(buf) ? buf.toString('utf8') : '';
  if (!text) throw malformed('empty body');
  try {
    return JSON.parse(text);
  } catch {
    throw malformed('body is not JSON');
  }
}

function eventQuery(req: Request): EventQuery {
  const q = req.query as Record<string, unknown>;
  const one = (...names: string[]) => {
    for (const n of names) if (typeof q[n] === 'string' && q[n]) return q[n] as string;
    throw malformed(`query parameter ${names.join('|')} missing or repeated`);
  };
  return { signature: one('msg_signature', 'signature'), timestamp: one('timestamp', 'timeStamp'), nonce: one('nonce') };
}

export function createDingtalkReceiver(opts: DingtalkReceiverOptions): express.Router {
  const router = express.Router();
  const now = opts.nowMs ?? (() => Date.now());
  const outcome = (o: DingtalkOutcome) => opts.onOutcome?.(o);
  const raw = express.raw({ type: () => true, limit: opts.bodyLimit ?? '64kb' });

  function fail(res: Response, err: unknown) {
    if (err instanceof DingtalkCallbackError && err.kind === 'unauthorized') {
      opts.log.warn({ reason: err.message }, 'dingtalk callback refused: authenticity');
      outcome('unauthorized');
      res.status(401).type('text/plain').send('unauthorized');
    } else if (err instanceof DingtalkCallbackError) {
      opts.log.warn({ reason: err.message }, 'dingtalk callback refused: malformed');
      outcome('malformed');
      res.status(400).type('text/plain').send('bad request');
    } else {
      opts.log.error({ err }, 'dingtalk callback failed');
      outcome('error');
      res.status(503).type('text/plain').send('temporarily unavailable');
    }
  }

  async function stored(items: Inbound[]) {
    const o = await storeAll(items, opts.accept);
    outcome(o);
    if (o === 'accepted') opts.onAccepted();
  }

  router.post('/dingtalk/callback', raw, async (req, res) => {
    try {
      // Authenticity first: nothing of the body is read before the signature holds.
      verifyRobotSign({ timestamp: req.get('timestamp'), sign: req.get('sign') }, opts.appSecret, now());
      await stored([fromRobotMessage(parseJson(req.body), now())]);
      res.status(200).json({});
    } catch (err) {
      fail(res, err);
    }
  });

  router.post('/dingtalk/events', raw, async (req, res, next) => {
    if (!opts.eventCrypto) return next();
    try {
      const q = eventQuery(req);
      const body = parseJson(req.body) as { encrypt?: unknown };
      if (typeof body !== 'object' || body === null || typeof body.encrypt !== 'string') throw malformed('encrypt missing');
      const plain = opts.eventCrypto.open(q, body.encrypt);
      const event = parseJson(Buffer.from(plain, 'utf8')) as Record<string, unknown>;
      if (event.EventType === 'check_url') {
        outcome('verified');
      } else {
        await stored(fromEvent(event, {}, now()));
      }
      res.status(200).json(opts.eventCrypto.seal('success', String(now())));
    } catch (err) {
      fail(res, err);
    }
  });

  // Body-parser errors (too large, aborted): a clear status, never a stack trace.
  router.use(['/dingtalk/callback', '/dingtalk/events'], bodyErrors(outcome));

  return router;
}
