/**
 * Signed, long-lived material links (资料链接): one per item of a sent pack, bound to the link row, the customer, the
 * rep and the item number. Behind one interface, `signLink` / `verifyLink`, so the signing can be swapped (for the
 * JOSE-based token helper) without touching callers. Today: `base64url(claims).base64url(HMAC-SHA256)`; nothing
 * stored besides the link row, so a link cannot be altered (another item, another customer) without the key.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from './config';

export interface LinkClaims {
  linkId: number;
  customerId: number;
  /** WeCom userid of the rep the pack was issued to. */
  repId: string;
  itemNo: number;
}

export type LinkVerdict = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'bad_signature' };

/** The signing key, derived from the app's secrets (rotating them revokes every link), distinct from upload links. */
export function materialLinkKey(config: Pick<Config, 'secret' | 'encodingAesKey'>): Buffer {
  return createHash('sha256').update(`material-link:${config.secret}${config.encodingAesKey}`).digest();
}

const mac = (data: string, key: Buffer) => createHmac('sha256', key).update(data).digest('base64url');
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const posInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

export function signLink(claims: LinkClaims, key: Buffer): string {
  const body = Buffer.from(JSON.stringify({ l: claims.linkId, c: claims.customerId, u: claims.repId, i: claims.itemNo })).toString('base64url');
  return `${body}.${mac(body, key)}`;
}

/** Checks the signature in constant time, then the shape. Links do not expire (a customer may open one weeks later). */
export function verifyLink(token: string, key: Buffer): LinkVerdict {
  const parts = typeof token === 'string' && token.length <= 1024 ? token.split('.') : [];
  if (parts.length !== 2 || !SEGMENT.test(parts[0]!) || !SEGMENT.test(parts[1]!)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(parts[0]!, key));
  const given = Buffer.from(parts[1]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let data: { l?: unknown; c?: unknown; u?: unknown; i?: unknown };
  try {
    data = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) ?? {};
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!posInt(data.l) || !posInt(data.c) || !posInt(data.i) || typeof data.u !== 'string' || !data.u) return { ok: false, reason: 'malformed' };
  return { ok: true, claims: { linkId: data.l, customerId: data.c, repId: data.u, itemNo: data.i } };
}

/** `${base}/m/${token}` (a trailing slash on the base is ignored). */
export function materialUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/m/${token}`;
}
