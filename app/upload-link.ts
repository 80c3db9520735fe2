/**
 * Signed, expiring upload links (上传链接), bound to one rep and one customer: a JWT for audience `upload` from the
 * one signed-token helper (usecases/signed-token.ts). Nothing is stored server-side, so a link works on any instance and
 * cannot be altered (another customer, another rep, a later expiry) without the key.
 */
import { signingKeys, signToken, verifyToken, type SigningKeys } from '../usecases/signed-token';

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

/** The signing keys (usecases/signed-token.ts): TOKEN_SIGNING_KEYS, or derived from the app's secrets. */
export function uploadKey(config: Parameters<typeof signingKeys>[0]): SigningKeys {
  return signingKeys(config);
}

/** Expiry of a link issued at `now` with the default lifetime. */
export function uploadExpiry(now: Date, ttlMs = UPLOAD_LINK_TTL_MS): Date {
  return new Date(now.getTime() + ttlMs);
}

/** A signed token for audience `upload` (JWT: c = customer id, sub = the rep). The expiry is kept to the second. */
export async function createUploadToken(payload: UploadTokenPayload, keys: SigningKeys, issuedAt?: Date): Promise<string> {
  if (!Number.isSafeInteger(payload.customerId) || payload.customerId <= 0) throw new RangeError('customerId must be a positive integer');
  if (!payload.userId) throw new RangeError('userId is required');
  return signToken(keys, 'upload', { c: payload.customerId, sub: payload.userId }, {
    issuedAt: issuedAt ?? new Date(payload.expiresAt.getTime() - UPLOAD_LINK_TTL_MS), expiresAt: payload.expiresAt,
  });
}

/** Checks signature, audience, shape and expiry. A link is valid up to, not including, its expiry second. */
export async function verifyUploadToken(token: string, keys: SigningKeys, now: Date): Promise<UploadTokenResult> {
  const v = await verifyToken(keys, 'upload', token, now);
  if (!v.ok) return { ok: false, reason: v.reason === 'too_long' ? 'malformed' : v.reason };
  const { c, sub } = v.claims as { c?: unknown; sub?: unknown };
  if (!Number.isSafeInteger(c) || (c as number) <= 0 || typeof sub !== 'string' || !sub) return { ok: false, reason: 'malformed' };
  return { ok: true, payload: { customerId: c as number, userId: sub, expiresAt: v.expiresAt } };
}

/** The link a rep opens: `${base}/upload/${token}` (a trailing slash on the base is ignored). */
export function uploadUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/upload/${token}`;
}
