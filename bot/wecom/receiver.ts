/**
 * The callback receiver: transport only — verify, decrypt, parse, store in the inbox, ack. No rules, no API
 * calls. Bad signature or corp → 401 (one body for both); malformed → 400; oversized → 413; never a 500 or a
 * stack trace for bad input. 详情请参阅 https://developer.work.weixin.qq.com/document/path/90238
 */
import { bodyErrors } from '../body-errors';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { CallbackCrypto, CallbackQuery } from './crypto';
import { peekEncrypt, readOuter, toEvent } from './envelope';
import { BotError, BotErrorCode, CallbackMalformedError, errorMessage } from '../errors';
import { dedupeKey, type WecomEvent } from './events';

export type CallbackOutcome = 'accepted' | 'duplicate' | 'verified' | 'unauthorized' | 'malformed' | 'too_large' | 'error';

export interface ReceiverOptions {
  crypto: CallbackCrypto;
  /** Writes the event to the inbox (unique dedupe key). */
  accept(event: WecomEvent, key: string): Promise<{ duplicate: boolean }>;
  /** Called after a new row is stored (wakes the inbox worker). */
  onAccepted(): void;
  log: Logger;
  onOutcome?(outcome: CallbackOutcome): void;
  /**
   * Reject callbacks whose timestamp is further than this from our clock (seconds). 0 turns the window off
   * (only a warning is logged); app/config.ts defaults CALLBACK_MAX_SKEW_SEC to 300.
   */
  maxSkewSec?: number;
  /** Seconds since the epoch, from the one clock (app/clock.ts). */
  nowSec(): number;
  bodyLimit?: string;
}

const UNAUTHORIZED = 'unauthorized';

/** Anything thrown before the event is stored (parsing, decoding) that is not already a BotError. */
class ParseStageError extends Error {
  constructor(override readonly cause: unknown) {
    super('callback could not be parsed');
  }
}

function query(req: Request, withEcho: boolean): CallbackQuery {
  const q = req.query as Record<string, unknown>;
  const pick = (k: string) => {
    const v = q[k];
    if (typeof v !== 'string') throw new CallbackMalformedError(`query parameter ${k} missing or repeated`);
    return v;
  };
  const timestamp = pick('timestamp');
  // A Unix time in seconds; anything else (NaN would pass every comparison) is refused before any crypto.
  if (!/^\d{1,12}$/.test(timestamp)) throw new CallbackMalformedError('timestamp is not a number of seconds');
  return {
    msg_signature: pick('msg_signature'), timestamp, nonce: pick('nonce'),
    ...(withEcho ? { echostr: pick('echostr') } : {}),
  };
}

export function createReceiver(opts: ReceiverOptions): express.Router {
  const router = express.Router();
  const outcome = (o: CallbackOutcome) => opts.onOutcome?.(o);

  function fail(res: Response, err: unknown, log: Logger) {
    if (err instanceof BotError && err.code === BotErrorCode.CallbackAuthenticity) {
      log.warn({ reason: err.message }, 'callback refused: authenticity');
      outcome('unauthorized');
      res.status(401).type('text/plain').send(UNAUTHORIZED);
    } else if (err instanceof BotError && err.code === BotErrorCode.CallbackMalformed) {
      log.warn({ reason: err.message }, 'callback refused: malformed');
      outcome('malformed');
      res.status(400).type('text/plain').send('bad request');
    } else if (err instanceof ParseStageError) {
      // Whatever a parser threw on unauthenticated input: bad input, not our failure. No stack in the log.
      log.warn({ reason: errorMessage(err.cause) }, 'callback refused: unparseable');
      outcome('malformed');
      res.status(400).type('text/plain').send('bad request');
    } else {
      log.error({ err }, 'callback failed');
      outcome('error');
      res.status(503).type('text/plain').send('temporarily unavailable'); // WeCom will retry
    }
  }

  function checkSkew(q: CallbackQuery, log: Logger) {
    const skew = Math.abs(opts.nowSec() - Number(q.timestamp));
    if (skew > 300) log.warn({ skewSec: Math.round(skew) }, 'callback timestamp far from our clock');
    if (opts.maxSkewSec && skew > opts.maxSkewSec) {
      throw new BotError(BotErrorCode.CallbackAuthenticity, 'timestamp outside the allowed window');
    }
  }

  // URL verification (设置API接收 → 保存): answer the plain echostr, no quotes, no newline.
  router.get('/wecom/callback', (req, res) => {
    const log = (req as Request & { log?: Logger }).log ?? opts.log;
    try {
      const plain = opts.crypto.verifyUrl(query(req, true));
      outcome('verified');
      res.status(200).type('text/plain').send(plain);
    } catch (err) {
      fail(res, err, log);
    }
  });

  router.post(
    '/wecom/callback',
    express.raw({ type: () => true, limit: opts.bodyLimit ?? '64kb' }),
    async (req, res) => {
      const log = (req as Request & { log?: Logger }).log ?? opts.log;
      try {
        let event: WecomEvent;
        try {
          const q = query(req, false);
          const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
          if (!body) throw new CallbackMalformedError('empty body');
          // Signature and time window first (a regex and one sha1), then the XML parses.
          const plaintext = opts.crypto.open(q, peekEncrypt(body));
          checkSkew(q, log);
          readOuter(body);
          event = toEvent(plaintext);
        } catch (err) {
          throw err instanceof BotError ? err : new ParseStageError(err);
        }
        const key = dedupeKey(event);
        const { duplicate } = await opts.accept(event, key);
        if (duplicate) {
          outcome('duplicate');
          log.info({ key }, 'duplicate callback acknowledged');
        } else {
          outcome('accepted');
          opts.onAccepted();
        }
        res.status(200).type('text/plain').send('');
      } catch (err) {
        fail(res, err, log);
      }
    },
  );

  // Body-parser errors on this route (too large, aborted): a clear status, never a stack trace.
  router.use('/wecom/callback', bodyErrors(outcome));

  return router;
}
