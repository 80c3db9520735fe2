/**
 * The receiver on a live server: verification, refusals, exactly-once handling through the inbox, and crash
 * recovery. Real PostgreSQL; WeCom's API is nock'd.
 */
import { sql } from 'drizzle-orm';
import { encrypt, getSignature } from '@wecom/crypto';
import { startTestBot, type TestBot } from '../helpers/bot';
import { openTestDatabase } from '../helpers/db';
import { ADMIN_TOKEN, AES_KEY, CORP_ID, TOKEN, mockWecom, nextMsgId, sealCallback, textXml, waitFor } from '../helpers/wecom';

async function inboxCount(t: TestBot): Promise<number> {
  const [r] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from inbox`);
  return r!.n;
}

describe('POST/GET /wecom/callback on a live server', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeEach(async () => {
    wecom = mockWecom();
    t = await startTestBot();
  });

  afterEach(async () => {
    await t.stop();
    wecom.done();
  });

  it('answers URL verification with the bare echostr (no quotes, no newline)', async () => {
    const echo = encrypt(AES_KEY, '8839284827361', CORP_ID);
    const sig = getSignature(TOKEN, '1700000000', 'abc', echo);
    const res = await t.get(`/wecom/callback?msg_signature=${sig}&timestamp=1700000000&nonce=abc&echostr=${encodeURIComponent(echo)}`);
    expect(res).toEqual({ status: 200, body: '8839284827361' });
  });

  it('refuses URL verification with a bad signature with 401', async () => {
    const echo = encrypt(AES_KEY, '1', CORP_ID);
    const res = await t.get(`/wecom/callback?msg_signature=${'0'.repeat(40)}&timestamp=1&nonce=a&echostr=${encodeURIComponent(echo)}`);
    expect(res.status).toBe(401);
  });

  it('acknowledges a text message with an empty 200 and answers an unknown command with the closest commands, not the whole list', async () => {
    const res = await t.callback(textXml('zhangsan', '今天天气怎么样'));
    expect(res).toEqual({ status: 200, body: '' });
    await waitFor(() => wecom.sent.length === 1, 'the help reply');
    expect(wecom.sent[0]).toMatchObject({ touser: 'zhangsan', msgtype: 'text', agentid: 1000002 });
    expect((wecom.sent[0]!.text as { content: string }).content).toContain('没有看懂');
    const content = (wecom.sent[0]!.text as { content: string }).content;
    expect(content).toContain('你是不是想：');
    expect(content).toContain('发送“帮助”查看全部指令');
    expect(content.split('\n')).toHaveLength(2); // never the 16-line list
  });

  it('handles a callback that WeCom retries three times exactly once', async () => {
    const xml = textXml('lisi', '帮助', nextMsgId());
    const sealed = sealCallback(xml);
    for (let i = 0; i < 4; i++) {
      const res = await t.post(`/wecom/callback?${sealed.query}`, sealed.body);
      expect(res.status).toBe(200);
    }
    await waitFor(() => wecom.sent.length >= 1, 'a reply');
    await new Promise((r) => setTimeout(r, 300));
    expect(wecom.sent).toHaveLength(1);
    expect(await inboxCount(t)).toBe(1);
  });

  it('handles 200 concurrent distinct callbacks each exactly once', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => t.callback(textXml(`user${i}`, `你好 ${i}`))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await waitFor(() => wecom.sent.length >= 200, '200 replies', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(wecom.sent).toHaveLength(200);
    expect(new Set(wecom.sent.map((m) => m.touser)).size).toBe(200);
    const [r] = await t.db.rows<{ done: number }>(sql`select count(*) filter (where status = 'done')::int as done from inbox`);
    expect(r!.done).toBe(200);
  });

  describe('refusals write nothing', () => {
    it('a bad signature → 401', async () => {
      const sealed = sealCallback(textXml('u', 'x'));
      const res = await t.post(`/wecom/callback?${sealed.query.replace(/msg_signature=[0-9a-f]/, 'msg_signature=0')}x`, sealed.body);
      expect(res.status).toBe(401);
    });

    it('a message encrypted for another corp → 401 with the same body as a bad signature', async () => {
      const wrongCorp = await t.callback(textXml('u', 'x'), { corpId: 'wwSOMEONEELSE' });
      const badSig = await t.callback(textXml('u', 'x'), { token: 'WrongToken' });
      expect(wrongCorp.status).toBe(401);
      expect(badSig.status).toBe(401);
      expect(wrongCorp.body).toBe(badSig.body);
    });

    it('malformed XML → 400', async () => {
      const sealed = sealCallback(textXml('u', 'x'));
      expect((await t.post(`/wecom/callback?${sealed.query}`, '<xml><Encrypt>abc</xml>')).status).toBe(400);
      expect((await t.post(`/wecom/callback?${sealed.query}`, '')).status).toBe(400);
    });

    it('a correctly signed and encrypted but malformed inner XML → 400', async () => {
      const res = await t.callback('<xml><MsgType>text</MsgType>');
      expect(res.status).toBe(400);
    });

    it('entity-expansion XML → 400, without expanding anything', async () => {
      const bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>';
      const sealed = sealCallback(textXml('u', 'x'));
      const res = await t.post(`/wecom/callback?${sealed.query}`, bomb);
      expect(res.status).toBe(400);
      expect(res.body).not.toMatch(/at .*\.ts|Error/);
    });

    it('a body over 64 KiB → 413', async () => {
      const sealed = sealCallback(textXml('u', 'x'));
      const res = await t.post(`/wecom/callback?${sealed.query}`, `<xml><Encrypt>${'A'.repeat(70 * 1024)}</Encrypt></xml>`);
      expect(res.status).toBe(413);
    });

    it('missing query parameters → 400, never 500', async () => {
      const res = await t.post('/wecom/callback', '<xml><Encrypt>a</Encrypt></xml>');
      expect(res.status).toBe(400);
    });

    afterEach(async () => {
      expect(await inboxCount(t)).toBe(0);
    });
  });

  it('parks a row whose handler keeps failing and lists it for the admin', async () => {
    t.bot.router.use(async (ctx, next) => {
      if (ctx.event.kind === 'message.text' && ctx.event.text === '炸') throw new Error('boom in handler');
      await next();
    });
    await t.callback(textXml('wangwu', '炸'));
    // Attempts back off 1 s, 2 s …: move the one clock forward instead of waiting.
    for (let i = 0; i < 5; i++) {
      await t.bot.runner.runNow('inbox');
      t.clock.advance(10_000);
    }
    await t.bot.runner.runNow('inbox');
    const unauth = await t.get('/api/inbox?status=failed');
    expect(unauth.status).toBe(401);
    const res = await t.get('/api/inbox?status=failed', { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(res.status).toBe(200);
    const items = JSON.parse(res.body).items as { userId: string; attempts: number; lastError: string }[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ userId: 'wangwu', attempts: 3, lastError: expect.stringContaining('boom in handler') });
    expect(wecom.sent).toHaveLength(0); // nothing half-done was sent
  });
});

describe('crash recovery', () => {
  it('rows claimed by a worker that died are handled after restart, once', async () => {
    const wecom = mockWecom();
    const db = await openTestDatabase('postgres');
    try {
      // Instance A accepts callbacks; its worker claims them and "dies" before handling (we never handle).
      const a = await startTestBot({ db, inboxLeaseMs: 30_000, sweepMs: 60_000, beforeStart: (bot) => {
        bot.runner.define('inbox', async () => undefined); // A's worker never runs
      } });
      for (let i = 0; i < 5; i++) expect((await a.callback(textXml(`crash${i}`, '你好'))).status).toBe(200);
      const claimed = await a.bot.inbox.claim(a.clock.now(), 10, 30_000);
      expect(claimed).toHaveLength(5);
      await a.stop({ keepDatabase: true });

      // Instance B starts on the same database 31 s later: the leases have expired.
      const b = await startTestBot({ db, inboxLeaseMs: 30_000 });
      b.clock.advance(31_000);
      await b.bot.runner.runNow('inbox');
      await waitFor(() => wecom.sent.length === 5, 'five replies after restart');
      await b.bot.runner.runNow('inbox');
      await new Promise((r) => setTimeout(r, 200));
      expect(wecom.sent.map((m) => m.touser).sort()).toEqual(['crash0', 'crash1', 'crash2', 'crash3', 'crash4']);
      await b.stop({ keepDatabase: true });
    } finally {
      await db.close();
      wecom.done();
    }
  });
});
