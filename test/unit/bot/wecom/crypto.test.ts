import { decrypt, encrypt } from '@wecom/crypto';
import { createCallbackCrypto, signaturesMatch } from '../../../../bot/wecom/crypto';
import { toEvent } from '../../../../bot/wecom/envelope';
import { CallbackAuthenticityError } from '../../../../bot/errors';
import { OFFICIAL } from '../../../fixtures/official-vectors';

const crypto = createCallbackCrypto({ token: OFFICIAL.token, encodingAesKey: OFFICIAL.encodingAesKey, corpId: OFFICIAL.corpId });

describe('callback crypto (official vectors, doc 91144)', () => {
  it('verifies and decrypts the official URL-verification (GET) vector', () => {
    expect(crypto.verifyUrl(OFFICIAL.get)).toBe(OFFICIAL.get.plain);
  });

  it('verifies and decrypts the official message (POST) vector into a text message with a 64-bit MsgId string', () => {
    const plain = crypto.open(OFFICIAL.post, OFFICIAL.post.encrypt);
    const event = toEvent(plain);
    expect(event).toMatchObject({ kind: 'message.text', text: 'hello', userId: 'mycreate', msgId: '4561255354251345929', agentId: '218' });
    expect(Buffer.from(OFFICIAL.post.encrypt, 'base64').length).toBe(352);
  });

  it('re-encrypting with the same 16 random bytes reproduces the official ciphertext byte for byte', () => {
    const opened = decrypt(OFFICIAL.encodingAesKey, OFFICIAL.post.encrypt);
    expect(encrypt(OFFICIAL.encodingAesKey, opened.message, opened.id, opened.random)).toBe(OFFICIAL.post.encrypt);
  });

  it('refuses a signature that differs in one character', () => {
    const bad = { ...OFFICIAL.post, msg_signature: OFFICIAL.post.msg_signature.replace(/.$/, '0') };
    expect(() => crypto.open(bad, OFFICIAL.post.encrypt)).toThrow(CallbackAuthenticityError);
  });

  it('refuses a signature of the wrong length without throwing a RangeError', () => {
    expect(signaturesMatch('abc', 'abcd')).toBe(false);
    expect(() => crypto.open({ ...OFFICIAL.post, msg_signature: 'abc' }, OFFICIAL.post.encrypt)).toThrow(CallbackAuthenticityError);
  });

  it('refuses a correctly signed message encrypted for another corp (receiveid check)', () => {
    const other = createCallbackCrypto({ token: OFFICIAL.token, encodingAesKey: OFFICIAL.encodingAesKey, corpId: 'wwOTHERCORP' });
    expect(() => other.open(OFFICIAL.post, OFFICIAL.post.encrypt)).toThrow(/receiveid/);
  });

  it('refuses a correctly signed payload that is not valid ciphertext', () => {
    const sealed = crypto.seal('x', '1', '2');
    const garbage = sealed.encrypt.slice(0, 30); // signed below, but not a whole AES block
    const { getSignature } = jest.requireActual('@wecom/crypto');
    const sig = getSignature(OFFICIAL.token, '1', '2', garbage);
    expect(() => crypto.open({ msg_signature: sig, timestamp: '1', nonce: '2' }, garbage)).toThrow(CallbackAuthenticityError);
  });

  it('round-trips Chinese text', () => {
    const msg = '<xml><Content><![CDATA[华夏医疗 推进 价格谈判中 ✅]]></Content></xml>';
    const sealed = crypto.seal(msg, '1700000000', 'n1');
    expect(crypto.open({ msg_signature: sealed.signature, timestamp: '1700000000', nonce: 'n1' }, sealed.encrypt)).toBe(msg);
  });

  it('round-trips a body whose PKCS#7 padding is exactly 32 bytes (a full pad block)', () => {
    // 16 random + 4 length + msg + corpId (18 bytes) must be a multiple of 32 → pad value 32.
    const msg = 'a'.repeat(64 - 16 - 4 - OFFICIAL.corpId.length);
    const enc = encrypt(OFFICIAL.encodingAesKey, msg, OFFICIAL.corpId);
    expect(Buffer.from(enc, 'base64').length).toBe(96); // 64 bytes of data + 32 bytes of padding
    const { getSignature } = jest.requireActual('@wecom/crypto');
    const sig = getSignature(OFFICIAL.token, '1', '2', enc);
    expect(crypto.open({ msg_signature: sig, timestamp: '1', nonce: '2' }, enc)).toBe(msg);
  });

  it('refuses to start with an EncodingAESKey that is not 43 characters of base64', () => {
    expect(() => createCallbackCrypto({ token: 't', encodingAesKey: 'short', corpId: 'c' })).toThrow(/43-character/);
  });
});
