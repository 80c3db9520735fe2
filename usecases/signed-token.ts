/**
 * One signed-token format for every link and session the bot hands out (upload links, review document links,
 * dashboard links and sessions): a JWT (HS256, `jose`) with an audience per purpose, an issue time, an expiry and
 * a key id. Nothing is stored server-side, so a link works on any instance.
 *
 * Keys: TOKEN_SIGNING_KEYS (comma-separated, ≥ 32 characters each; the first signs, all verify) for rotation —
 * add the new key in front, keep the old one until its last link has expired, then drop it. Unset: one key derived
 * from the app's secrets (rotating those revokes every link and session).
 */
import { createHash } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';

export type TokenAudience = 'upload' | 'review-doc' | 'dashboard-link' | 'dashboard-session';

export interface SigningKeys {
  current: { kid: string; key: Uint8Array };
  byKid: Map<string, Uint8Array>;
}

const ISSUER = 'sales-process-bot';
const MAX_TOKEN_CHARS = 2048;

export type TokenFailure = 'malformed' | 'bad_signature' | 'expired' | 'too_long';
export type VerifiedToken = { ok: true; claims: JWTPayload; issuedAt: Date; expiresAt: Date } | { ok: false; reason: TokenFailure };

function keyOf(secret: string): { kid: string; key: Uint8Array } {
  const key = createHash('sha256').update(`token-key:${secret}`).digest();
  return { kid: createHash('sha256').update(key).digest('hex').slice(0, 12), key: new Uint8Array(key) };
}

/** The keys from configuration: TOKEN_SIGNING_KEYS, or one derived from WECOM_SECRET + WECOM_ENCODING_AES_KEY. */
export function signingKeys(config: { secret: string; encodingAesKey: string; tokenSigningKeys?: string[] }): SigningKeys {
  const secrets = config.tokenSigningKeys?.length ? config.tokenSigningKeys : [`${config.secret}${config.encodingAesKey}`];
  const keys = secrets.map(keyOf);
  return { current: keys[0]!, byKid: new Map(keys.map((k) => [k.kid, k.key])) };
}

/** Signs `claims` for one audience, valid from `issuedAt` until `expiresAt` (whole seconds). */
export async function signToken(keys: SigningKeys, audience: TokenAudience, claims: Record<string, unknown>,
  t: { issuedAt: Date; expiresAt: Date }): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid: keys.current.kid })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(Math.floor(t.issuedAt.getTime() / 1000))
    .setExpirationTime(Math.floor(t.expiresAt.getTime() / 1000))
    .sign(keys.current.key);
}

/**
 * Signature (with the key named by `kid`), issuer, audience and expiry, against the one clock's `now`. A token is
 * valid up to, not including, its expiry second. `maxTtlMs` refuses tokens issued for longer than allowed.
 */
export async function verifyToken(keys: SigningKeys, audience: TokenAudience, token: unknown, now: Date,
  maxTtlMs?: number): Promise<VerifiedToken> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
    return { ok: false, reason: 'malformed' };
  }
  try {
    const { payload } = await jwtVerify(token, (header) => {
      const key = header.kid ? keys.byKid.get(header.kid) : undefined;
      if (!key) throw new errors.JWSSignatureVerificationFailed('unknown key id');
      return key;
    }, { algorithms: ['HS256'], issuer: ISSUER, audience, currentDate: now, requiredClaims: ['iat', 'exp'], clockTolerance: 0 });
    const issuedAt = new Date(payload.iat! * 1000);
    const expiresAt = new Date(payload.exp! * 1000);
    if (now.getTime() >= expiresAt.getTime()) return { ok: false, reason: 'expired' };
    if (maxTtlMs !== undefined && expiresAt.getTime() - issuedAt.getTime() > maxTtlMs) return { ok: false, reason: 'too_long' };
    return { ok: true, claims: payload, issuedAt, expiresAt };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
    return { ok: false, reason: 'malformed' }; // wrong audience/issuer, bad encoding, missing claims
  }
}
