/**
 * Who may open the dashboard, and how they prove it:
 *  - a signed link the bot sends (`/dashboard?t=…`): a JWT for audience `dashboard-link` from the one signed-token
 *    helper (usecases/signed-token.ts), bound to one userid, valid at most 7 days;
 *  - WeCom OAuth2 (snsapi_base) when the page is opened inside WeCom: a redirect to `${oauthBase}/connect/oauth2/
 *    authorize…#wechat_redirect`, back with `?code=`, exchanged for the userid through the WeCom API;
 *  - after either, a session cookie (a JWT for audience `dashboard-session`, HttpOnly, SameSite=Lax, 12 h).
 * What a person then sees is decided by domain/dashboard.ts managedScope (admins all, supervisors their reports'
 * offices, everyone else nothing).
 */
import { signingKeys, signToken, verifyToken, type SigningKeys, type TokenAudience } from '../usecases/signed-token';

export const LINK_MAX_TTL_MS = 7 * 86_400_000;
export const LINK_DEFAULT_TTL_MS = 3 * 86_400_000;
export const SESSION_TTL_MS = 12 * 3_600_000;
export const SESSION_COOKIE = 'spb_dash';
export const STATE_COOKIE = 'spb_dash_state';
export const DEFAULT_OAUTH_BASE = 'https://open.weixin.qq.com';

/** The same signing keys for links and sessions (usecases/signed-token.ts); the audience keeps the two apart. */
export interface DashboardKeys {
  link: SigningKeys;
  session: SigningKeys;
}

/** TOKEN_SIGNING_KEYS, or derived from the app's secrets (rotating them revokes every link and session). */
export function dashboardKeys(config: Parameters<typeof signingKeys>[0]): DashboardKeys {
  const keys = signingKeys(config);
  return { link: keys, session: keys };
}

export interface AccessToken {
  userId: string;
  issuedAt: Date;
  expiresAt: Date;
}

export type TokenCheck = { ok: true; token: AccessToken } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'too_long' };

/** A link token (audience `dashboard-link`) or, with `audience`, a session token. At most `maxTtlMs` long. */
export async function createAccessToken(t: AccessToken, keys: SigningKeys, maxTtlMs = LINK_MAX_TTL_MS,
  audience: TokenAudience = 'dashboard-link'): Promise<string> {
  if (!t.userId) throw new RangeError('userId is required');
  if (t.expiresAt.getTime() - t.issuedAt.getTime() > maxTtlMs) throw new RangeError('a dashboard link lives at most 7 days');
  return signToken(keys, audience, { sub: t.userId }, t);
}

/** Signature, audience, lifetime (≤ maxTtl) and expiry. */
export async function verifyAccessToken(token: unknown, keys: SigningKeys, now: Date, maxTtlMs = LINK_MAX_TTL_MS,
  audience: TokenAudience = 'dashboard-link'): Promise<TokenCheck> {
  const v = await verifyToken(keys, audience, token, now, maxTtlMs);
  if (!v.ok) return v;
  const sub = v.claims.sub;
  if (typeof sub !== 'string' || !sub) return { ok: false, reason: 'malformed' };
  return { ok: true, token: { userId: sub, issuedAt: v.issuedAt, expiresAt: v.expiresAt } };
}

/** The link the bot sends: `${base}/dashboard?t=<token>`. */
export async function dashboardLink(base: string, userId: string, keys: DashboardKeys, now: Date, ttlMs = LINK_DEFAULT_TTL_MS): Promise<string> {
  const token = await createAccessToken({ userId, issuedAt: now, expiresAt: new Date(now.getTime() + Math.min(ttlMs, LINK_MAX_TTL_MS)) }, keys.link);
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

/** DingTalk's in-app browser (phone and desktop) says `DingTalk` in its user agent. */
export function insideDingtalk(userAgent: string | undefined): boolean {
  return /DingTalk/i.test(userAgent ?? '');
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
