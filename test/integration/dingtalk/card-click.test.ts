/**
 * A card click on DingTalk, end to end at the channel level: the interactive card is delivered, the member
 * clicks (twice, and DingTalk redelivers the frame after our ack was lost), the inbox holds one row, the action
 * runs once, and the card is updated in place once.
 */
import { AdjustableClock } from '../../../app/clock';
import { TEST_START } from '../../helpers/env';
import type { CardActionEvent, CardModel } from '../../../bot/channel';
import { createDingtalkStack, type DingtalkStack } from '../../../bot/dingtalk/stack';
import { cardNonce } from '../../../bot/dingtalk/renderer';
import type { FakeDingtalk } from '../../../bot/dingtalk/fake';
import { cardCallback, dingtalkConfig, quietLog, startFake, testInbox, TEMPLATE_ID, until } from '../../helpers/dingtalk';

const card: CardModel = {
  id: 'esc-42-1', title: '李娜的客户跟进已超时', fields: [{ label: '客户', value: '华夏医疗' }],
  buttons: [{ label: '催办', key: 'urge:42', style: 'primary' }],
};

describe('DingTalk card click → action once, card updated in place once', () => {
  let fake: FakeDingtalk;
  let box: Awaited<ReturnType<typeof testInbox>>;
  let dt: DingtalkStack;

  beforeAll(async () => {
    fake = await startFake({ redeliverMs: 300 });
    box = await testInbox();
    dt = createDingtalkStack(dingtalkConfig(fake.base, { cardTemplateId: TEMPLATE_ID }), {
      clock: new AdjustableClock(TEST_START), log: quietLog, accept: box.accept, onAccepted: () => undefined,
      stream: { backoffInitialMs: 50, backoffMaxMs: 200 },
    });
    await dt.start();
  });
  afterAll(async () => {
    await dt.stop();
    await fake.close();
    await box.db.close();
  });

  it('double click plus a duplicate delivery: one inbox row, one action, one update', async () => {
    expect((await dt.channel.send('zhangwei', { type: 'card', card }, 'send-1')).ok).toBe(true);
    const click = cardCallback(card.id, 'zhangwei', { action: 'urge:42', v: cardNonce(card) });
    const first = fake.gateway.pushCardCallback(click);
    const second = fake.gateway.pushCardCallback(click); // the member clicked again before the card changed
    await until(() => fake.gateway.acked(first) && fake.gateway.acked(second), 5000, 'acks');
    fake.gateway.duplicate(first); // and DingTalk delivers the first frame once more
    await new Promise((r) => setTimeout(r, 200));

    // The inbox worker's part, reduced to its essentials: claim, act, update the card, mark done.
    const actions: string[] = [];
    for (;;) {
      const rows = await box.inbox.claim(TEST_START, 10, 30_000);
      if (!rows.length) break;
      for (const row of rows) {
        const e = row.payload as CardActionEvent;
        actions.push(`${e.userId}:${e.key}`);
        const r = await dt.channel.updateCard(e.card, { type: 'replace', card: { ...card, note: '张伟已催办', buttons: [] } }, `upd-${row.id}`);
        expect(r.ok).toBe(true);
        await box.inbox.markDone(box.db.db, row, TEST_START);
      }
    }
    expect(actions).toEqual(['zhangwei:urge:42']);
    expect(fake.state.cards.get(card.id)).toMatchObject({ updates: 1, params: { note: '张伟已催办', has_buttons: 'false' } });
    expect(fake.gateway.ack(first)).toEqual({ response: {} });
  });
});
