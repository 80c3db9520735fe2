import { createDocToken, reviewDocKeys, verifyDocToken } from '../../../usecases/review-service';
import { signingKeys, signToken } from '../../../usecases/signed-token';
import { testConfig } from '../../helpers/wecom';

const NOW = new Date('2026-11-20T06:00:00Z');
const UNTIL = new Date('2026-11-28T06:00:00Z');
const keys = reviewDocKeys(testConfig());

describe('review document links (the one signed-token helper: audience review-doc, expiry, key rotation)', () => {
  it('signs and verifies a link to one document until its expiry second', async () => {
    const token = await createDocToken(42, { issuedAt: NOW, expiresAt: UNTIL }, keys);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]{43}$/);
    expect(await verifyDocToken(token, keys, NOW)).toEqual({ ok: true, docId: 42 });
    expect(await verifyDocToken(token, keys, new Date(UNTIL.getTime() - 1000))).toEqual({ ok: true, docId: 42 });
    expect(await verifyDocToken(token, keys, UNTIL)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses another document id, a later expiry or a flipped signature', async () => {
    const token = await createDocToken(7, { issuedAt: NOW, expiresAt: UNTIL }, keys);
    const [head, body, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, d: 8, exp: 4102444800 })).toString('base64url');
    expect(await verifyDocToken(`${head}.${forged}.${sig}`, keys, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    expect(await verifyDocToken(flipped, keys, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rotates with TOKEN_SIGNING_KEYS like every other link; other secrets revoke it', async () => {
    const oldKeys = signingKeys({ ...testConfig(), tokenSigningKeys: ['old-key-0123456789-0123456789-0123'] });
    const rotated = signingKeys({ ...testConfig(), tokenSigningKeys: ['new-key-0123456789-0123456789-0123', 'old-key-0123456789-0123456789-0123'] });
    const dropped = signingKeys({ ...testConfig(), tokenSigningKeys: ['new-key-0123456789-0123456789-0123'] });
    const old = await createDocToken(5, { issuedAt: NOW, expiresAt: UNTIL }, oldKeys);
    expect(await verifyDocToken(old, rotated, NOW)).toEqual({ ok: true, docId: 5 });
    expect(await verifyDocToken(old, dropped, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const other = reviewDocKeys(testConfig({ secret: 'rotated-secret' }));
    expect(await verifyDocToken(await createDocToken(5, { issuedAt: NOW, expiresAt: UNTIL }, other), keys, NOW))
      .toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('an upload link or a dashboard link is not a document link; neither is anything that is not a JWT', async () => {
    for (const aud of ['upload', 'dashboard-link'] as const) {
      const t = await signToken(keys, aud, { d: 5, c: 5, sub: 'lina' }, { issuedAt: NOW, expiresAt: UNTIL });
      expect(await verifyDocToken(t, keys, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
    const noDoc = await signToken(keys, 'review-doc', { d: '5' }, { issuedAt: NOW, expiresAt: UNTIL });
    expect(await verifyDocToken(noDoc, keys, NOW)).toEqual({ ok: false, reason: 'malformed' });
    for (const bad of ['', 'not-a-token', 'a.b', `${'x'.repeat(3000)}.y.z`, 42]) {
      expect(await verifyDocToken(bad, keys, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses to sign a link to no document', async () => {
    await expect(createDocToken(0, { issuedAt: NOW, expiresAt: UNTIL }, keys)).rejects.toThrow(RangeError);
  });
});
