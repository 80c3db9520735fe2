/**
 * The DingTalk sandbox's members: typing to the robot and pressing card buttons reach the bot as DingTalk would
 * send them (Stream frames), and their chat shows what the bot sent, cards with the buttons still pressable.
 */
import { AdjustableClock } from '../../../app/clock';
import { TEST_START } from '../../helpers/env';
import type { CardModel } from '../../../bot/channel';
import { createDingtalkStack, type DingtalkStack } from '../../../bot/dingtalk/stack';
import type { FakeDingtalk } from '../../../bot/dingtalk/fake';
import { createDingtalkMembers, DingtalkSandboxError, SANDBOX_DINGTALK_TEMPLATE, startSandboxDingtalk } from '../../../sandbox/dingtalk';
import { dingtalkConfig, quietLog, testInbox } from '../../helpers/dingtalk';

const card: CardModel = {
  id: 'warn-1', title: '【预警】李晓明的客户痛点记录已超时', fields: [{ label: '客户', value: '瑞安康复医院' }],
  buttons: [{ label: '催办', key: 'task:1:nudge:1' }, { label: '延期', key: 'task:1:extend:1' }],
};

describe('DingTalk sandbox members', () => {
  let fake: FakeDingtalk;
  let box: Awaited<ReturnType<typeof testInbox>>;
  let dt: DingtalkStack;
  let members: ReturnType<typeof createDingtalkMembers>;

  beforeAll(async () => {
    fake = await startSandboxDingtalk({ now: () => new Date('2026-11-30T02:00:00Z') });
    box = await testInbox();
    dt = createDingtalkStack(dingtalkConfig(fake.base, { cardTemplateId: SANDBOX_DINGTALK_TEMPLATE }), {
      clock: new AdjustableClock(TEST_START), log: quietLog, accept: box.accept, onAccepted: () => undefined,
    });
    await dt.start();
    members = createDingtalkMembers(fake);
  });
  afterAll(async () => {
    await dt.stop();
    await fake.close();
    await box.db.close();
  });

  it('a member types: the bot has it stored when say() returns', async () => {
    await members.say('lixiaoming', '新客户 瑞安康复医院 康复');
    expect((await box.rows()).map((r) => r.payload)).toEqual([expect.objectContaining({ kind: 'message.text', userId: 'lixiaoming', text: '新客户 瑞安康复医院 康复' })]);
    await expect(members.say('nobody', 'x')).rejects.toBeInstanceOf(DingtalkSandboxError);
  });

  it('cards show their pressable keys; pressing sends the callback; a closed card cannot be pressed', async () => {
    await box.clear();
    await dt.channel.send('zhanghui', { type: 'card', card }, 'k');
    const shown = members.inbox('zhanghui').at(-1)!;
    expect(shown).toMatchObject({ msgtype: 'card', taskId: 'warn-1', keys: ['task:1:nudge:1', 'task:1:extend:1'] });
    expect(shown.text).toMatch(/预警/);
    await members.press('zhanghui', 'warn-1', 'task:1:nudge:1');
    expect((await box.rows()).map((r) => r.payload)).toEqual([expect.objectContaining({ kind: 'card.action', key: 'task:1:nudge:1', card: { channel: 'dingtalk', id: 'warn-1' } })]);
    await expect(members.press('zhanghui', 'warn-1', 'task:1:close:1')).rejects.toThrow(/no button/);
    await dt.channel.updateCard({ channel: 'dingtalk', id: 'warn-1' }, { type: 'disable', label: '张慧已催办' }, 'u');
    expect(members.inbox('zhanghui').at(-1)).toMatchObject({ keys: [], replaceName: '张慧已催办' });
    await expect(members.press('zhanghui', 'warn-1', 'task:1:extend:1')).rejects.toThrow(/closed/);
  });

  it('fallback cards (no template) are pressed through their links', async () => {
    await box.clear();
    const plain = createDingtalkStack(dingtalkConfig(fake.base), { clock: new AdjustableClock(TEST_START), log: quietLog, accept: box.accept, onAccepted: () => undefined });
    await plain.channel.send('zhanghui', { type: 'card', card: { ...card, id: 'warn-2' } }, 'k2');
    expect(members.inbox('zhanghui').at(-1)).toMatchObject({ taskId: 'warn-2', keys: ['task:1:nudge:1', 'task:1:extend:1'] });
    await members.press('zhanghui', 'warn-2', 'task:1:extend:1');
    expect((await box.rows()).map((r) => r.payload)).toEqual([expect.objectContaining({ kind: 'card.action', key: 'task:1:extend:1', card: { channel: 'dingtalk', id: 'warn-2', token: 'user:zhanghui' } })]);
  });
});
