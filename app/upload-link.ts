/**
 * Signed, expiring upload links (上传链接), bound to one rep and one customer. A token is
 * `base64url(payload).base64url(hmacSHA256(payload))`; nothing is stored server-side, so a link works on any
 * instance and cannot be altered (another customer, another rep, a later expiry) without the key.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from './config';

/** How long a link stays valid unless the caller says otherwise. */
export const UPLOAD_LINK_TTL_MS = 24 * 3_600_000;

export interface UploadTokenPayload {
  customerId: number;
  /** WeCom userid of the rep the link was issued to; recorded as the uploader. */
  userId: string;
  expiresAt: Date;
}

export type UploadTokenFailure = 'bad_signature' | 'expired' | 'malformed';
export type UploadTokenResult = { ok: true; payload: UploadTokenPayload } | { ok: false; reason: UploadTokenFailure };

/** The signing key, derived from the app's secrets so no extra variable is needed (and rotating them revokes every link). */
export function uploadKey(config: Pick<Config, 'secret' | 'encodingAesKey'>): Buffer {
  return createHash('sha256').update(`upload:${config.secret}${config.encodingAesKey}`).digest();
}

/** Expiry of a link issued at `now` with the default lifetime. */
export function uploadExpiry(now: Date, ttlMs = UPLOAD_LINK_TTL_MS): Date {
  return new Date(now.getTime() + ttlMs);
}

function sign(data: string, key: Buffer): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

/** A compact token. The expiry is kept to the second. */
export function createUploadToken(payload: UploadTokenPayload, key: Buffer): string {
  if (!Number.isSafeInteger(payload.customerId) || payload.customerId <= 0) throw new RangeError('customerId must be a positive integer');
  if (!payload.userId) throw new RangeError('userId is required');
  const body = Buffer.from(JSON.stringify({
    c: payload.customerId, u: payload.userId, e: Math.floor(payload.expiresAt.getTime() / 1000),
  })).toString('base64url');
  return `${body}.${sign(body, key)}`;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Checks signature (in constant time), shape and expiry, in that order. A link is valid up to, not including, its expiry second. */
export function verifyUploadToken(token: string, key: Buffer, now: Date): UploadTokenResult {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 2 || !SEGMENT.test(parts[0]!) || !SEGMENT.test(parts[1]!) || token.length > 2048) {
    return { ok: false, reason: 'malformed' };
  }
  const [body, given] = parts as [string, string];
  const expected = Buffer.from(sign(body, key));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { ok: false, reason: 'bad_signature' };

  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { c, u, e } = (data ?? {}) as { c?: unknown; u?: unknown; e?: unknown };
  if (!Number.isSafeInteger(c) || (c as number) <= 0 || typeof u !== 'string' || !u || !Number.isSafeInteger(e)) {
    return { ok: false, reason: 'malformed' };
  }
  const expiresAt = new Date((e as number) * 1000);
  if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, payload: { customerId: c as number, userId: u, expiresAt } };
}

/** The link a rep opens: `${base}/upload/${token}` (a trailing slash on the base is ignored). */
export function uploadUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/upload/${token}`;
}
