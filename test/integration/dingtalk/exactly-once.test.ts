/**
 * Issue 15 on DingTalk: a re-sent outbox row carries the same outTrackId (the card's id, fixed when the row was
 * written), a card is delivered once whatever happened between delivery and `sent`, and an effectful call whose
 * outcome is unknown is never repeated blindly inside the client. Against the fake DingTalk.
 */
import type { CardModel } from '../../../bot/channel';
import type { FakeDingtalk } from '../../../bot/dingtalk/fake';
import { createDingtalkStack } from '../../../bot/dingtalk/stack';
import { AdjustableClock } from '../../../app/clock';
import { dingtalkConfig, quietLog, startFake, TEMPLATE_ID } from '../../helpers/dingtalk';

const T0 = new Date('2026-11-30T02:00:00Z');
const card: CardModel = {
  id: 'esc-77-1', source: '销售流程助手', title: '李娜的客户跟进已超时', fields: [{ label: '客户', value: '华夏医疗' }],
  buttons: [{ label: '催办', key: 'urge:77', style: 'primary' }, { label: '延期一天', key: 'extend:77:1' }],
};

describe('DingTalk: every card once, no blind repeat of a send', () => {
  let fake: FakeDingtalk;
  beforeEach(async () => {
    fake = await startFake({ clock: new AdjustableClock(T0, { frozen: true }) });
  });
  afterEach(() => fake.close());

  const stack = (cardTemplateId?: string) => createDingtalkStack(dingtalkConfig(fake.base, cardTemplateId ? { cardTemplateId } : {}), {
    clock: new AdjustableClock(T0, { frozen: true }), log: quietLog, accept: async () => ({ duplicate: false }), onAccepted: () => undefined,
    sleep: async () => undefined,
  });
  const calls = (path: string) => fake.state.calls.filter((c) => c.path === path).length;
  const cardsSeen = (userId: string) => fake.state.chat.filter((e) => e.userId === userId && e.via === 'card').length;

  it('a card row re-sent after a crash between delivery and `sent` reaches the member once, and a click since is kept', async () => {
    const s = stack(TEMPLATE_ID);
    expect(await s.channel.send('zhangwei', { type: 'card', card }, 'outbox:41')).toEqual({ ok: true, platformId: card.id });
    // The member clicks; the card is greyed out. Then the process that sent it dies before marking the row sent.
    expect((await s.channel.updateCard({ channel: 'dingtalk', id: card.id }, { type: 'disable', label: '已催办' }, 'outbox:42')).ok).toBe(true);
    const restarted = stack(TEMPLATE_ID); // a new process: nothing remembered but the row
    expect(await restarted.channel.send('zhangwei', { type: 'card', card }, 'outbox:41')).toEqual({ ok: true, platformId: card.id });
    expect(calls('/v1.0/card/instances/createAndDeliver')).toBe(1);
    expect(fake.state.cards.get(card.id)).toMatchObject({ deliveries: 1, params: { status: '已催办', btn1_show: 'false' } });
    expect(cardsSeen('zhangwei')).toBe(1);
  });

  it('createAndDeliver whose answer is lost (DingTalk did it, answered 500): not repeated in the call; the row’s re-send finds the card', async () => {
    const s = stack(TEMPLATE_ID);
    fake.state.failNext.push({ path: '/v1.0/card/instances/createAndDeliver', times: 1, status: 500, body: { code: 'InternalError', message: 'x' }, after: true });
    expect(await s.channel.send('zhangwei', { type: 'card', card }, 'outbox:43')).toMatchObject({ ok: false, retry: 'later', code: 'InternalError' });
    expect(calls('/v1.0/card/instances/createAndDeliver')).toBe(1); // no blind retry inside the client
    expect(await s.channel.send('zhangwei', { type: 'card', card }, 'outbox:43')).toEqual({ ok: true, platformId: card.id });
    expect(calls('/v1.0/card/instances/createAndDeliver')).toBe(1);
    expect(fake.state.cards.get(card.id)!.deliveries).toBe(1);
    expect(cardsSeen('zhangwei')).toBe(1);
  });

  it('a card that never arrived (DingTalk refused it) is delivered by the re-send', async () => {
    const s = stack(TEMPLATE_ID);
    fake.state.failNext.push({ path: '/v1.0/card/instances/createAndDeliver', times: 1, status: 500, body: { code: 'InternalError', message: 'x' } });
    expect((await s.channel.send('zhangwei', { type: 'card', card }, 'outbox:44')).ok).toBe(false);
    expect(fake.state.cards.has(card.id)).toBe(false);
    expect((await s.channel.send('zhangwei', { type: 'card', card }, 'outbox:44')).ok).toBe(true);
    expect(fake.state.cards.get(card.id)!.deliveries).toBe(1);
  });

  it('a robot message whose outcome is unknown (a proxy’s 502) is not repeated in the call; DingTalk’s own 503 (busy, nothing done) is', async () => {
    const s = stack();
    const path = '/v1.0/robot/oToMessages/batchSend';
    fake.state.failNext.push({ path, times: 1, status: 502, body: '<html>Bad Gateway</html>', after: true });
    expect(await s.channel.send('lina', { type: 'text', text: '早上好' }, 'outbox:45')).toMatchObject({ ok: false, retry: 'later' });
    expect(calls(path)).toBe(1);
    expect(fake.state.robotMessages.filter((m) => m.userId === 'lina')).toHaveLength(1); // it went out; the outbox decides
    fake.state.failNext.push({ path, times: 1, status: 503, body: { code: 'ServiceUnavailable', message: 'busy' } });
    expect((await s.channel.send('lina', { type: 'text', text: '午安' }, 'outbox:46')).ok).toBe(true);
    expect(calls(path)).toBe(3);
  });
});
