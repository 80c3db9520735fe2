/**
 * DingTalk's two HTTP-mode authenticity schemes (dingtalk-api.md §4):
 * - robot messages: headers `timestamp` (ms) and `sign` = base64(HmacSHA256(appSecret, timestamp + "\n" + appSecret)),
 *   |now − timestamp| ≤ 1 h, compared in constant time;
 * - event subscriptions (事件订阅): sha1(sort(token, timestamp, nonce, encrypt)), AES-256-CBC with key =
 *   base64(aes_key + "="), IV = key[0..16], PKCS#7 to 32 bytes; plaintext random16 + len32(BE) + msg + ownerKey
 *   (the AppKey for an internal app). Every push is answered with the encrypted "success" map.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { malformed, unauthorized } from './errors';

export const ROBOT_SIGN_WINDOW_MS = 60 * 60_000;

export function robotSign(timestamp: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(`${timestamp}\n${appSecret}`, 'utf8').digest('base64');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // Compare equal-length buffers only; the length check leaks nothing useful (the sign's length is public).
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Throws an unauthorized DingtalkCallbackError (→ 401) unless the robot message headers are valid at `nowMs`. */
export function verifyRobotSign(headers: { timestamp?: string; sign?: string }, appSecret: string, nowMs: number): void {
  const { timestamp, sign } = headers;
  if (!timestamp || !sign || !/^\d{10,16}$/.test(timestamp)) throw unauthorized('timestamp or sign header missing');
  if (Math.abs(nowMs - Number(timestamp)) > ROBOT_SIGN_WINDOW_MS) throw unauthorized('timestamp outside the 1 h window');
  if (!safeEqual(robotSign(timestamp, appSecret), sign)) throw unauthorized('bad sign');
}

export interface EventQuery { signature: string; timestamp: string; nonce: string }

export interface EventCrypto {
  /** Verifies and decrypts one push; returns the JSON text. Authenticity failures throw unauthorized. */
  open(q: EventQuery, encrypt: string): string;
  /** The encrypted answer map for `plain` (normally "success"). */
  seal(plain: string, timestamp: string, nonce?: string): { msg_signature: string; timeStamp: string; nonce: string; encrypt: string };
}

export function eventSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join(''), 'utf8').digest('hex');
}

export function createEventCrypto(opts: { token: string; aesKey: string; ownerKey: string }): EventCrypto {
  if (!/^[A-Za-z0-9]{43}$/.test(opts.aesKey)) throw new Error('the event aes_key must be 43 letters or digits');
  const key = Buffer.from(`${opts.aesKey}=`, 'base64');
  const iv = key.subarray(0, 16);

  function decrypt(encrypt: string): string {
    let plain: Buffer;
    try {
      const d = createDecipheriv('aes-256-cbc', key, iv);
      d.setAutoPadding(false);
      plain = Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]);
    } catch {
      throw unauthorized('cannot decrypt');
    }
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > 32 || plain.length < 20 + pad) throw unauthorized('bad padding');
    const body = plain.subarray(0, plain.length - pad);
    const len = body.readUInt32BE(16);
    if (20 + len > body.length) throw unauthorized('bad length');
    const owner = body.subarray(20 + len).toString('utf8');
    if (!safeEqual(owner, opts.ownerKey)) throw unauthorized('owner key mismatch');
    return body.subarray(20, 20 + len).toString('utf8');
  }

  function encrypt(plain: string): string {
    const msg = Buffer.from(plain, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(msg.length, 0);
    const raw = Buffer.concat([randomBytes(16), len, msg, Buffer.from(opts.ownerKey, 'utf8')]);
    const pad = 32 - (raw.length % 32);
    const c = createCipheriv('aes-256-cbc', key, iv);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(Buffer.concat([raw, Buffer.alloc(pad, pad)])), c.final()]).toString('base64');
  }

  return {
    open(q, enc) {
      if (!enc || !/^[A-Za-z0-9+/=]+$/.test(enc)) throw malformed('encrypt missing or not base64');
      if (!safeEqual(eventSignature(opts.token, q.timestamp, q.nonce, enc), q.signature)) throw unauthorized('bad signature');
      return decrypt(enc);
    },
    seal(plain, timestamp, nonce = randomBytes(6).toString('hex')) {
      const enc = encrypt(plain);
      return { msg_signature: eventSignature(opts.token, timestamp, nonce, enc), timeStamp: timestamp, nonce, encrypt: enc };
    },
  };
}
