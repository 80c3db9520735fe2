/**
 * Delivery: every outbound message ends sent, merged into a digest, or visibly failed — never silently lost.
 * Runs on real PostgreSQL with the bull runner on real Redis; WeCom's API is nock'd.
 */
import { startTestBot, type TestBot } from '../helpers/bot';
import { ADMIN_TOKEN, mockWecom, textXml, waitFor, type SentMessage } from '../helpers/wecom';

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
        recipient: 'zhaoliu', kind: 'message' as const, messageType: 'text',
        body: { type: 'text', text: `预警 ${i + 1}：客户痛点记录已超时` }, summary: `预警 ${i + 1}：客户痛点记录已超时`,
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

  it('replies to a person’s own messages are never merged: over the limit they wait for the window and go out whole', async () => {
    const wecom = mockWecom();
    try {
      t = await startTestBot({ redis: true });
      for (let i = 0; i < 40; i++) expect((await t.callback(textXml('zhaoliu', `问题${i}`))).status).toBe(200);
      await waitFor(async () => (await outbox(t, 'sent')).length + (await outbox(t, 'pending')).length >= 40 &&
        (await outbox(t, 'sending')).length === 0 && wecom.sent.length === 30, 'the first minute’s budget is spent', 20_000);
      await t.bot.runner.runNow('inbox');
      await t.bot.runner.runNow('outbox');
      expect(wecom.sent).toHaveLength(30);

      t.clock.advance(61_000); // the minute window frees up
      await t.bot.runner.runNow('outbox');
      expect(await outbox(t, 'pending')).toHaveLength(0);
      expect(await outbox(t, 'merged')).toHaveLength(0);
      expect(wecom.sent).toHaveLength(40); // every answer on its own, none folded into a 【消息合并】 digest
      expect(wecom.sent.some((m) => /条新通知/.test((m.text as { content: string }).content))).toBe(false);
    } finally {
      wecom.done();
    }
  });

  it('a person’s own answer is never merged and goes first when the window frees; notices are merged, each item a whole line', async () => {
    const wecom = mockWecom();
    try {
      t = await startTestBot({ redis: true });
      const long = (i: number) => `${i}号：客户“华夏医疗”的客户痛点记录已超过截止时间 12月1日 10:00，请尽快提交：客户最焦虑的3个问题、现场承诺的交付物、下次联系时间`;
      const notices = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({
        recipient: 'qianliu', kind: 'message' as const, messageType: 'text', cause: 'timer:1',
        body: { type: 'text', text: long(from + k) }, summary: long(from + k).slice(0, 60),
      }));
      await t.bot.outbox.enqueue(t.db.db, notices(1, 40), t.clock.now());
      await t.bot.runner.runNow('outbox');
      const text = (m: SentMessage) => (m.text as { content: string }).content;
      expect(wecom.sent).toHaveLength(30); // the busy rep's budget is spent
      const digest = text(wecom.sent[29]!);
      const items = digest.split('\n').filter((l) => /^\d+\. \d+号：/.test(l));
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(item.endsWith('下次联系时间')).toBe(true); // whole lines, never cut mid-sentence

      expect((await t.callback(textXml('qianliu', '帮助'))).status).toBe(200);
      await t.bot.runner.runNow('inbox');
      await t.bot.outbox.enqueue(t.db.db, notices(41, 5), t.clock.now());
      await t.bot.runner.runNow('outbox');
      expect(wecom.sent).toHaveLength(30); // WeCom's limit holds for answers too

      t.clock.advance(61_000);
      await t.bot.runner.runNow('outbox');
      const later = wecom.sent.slice(30).map(text);
      expect(later[0]).toContain('可以这样说'); // the answer to 帮助 first, on its own
      expect(later.slice(1).every((c) => /条新通知/.test(c))).toBe(true); // the notices that waited: one digest
      expect(later).toHaveLength(2);
    } finally {
      wecom.done();
    }
  });

  it('a member whose budget is spent is not planned again until it frees; a card update still goes at once', async () => {
    const wecom = mockWecom();
    try {
      t = await startTestBot({ redis: true });
      const notice = (i: number) => ({
        recipient: 'zhouba', kind: 'message' as const, messageType: 'text', cause: 'timer:1',
        body: { type: 'text', text: `预警 ${i}` }, summary: `预警 ${i}`,
      });
      await t.bot.outbox.enqueue(t.db.db, Array.from({ length: 30 }, (_, i) => notice(i + 1)), t.clock.now());
      await t.bot.runner.runNow('outbox');
      expect(wecom.sent).toHaveLength(30); // the minute's budget, spent
      await t.bot.outbox.enqueue(t.db.db, [notice(31)], t.clock.now());
      await t.bot.runner.runNow('outbox'); // planned once: held back until the window frees
      expect(wecom.sent).toHaveLength(30);

      const plans = jest.spyOn(t.bot.outbox, 'planRecipient');
      await t.bot.outbox.enqueue(t.db.db, [notice(32), notice(33), notice(34)], t.clock.now());
      await t.bot.runner.runNow('outbox');
      expect(plans).not.toHaveBeenCalled(); // known to be spent: held back without a plan
      expect(wecom.sent).toHaveLength(30);
      await t.bot.outbox.enqueue(t.db.db, [{ recipient: 'zhouba', kind: 'card_update', messageType: 'disable', body: { type: 'disable', label: '已处理' }, summary: '卡片已更新', cardId: 'c1', cardToken: 'rc1' }], t.clock.now());
      await t.bot.runner.runNow('outbox');
      expect(wecom.updates).toHaveLength(1); // not message/send: no budget holds it
      expect(plans).toHaveBeenCalledTimes(1);
      plans.mockRestore();

      t.clock.advance(61_000);
      await t.bot.runner.runNow('outbox');
      const later = wecom.sent.slice(30).map((m) => (m.text as { content: string }).content);
      expect(later).toHaveLength(1); // the four that waited: one digest, none lost
      expect(later[0]).toMatch(/您有 4 条新通知/);
      expect(await outbox(t, 'pending')).toHaveLength(0);
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
