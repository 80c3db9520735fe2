import { createEventCrypto, robotSign, verifyRobotSign } from '../../../../bot/dingtalk/crypto';
import { DingtalkCallbackError } from '../../../../bot/dingtalk/errors';
import { DINGTALK_EVENT_VECTOR as V } from '../../../fixtures/dingtalk-vectors';

const SECRET = 'app-secret-for-tests';
const NOW = Date.UTC(2026, 10, 30, 2, 0, 0);

const kindOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof DingtalkCallbackError ? err.kind : 'other';
  }
};

describe('robot message signature (HTTP mode)', () => {
  it('accepts the sign made with the app secret within the hour', () => {
    const ts = String(NOW - 59 * 60_000);
    expect(kindOf(() => verifyRobotSign({ timestamp: ts, sign: robotSign(ts, SECRET) }, SECRET, NOW))).toBe('ok');
  });

  it('refuses a sign made with another secret, a stale or future timestamp, and missing headers', () => {
    const ts = String(NOW);
    expect(kindOf(() => verifyRobotSign({ timestamp: ts, sign: robotSign(ts, 'other-secret') }, SECRET, NOW))).toBe('unauthorized');
    const stale = String(NOW - 61 * 60_000);
    expect(kindOf(() => verifyRobotSign({ timestamp: stale, sign: robotSign(stale, SECRET) }, SECRET, NOW))).toBe('unauthorized');
    const future = String(NOW + 61 * 60_000);
    expect(kindOf(() => verifyRobotSign({ timestamp: future, sign: robotSign(future, SECRET) }, SECRET, NOW))).toBe('unauthorized');
    expect(kindOf(() => verifyRobotSign({ timestamp: ts }, SECRET, NOW))).toBe('unauthorized');
    expect(kindOf(() => verifyRobotSign({ timestamp: 'abc', sign: 'x' }, SECRET, NOW))).toBe('unauthorized');
  });
});

describe('event subscription crypto', () => {
  it("decrypts DingTalk's own published sample", () => {
    const c = createEventCrypto({ token: V.token, aesKey: V.aesKey, ownerKey: V.ownerKey });
    expect(c.open({ signature: V.signature, timestamp: V.timestamp, nonce: V.nonce }, V.encrypt)).toBe(V.plaintext);
  });

  it('refuses the sample with a wrong signature, another owner key or another aes key', () => {
    const q = { signature: V.signature, timestamp: V.timestamp, nonce: V.nonce };
    const good = createEventCrypto({ token: V.token, aesKey: V.aesKey, ownerKey: V.ownerKey });
    expect(kindOf(() => good.open({ ...q, nonce: 'other' }, V.encrypt))).toBe('unauthorized');
    expect(kindOf(() => createEventCrypto({ token: V.token, aesKey: V.aesKey, ownerKey: 'dingotherappkey' }).open(q, V.encrypt))).toBe('unauthorized');
    expect(kindOf(() => createEventCrypto({ token: V.token, aesKey: 'a'.repeat(43), ownerKey: V.ownerKey }).open(q, V.encrypt))).toBe('unauthorized');
    expect(kindOf(() => good.open(q, 'not base64 !'))).toBe('malformed');
  });

  it('seals "success" so that the same crypto (as DingTalk would) verifies and decrypts it', () => {
    const c = createEventCrypto({ token: 'tok', aesKey: V.aesKey, ownerKey: 'dingappkey' });
    const answer = c.seal('success', '1700000000000', 'nonce1');
    expect(answer.timeStamp).toBe('1700000000000');
    expect(c.open({ signature: answer.msg_signature, timestamp: answer.timeStamp, nonce: answer.nonce }, answer.encrypt)).toBe('success');
  });
});
