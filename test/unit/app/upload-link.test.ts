import { SignJWT } from 'jose';
import {
  createUploadToken, UPLOAD_LINK_TTL_MS, uploadExpiry, uploadKey, uploadUrl, verifyUploadToken,
} from '../../../app/upload-link';
import { signingKeys, signToken, verifyToken } from '../../../usecases/signed-token';
import { testConfig } from '../../helpers/wecom';

const NOW = new Date('2026-11-20T06:00:00Z');
const key = uploadKey(testConfig());

describe('upload links (one signed-token helper: JWT, audience, expiry, key rotation)', () => {
  it('signs and verifies a token bound to customer and rep', async () => {
    const token = await createUploadToken({ customerId: 42, userId: 'lina', expiresAt: uploadExpiry(NOW) }, key, NOW);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]{43}$/);
    expect(token.length).toBeLessThan(300);
    expect(await verifyUploadToken(token, key, NOW)).toEqual({
      ok: true, payload: { customerId: 42, userId: 'lina', expiresAt: new Date(NOW.getTime() + UPLOAD_LINK_TTL_MS) },
    });
  });

  it('lives 24 hours by default and expires at its expiry second', async () => {
    expect(UPLOAD_LINK_TTL_MS).toBe(24 * 3600 * 1000);
    const expiresAt = uploadExpiry(NOW);
    const token = await createUploadToken({ customerId: 1, userId: 'u', expiresAt }, key, NOW);
    expect((await verifyUploadToken(token, key, new Date(expiresAt.getTime() - 1000))).ok).toBe(true);
    expect(await verifyUploadToken(token, key, expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifyUploadToken(token, key, new Date(expiresAt.getTime() + 86_400_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token whose payload was changed (another customer, a later expiry) or whose signature was flipped', async () => {
    const token = await createUploadToken({ customerId: 7, userId: 'lina', expiresAt: uploadExpiry(NOW) }, key, NOW);
    const [head, body, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, c: 8, exp: 4102444800 })).toString('base64url');
    expect(await verifyUploadToken(`${head}.${forged}.${sig}`, key, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    expect(await verifyUploadToken(flipped, key, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rotates keys: the newest signs, older ones still verify until dropped; other secrets revoke every link', async () => {
    const oldKeys = signingKeys({ ...testConfig(), tokenSigningKeys: ['old-key-0123456789-0123456789-0123'] });
    const rotated = signingKeys({ ...testConfig(), tokenSigningKeys: ['new-key-0123456789-0123456789-0123', 'old-key-0123456789-0123456789-0123'] });
    const dropped = signingKeys({ ...testConfig(), tokenSigningKeys: ['new-key-0123456789-0123456789-0123'] });
    const old = await createUploadToken({ customerId: 7, userId: 'lina', expiresAt: uploadExpiry(NOW) }, oldKeys, NOW);
    expect((await verifyUploadToken(old, rotated, NOW)).ok).toBe(true);
    expect(await verifyUploadToken(old, dropped, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const other = uploadKey(testConfig({ secret: 'rotated-secret' }));
    const token = await createUploadToken({ customerId: 7, userId: 'lina', expiresAt: uploadExpiry(NOW) }, other, NOW);
    expect(await verifyUploadToken(token, key, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('a token for another purpose (audience) is not an upload link', async () => {
    const dash = await signToken(key, 'dashboard-link', { c: 7, sub: 'lina' }, { issuedAt: NOW, expiresAt: uploadExpiry(NOW) });
    expect(await verifyUploadToken(dash, key, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect((await verifyToken(key, 'dashboard-link', dash, NOW)).ok).toBe(true);
  });

  it('calls anything that is not a JWT, or a validly signed odd payload, malformed', async () => {
    for (const bad of ['', 'abc', 'a.b', 'a b.c.d', 'abc..', 'ab+/.cd.ef', `${'x'.repeat(3000)}.y.z`]) {
      expect(await verifyUploadToken(bad, key, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
    const signed = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.current.kid })
      .setIssuer('sales-process-bot').setAudience('upload').setIssuedAt(Math.floor(NOW.getTime() / 1000))
      .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 3600).sign(key.current.key);
    for (const c of [{ c: '7', sub: 'a' }, { c: 7, sub: '' }, { c: 7 }, { c: -1, sub: 'a' }]) {
      expect(await verifyUploadToken(await signed(c), key, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses to sign a payload without a customer or a rep', async () => {
    await expect(createUploadToken({ customerId: 0, userId: 'u', expiresAt: NOW }, key)).rejects.toThrow(RangeError);
    await expect(createUploadToken({ customerId: 1, userId: '', expiresAt: NOW }, key)).rejects.toThrow(RangeError);
  });

  it('builds the link under the public base', () => {
    expect(uploadUrl('https://bot.example.com/', 'abc.def')).toBe('https://bot.example.com/upload/abc.def');
    expect(uploadUrl('https://bot.example.com', 'abc.def')).toBe('https://bot.example.com/upload/abc.def');
  });
});
