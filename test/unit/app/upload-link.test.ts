import { createHmac } from 'node:crypto';
import {
  createUploadToken, UPLOAD_LINK_TTL_MS, uploadExpiry, uploadKey, uploadUrl, verifyUploadToken,
} from '../../../app/upload-link';
import { testConfig } from '../../helpers/wecom';

const NOW = new Date('2026-11-20T06:00:00Z');
const key = uploadKey(testConfig());

describe('upload links', () => {
  it('signs and verifies a compact token bound to customer and rep', () => {
    const token = createUploadToken({ customerId: 42, userId: 'lina', expiresAt: uploadExpiry(NOW) }, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(token.length).toBeLessThan(120);
    expect(verifyUploadToken(token, key, NOW)).toEqual({
      ok: true, payload: { customerId: 42, userId: 'lina', expiresAt: new Date(NOW.getTime() + UPLOAD_LINK_TTL_MS) },
    });
  });

  it('lives 24 hours by default and expires at its expiry second', () => {
    expect(UPLOAD_LINK_TTL_MS).toBe(24 * 3600 * 1000);
    const expiresAt = uploadExpiry(NOW);
    const token = createUploadToken({ customerId: 1, userId: 'u', expiresAt }, key);
    expect(verifyUploadToken(token, key, new Date(expiresAt.getTime() - 1000)).ok).toBe(true);
    expect(verifyUploadToken(token, key, expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyUploadToken(token, key, new Date(expiresAt.getTime() + 86_400_000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token whose payload was changed (another customer, a later expiry)', () => {
    const token = createUploadToken({ customerId: 7, userId: 'lina', expiresAt: uploadExpiry(NOW) }, key);
    const [, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ c: 8, u: 'lina', e: Math.floor(NOW.getTime() / 1000) + 99_999 })).toString('base64url');
    expect(verifyUploadToken(`${forged}.${sig}`, key, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    // one flipped character in the signature
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(verifyUploadToken(flipped, key, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a token signed with another key (other secrets → every link revoked)', () => {
    const other = uploadKey(testConfig({ secret: 'rotated-secret' }));
    expect(other.equals(key)).toBe(false);
    const token = createUploadToken({ customerId: 7, userId: 'lina', expiresAt: uploadExpiry(NOW) }, other);
    expect(verifyUploadToken(token, key, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('calls anything that is not two base64url segments, or a validly signed odd payload, malformed', () => {
    for (const bad of ['', 'abc', 'a.b.c', 'a b.c', 'abc.', '.abc', 'ab+/.cd', 'x'.repeat(3000) + '.y']) {
      expect(verifyUploadToken(bad, key, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
    const signed = (payload: string) => {
      const body = Buffer.from(payload).toString('base64url');
      return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
    };
    for (const p of ['not json', 'null', '{"c":"7","u":"a","e":9999999999}', '{"c":7,"u":"","e":9999999999}', '{"c":7,"u":"a"}', '{"c":-1,"u":"a","e":9999999999}']) {
      expect(verifyUploadToken(signed(p), key, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses to sign a payload without a customer or a rep', () => {
    expect(() => createUploadToken({ customerId: 0, userId: 'u', expiresAt: NOW }, key)).toThrow(RangeError);
    expect(() => createUploadToken({ customerId: 1, userId: '', expiresAt: NOW }, key)).toThrow(RangeError);
  });

  it('builds the link under the public base', () => {
    expect(uploadUrl('https://bot.example.com/', 'abc.def')).toBe('https://bot.example.com/upload/abc.def');
    expect(uploadUrl('https://bot.example.com', 'abc.def')).toBe('https://bot.example.com/upload/abc.def');
  });
});
