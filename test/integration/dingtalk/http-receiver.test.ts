/**
 * HTTP mode: POST /dingtalk/callback (robot messages, timestamp + sign) and POST /dingtalk/events (encrypted event
 * subscription) on a real express server with the real inbox. Refused requests write nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createEventCrypto, robotSign } from '../../../bot/dingtalk/crypto';
import { createDingtalkReceiver, type DingtalkOutcome } from '../../../bot/dingtalk/receiver';
import { quietLog, robotMessage, testInbox } from '../../helpers/dingtalk';

const SECRET = 'http-mode-app-secret';
const APP_KEY = 'dinghttpappkey0001';
const TOKEN = 'eventToken42';
const AES = 'o3QUQgi0MLmXfVHWGHAXv0bpgO6SzYH25Vjh8kgJ4Ju';
const NOW = Date.UTC(2026, 10, 30, 3, 0, 0);

describe('DingTalk HTTP receive mode', () => {
  let box: Awaited<ReturnType<typeof testInbox>>;
  let server: http.Server;
  let base = '';
  const outcomes: DingtalkOutcome[] = [];
  let woken = 0;
  // What DingTalk holds: the same token, aes_key and AppKey.
  const dingtalkSide = createEventCrypto({ token: TOKEN, aesKey: AES, ownerKey: APP_KEY });

  beforeAll(async () => {
    box = await testInbox();
    const app = express();
    app.use(createDingtalkReceiver({
      appSecret: SECRET, eventCrypto: createEventCrypto({ token: TOKEN, aesKey: AES, ownerKey: APP_KEY }),
      accept: box.accept, onAccepted: () => void (woken += 1), log: quietLog, onOutcome: (o) => void outcomes.push(o), nowMs: () => NOW,
    }));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await box.db.close();
  });
  beforeEach(async () => {
    await box.clear();
    outcomes.length = 0;
    woken = 0;
  });

  const postRobot = (body: string, headers: Record<string, string>) =>
    fetch(`${base}/dingtalk/callback`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signed = (ts = NOW) => ({ timestamp: String(ts), sign: robotSign(String(ts), SECRET) });

  it('a correctly signed robot message is stored once and answered 200; the same msgId again is a duplicate', async () => {
    const body = JSON.stringify(robotMessage('lina', '华夏医疗 进入 方案', 'http-m1'));
    expect((await postRobot(body, signed())).status).toBe(200);
    expect((await postRobot(body, signed(NOW - 1000))).status).toBe(200);
    expect((await box.rows()).map((r) => r.dedupeKey)).toEqual(['dt:msg:http-m1']);
    expect(outcomes).toEqual(['accepted', 'duplicate']);
    expect(woken).toBe(1);
  });

  it('bad sign, another secret, stale timestamp, missing headers → 401 with one body, nothing stored', async () => {
    const body = JSON.stringify(robotMessage('lina', '你好'));
    const answers = await Promise.all([
      postRobot(body, { timestamp: String(NOW), sign: 'AAAA' }),
      postRobot(body, { timestamp: String(NOW), sign: robotSign(String(NOW), 'not-the-secret') }),
      postRobot(body, signed(NOW - 60 * 60_000 - 1)),
      postRobot(body, {}),
    ]);
    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(new Set(await Promise.all(answers.map((r) => r.text())))).toEqual(new Set(['unauthorized']));
    expect(await box.rows()).toEqual([]);
  });

  it('malformed JSON → 400, oversized → 413; nothing stored', async () => {
    expect((await postRobot('{"msgId":', signed())).status).toBe(400);
    expect((await postRobot(JSON.stringify({ msgtype: 'text' }), signed())).status).toBe(400);
    expect((await postRobot(JSON.stringify({ pad: 'x'.repeat(70_000) }), signed())).status).toBe(413);
    expect(await box.rows()).toEqual([]);
  });

  const postEvent = (plain: string, opts: { token?: string } = {}) => {
    const side = opts.token ? createEventCrypto({ token: opts.token, aesKey: AES, ownerKey: APP_KEY }) : dingtalkSide;
    const sealed = side.seal(plain, String(NOW), 'n0nce');
    return fetch(`${base}/dingtalk/events?msg_signature=${sealed.msg_signature}&timestamp=${sealed.timeStamp}&nonce=${sealed.nonce}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ encrypt: sealed.encrypt }),
    });
  };
  const decryptAnswer = async (res: Response) => {
    const a = (await res.json()) as { msg_signature: string; timeStamp: string; nonce: string; encrypt: string };
    return dingtalkSide.open({ signature: a.msg_signature, timestamp: a.timeStamp, nonce: a.nonce }, a.encrypt);
  };

  it('check_url is answered with the encrypted "success" DingTalk can verify; nothing stored', async () => {
    const res = await postEvent(JSON.stringify({ EventType: 'check_url' }));
    expect(res.status).toBe(200);
    expect(await decryptAnswer(res)).toBe('success');
    expect(outcomes).toEqual(['verified']);
    expect(await box.rows()).toEqual([]);
  });

  it('a directory event is stored per member and answered "success"; a bad signature is 401 with nothing stored', async () => {
    const res = await postEvent(JSON.stringify({ EventType: 'user_leave_org', UserId: ['wangfang'], TimeStamp: String(NOW), CorpId: 'dingcorp' }));
    expect(res.status).toBe(200);
    expect(await decryptAnswer(res)).toBe('success');
    expect((await box.rows()).map((r) => r.payload)).toEqual([
      expect.objectContaining({ kind: 'contact.changed', change: 'delete_user', subjectUserId: 'wangfang' }),
    ]);
    await box.clear();
    expect((await postEvent(JSON.stringify({ EventType: 'user_add_org', UserId: ['x'] }), { token: 'wrongToken' })).status).toBe(401);
    const noQuery = await fetch(`${base}/dingtalk/events`, { method: 'POST', body: JSON.stringify({ encrypt: 'abc' }) });
    expect(noQuery.status).toBe(400);
    expect(await box.rows()).toEqual([]);
  });

  it('an inbox that cannot store answers 503 so DingTalk retries', async () => {
    const app = express();
    app.use(createDingtalkReceiver({
      appSecret: SECRET, accept: async () => {
        throw new Error('database down');
      }, onAccepted: () => undefined, log: quietLog, nowMs: () => NOW,
    }));
    const s = http.createServer(app);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/dingtalk/callback`, {
      method: 'POST', headers: signed(), body: JSON.stringify(robotMessage('lina', 'x')),
    });
    await new Promise<void>((r) => s.close(() => r()));
    expect(res.status).toBe(503);
  });
});
