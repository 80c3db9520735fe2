/**
 * Who may open the dashboard, and how they prove it:
 *  - a signed link the bot sends (`/dashboard?t=…`): `base64url(payload).base64url(hmacSHA256)`, like the upload
 *    links (app/upload-link.ts) but under its own key, bound to one userid, valid at most 7 days;
 *  - WeCom OAuth2 (snsapi_base) when the page is opened inside WeCom: a redirect to `${oauthBase}/connect/oauth2/
 *    authorize…#wechat_redirect`, back with `?code=`, exchanged for the userid through the WeCom API;
 *  - after either, a session cookie (signed the same way, HttpOnly, SameSite=Lax, 12 h).
 * What a person then sees is decided by domain/dashboard.ts managedScope (admins all, supervisors their reports'
 * offices, everyone else nothing).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const LINK_MAX_TTL_MS = 7 * 86_400_000;
export const LINK_DEFAULT_TTL_MS = 3 * 86_400_000;
export const SESSION_TTL_MS = 12 * 3_600_000;
export const SESSION_COOKIE = 'spb_dash';
export const STATE_COOKIE = 'spb_dash_state';
export const DEFAULT_OAUTH_BASE = 'https://open.weixin.qq.com';

export interface DashboardKeys {
  link: Buffer;
  session: Buffer;
}

/** Derived from the app's secrets (no extra variable; rotating them revokes every link and session). */
export function dashboardKeys(config: { secret: string; encodingAesKey: string }): DashboardKeys {
  const derive = (purpose: string) => createHash('sha256').update(`${purpose}:${config.secret}${config.encodingAesKey}`).digest();
  return { link: derive('dashboard-link'), session: derive('dashboard-session') };
}

export interface AccessToken {
  userId: string;
  issuedAt: Date;
  expiresAt: Date;
}

export type TokenCheck = { ok: true; token: AccessToken } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'too_long' };

const sign = (data: string, key: Buffer) => createHmac('sha256', key).update(data).digest('base64url');
const SEGMENT = /^[A-Za-z0-9_-]+$/;

export function createAccessToken(t: AccessToken, key: Buffer, maxTtlMs = LINK_MAX_TTL_MS): string {
  if (!t.userId) throw new RangeError('userId is required');
  if (t.expiresAt.getTime() - t.issuedAt.getTime() > maxTtlMs) throw new RangeError('a dashboard link lives at most 7 days');
  const body = Buffer.from(JSON.stringify({
    u: t.userId, i: Math.floor(t.issuedAt.getTime() / 1000), e: Math.floor(t.expiresAt.getTime() / 1000),
  })).toString('base64url');
  return `${body}.${sign(body, key)}`;
}

/** Signature first (constant time), then shape, lifetime (≤ maxTtl) and expiry. */
export function verifyAccessToken(token: unknown, key: Buffer, now: Date, maxTtlMs = LINK_MAX_TTL_MS): TokenCheck {
  const parts = typeof token === 'string' && token.length <= 1024 ? token.split('.') : [];
  if (parts.length !== 2 || !SEGMENT.test(parts[0]!) || !SEGMENT.test(parts[1]!)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(sign(parts[0]!, key));
  const given = Buffer.from(parts[1]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let data: { u?: unknown; i?: unknown; e?: unknown };
  try {
    data = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) ?? {};
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof data.u !== 'string' || !data.u || !Number.isSafeInteger(data.i) || !Number.isSafeInteger(data.e)) return { ok: false, reason: 'malformed' };
  const issuedAt = new Date((data.i as number) * 1000);
  const expiresAt = new Date((data.e as number) * 1000);
  if (expiresAt.getTime() - issuedAt.getTime() > maxTtlMs) return { ok: false, reason: 'too_long' };
  if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, token: { userId: data.u, issuedAt, expiresAt } };
}

/** The link the bot sends: `${base}/dashboard?t=<token>`. */
export function dashboardLink(base: string, userId: string, keys: DashboardKeys, now: Date, ttlMs = LINK_DEFAULT_TTL_MS): string {
  const token = createAccessToken({ userId, issuedAt: now, expiresAt: new Date(now.getTime() + Math.min(ttlMs, LINK_MAX_TTL_MS)) }, keys.link);
  return `${base.replace(/\/+$/, '')}/dashboard?t=${token}`;
}

/** WeCom's OAuth2 authorize URL (snsapi_base: silent, returns only the userid). */
export function oauthAuthorizeUrl(o: { oauthBase?: string; corpId: string; agentId: number; redirectUri: string; state: string }): string {
  const base = (o.oauthBase ?? DEFAULT_OAUTH_BASE).replace(/\/+$/, '');
  const q = new URLSearchParams({
    appid: o.corpId, redirect_uri: o.redirectUri, response_type: 'code', scope: 'snsapi_base', state: o.state, agentid: String(o.agentId),
  });
  return `${base}/connect/oauth2/authorize?${q.toString()}#wechat_redirect`;
}

/** WeCom's in-app browser says `wxwork` in its user agent. */
export function insideWecom(userAgent: string | undefined): boolean {
  return /wxwork/i.test(userAgent ?? '');
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

export function cookieHeader(name: string, value: string, o: { maxAgeSec: number; secure: boolean; path?: string }): string {
  return [`${name}=${encodeURIComponent(value)}`, `Path=${o.path ?? '/'}`, `Max-Age=${Math.max(0, Math.floor(o.maxAgeSec))}`,
    'HttpOnly', 'SameSite=Lax', ...(o.secure ? ['Secure'] : [])].join('; ');
}
