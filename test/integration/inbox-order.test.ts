/**
 * A person who sends two messages in quick succession gets both answered, in order, by one drain: the second becomes
 * claimable only when the first is done, and the worker claims again rather than leaving it for the next sweep.
 */
import { mockWecom } from '../helpers/wecom';
import { startTestBot, type TestBot } from '../helpers/bot';

describe('one person’s messages (PostgreSQL)', () => {
  let t: TestBot;
  afterEach(async () => {
    await t?.stop();
  });

  it('two messages waiting in the inbox are both handled by one drain, in the order they were sent', async () => {
    const wecom = mockWecom();
    try {
      t = await startTestBot({ sweepMs: 600_000 }); // no sweep to rescue a message left behind
      const now = t.clock.now();
      const event = (msgId: string, text: string) => ({ channel: 'wecom', kind: 'message.text', userId: 'zhangsan', createTime: Math.floor(now.getTime() / 1000), msgId, text });
      for (const [id, text] of [['m1', '帮助'], ['m2', '你好呀']] as const) {
        await t.bot.inbox.accept({ dedupeKey: `wecom:${id}`, kind: 'message.text', userId: 'zhangsan', payload: event(id, text) }, now);
      }
      await t.bot.runner.runNow('inbox');
      // The replies leave as their handlers commit (the outbox's express lane); the outbox drain waits for them, so
      // none is still on its way to WeCom's (mocked) API when the mock is taken down.
      await t.bot.runner.runNow('outbox');
      expect(wecom.sent.filter((m) => m.touser === 'zhangsan')).toHaveLength(2);
      const open = await t.bot.inbox.list({ status: 'pending' });
      expect(open).toHaveLength(0);
      const done = (await t.bot.inbox.list({ status: 'done' })).sort((a, b) => a.id - b.id);
      expect(done.map((r) => r.dedupeKey)).toEqual(['wecom:m1', 'wecom:m2']);
      expect(done[0]!.handledAt!.getTime()).toBeLessThanOrEqual(done[1]!.handledAt!.getTime());
    } finally {
      wecom.done();
    }
  });
});
