/**
 * Delivery: every outbound message ends sent, merged into a digest, or visibly failed — never silently lost.
 * Runs on real PostgreSQL with the bull runner on real Redis; WeCom's API is nock'd.
 */
import { startTestBot, type TestBot } from '../helpers/bot';
import { ADMIN_TOKEN, mockWecom, textXml, waitFor } from '../helpers/wecom';

async function outbox(t: TestBot, status: string) {
  const res = await t.get(`/api/outbox?status=${status}&limit=1000`, { authorization: `Bearer ${ADMIN_TOKEN}` });
  expect(res.status).toBe(200);
  return JSON.parse(res.body).items as { id: number; recipient: string; status: string; lastErrcode: number | null; summary: string; mergedInto: number | null }[];
}

describe('outbox delivery (bull on Redis, PostgreSQL)', () => {
  let t: TestBot;
  afterEach(async () => {
    await t?.stop();
  });

  it('a burst of 40 notifications to one member goes out as 29 messages and one digest of the other 11', async () => {
    const wecom = mockWecom();
    try {
      t = await startTestBot({ redis: true });
      const now = t.clock.now();
      // e.g. forty warnings to one supervisor, written in one transaction by a scheduler
      await t.bot.outbox.enqueue(t.db.db, Array.from({ length: 40 }, (_, i) => ({
        recipient: 'zhaoliu', kind: 'message' as const, msgtype: 'text',
        body: { msgtype: 'text', text: { content: `预警 ${i + 1}：客户痛点记录已超时` } }, summary: `预警 ${i + 1}：客户痛点记录已超时`,
      })), now);
      await t.bot.runner.runNow('outbox');
      const toHim = wecom.sent.filter((m) => m.touser === 'zhaoliu');
      expect(toHim).toHaveLength(30); // WeCom's per-member limit, never exceeded
      const digest = (toHim[29]!.text as { content: string }).content;
      expect(digest).toMatch(/您有 11 条新通知/);
      expect(digest).toContain('预警 30：');
      expect(digest).toContain('预警 40：');
      const merged = await outbox(t, 'merged');
      expect(merged).toHaveLength(11);
      expect(new Set(merged.map((m) => m.mergedInto)).size).toBe(1);
    } finally {
      wecom.done();
    }
  });

  it('messages that trickle in over the limit wait for the window and are then merged, never dropped', async () => {
    const wecom = mockWecom();
    try {
      t = await startTestBot({ redis: true });
      for (let i = 0; i < 40; i++) expect((await t.callback(textXml('zhaoliu', `问题${i}`))).status).toBe(200);
      await waitFor(async () => (await outbox(t, 'sent')).length + (await outbox(t, 'pending')).length +
        (await outbox(t, 'merged')).length >= 40 && (await outbox(t, 'sending')).length === 0 &&
        wecom.sent.length === 30, 'the first minute’s budget is spent', 20_000);
      await t.bot.runner.runNow('inbox');
      await t.bot.runner.runNow('outbox');
      expect(wecom.sent).toHaveLength(30);

      t.clock.advance(61_000); // the minute window frees up
      await t.bot.runner.runNow('outbox');
      expect(await outbox(t, 'pending')).toHaveLength(0);
      const originals = (await outbox(t, 'sent')).concat(await outbox(t, 'merged')).filter((r) => r.summary.startsWith('没有看懂'));
      expect(originals).toHaveLength(40); // each reply was sent or merged into a digest that was sent
      expect(wecom.sent.length).toBeLessThanOrEqual(32);
      const digests = wecom.sent.filter((m) => /条新通知/.test((m.text as { content: string }).content));
      expect(digests.length).toBeGreaterThanOrEqual(1);
    } finally {
      wecom.done();
    }
  });

  it('45009 (frequency limit) is retried later, and the message is delivered', async () => {
    const wecom = mockWecom({ sendReply: (_b, n) => (n === 1 ? [200, { errcode: 45009, errmsg: 'api freq out of limit' }] : [200, { errcode: 0, errmsg: 'ok' }]) });
    try {
      t = await startTestBot();
      await t.callback(textXml('sunqi', '你好'));
      await waitFor(async () => wecom.sent.length >= 1, 'first attempt');
      await t.bot.runner.runNow('outbox');
      // The client backs off and retries 45009 itself (sleeps are instant in tests), so the message goes out.
      await waitFor(async () => (await outbox(t, 'sent')).length === 1, 'delivered after backoff');
      expect(wecom.sent.length).toBeGreaterThanOrEqual(2);
    } finally {
      wecom.done();
    }
  });

  it('a configuration error (40001) parks the message as failed with its errcode, visible to the admin, and retry re-sends it', async () => {
    let broken = true;
    const wecom = mockWecom({ sendReply: () => (broken ? [200, { errcode: 40001, errmsg: 'invalid credential' }] : [200, { errcode: 0, errmsg: 'ok' }]) });
    try {
      t = await startTestBot();
      await t.callback(textXml('zhouba', '你好'));
      await waitFor(async () => (await outbox(t, 'failed')).length === 1, 'parked as failed');
      const [failed] = await outbox(t, 'failed');
      expect(failed).toMatchObject({ recipient: 'zhouba', lastErrcode: 40001 });
      const attempts = wecom.sent.length;
      await t.bot.runner.runNow('outbox');
      expect(wecom.sent.length).toBe(attempts); // no retry storm on a configuration error

      broken = false; // the operator fixed the secret
      const retry = await t.post(`/api/outbox/${failed!.id}/retry`, '', { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(retry.status).toBe(200);
      await waitFor(async () => (await outbox(t, 'sent')).length === 1, 'sent after retry');
    } finally {
      wecom.done();
    }
  });

  it('a transient failure (-1) keeps the message pending and delivers it when WeCom recovers', async () => {
    let down = true;
    const wecom = mockWecom({ sendReply: () => (down ? [200, { errcode: -1, errmsg: 'system busy' }] : [200, { errcode: 0, errmsg: 'ok' }]) });
    try {
      t = await startTestBot();
      await t.callback(textXml('wujiu', '你好'));
      await waitFor(async () => wecom.sent.length >= 3, 'the client tried three times');
      await waitFor(async () => (await outbox(t, 'pending')).length === 1, 'back to pending with a backoff');
      down = false;
      t.clock.advance(10 * 60_000);
      await t.bot.runner.runNow('outbox');
      await waitFor(async () => (await outbox(t, 'sent')).length === 1, 'delivered after recovery');
    } finally {
      wecom.done();
    }
  });
});
