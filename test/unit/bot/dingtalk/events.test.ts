import type { CardModel } from '../../../../bot/channel';
import { DingtalkCallbackError } from '../../../../bot/dingtalk/errors';
import { fromCardCallback, fromEvent, fromRobotMessage } from '../../../../bot/dingtalk/events';
import { cardNonce, fallbackCard, parseFallbackAction, robotPayload, templateParams } from '../../../../bot/dingtalk/renderer';
import { cardCallback, robotMessage } from '../../../helpers/dingtalk';

const NOW = Date.UTC(2026, 10, 30, 2, 0, 0);
const card: CardModel = {
  id: 'task-42-escalation', source: '销售流程助手', title: '李娜的客户跟进已超时', fields: [{ label: '客户', value: '华夏医疗' }, { label: '超时', value: '26小时' }],
  note: '请尽快处理', buttons: [{ label: '催办', key: 'urge:42', style: 'primary' }, { label: '延期一天', key: 'extend:42:1' }],
};

describe('DingTalk payloads → neutral events', () => {
  it('a robot text becomes message.text keyed on msgId; the sender is senderStaffId', () => {
    const { event, key } = fromRobotMessage(robotMessage('lina', ' 华夏医疗 进入 方案 ', 'msgA1'), NOW);
    expect(event).toMatchObject({ channel: 'dingtalk', kind: 'message.text', userId: 'lina', msgId: 'msgA1', text: '华夏医疗 进入 方案' });
    expect(key).toBe('dt:msg:msgA1');
  });

  it('a picture becomes an unknown event with its download code, still keyed on msgId', () => {
    const m = { ...robotMessage('lina', ''), msgtype: 'picture', content: { downloadCode: 'dc1' }, msgId: 'p1' };
    const { event, key } = fromRobotMessage(m, NOW);
    expect(event).toMatchObject({ kind: 'unknown', type: 'picture', raw: { downloadCode: 'dc1' } });
    expect(key).toBe('dt:msg:p1');
  });

  it('refuses a message without msgId or senderStaffId as malformed', () => {
    expect(() => fromRobotMessage({ ...robotMessage('lina', 'x'), msgId: undefined }, NOW)).toThrow(DingtalkCallbackError);
    expect(() => fromRobotMessage({ ...robotMessage('lina', 'x'), senderStaffId: '' }, NOW)).toThrow(DingtalkCallbackError);
    expect(() => fromRobotMessage('{not json', NOW)).toThrow(DingtalkCallbackError);
  });

  it('a card click becomes card.action; redelivery and double click share a key, the updated card does not', () => {
    const v = cardNonce(card);
    const a = fromCardCallback(cardCallback(card.id, 'zhangwei', { action: 'urge:42', v }), NOW);
    const b = fromCardCallback(cardCallback(card.id, 'zhangwei', { action: 'urge:42', v }), NOW + 5000);
    expect(a.event).toMatchObject({ kind: 'card.action', userId: 'zhangwei', key: 'urge:42', card: { channel: 'dingtalk', id: card.id }, values: {} });
    expect(a.key).toBe(b.key);
    const updated = { ...card, note: '张伟已催办' };
    const c = fromCardCallback(cardCallback(card.id, 'zhangwei', { action: 'urge:42', v: cardNonce(updated) }), NOW);
    expect(c.key).not.toBe(a.key);
  });

  it('select values arrive as arrays', () => {
    const { event } = fromCardCallback(cardCallback('c1', 'lina', { action: 'pick', v: '0123abcd', stage: 'proposal' }), NOW);
    expect(event).toMatchObject({ values: { stage: ['proposal'] } });
  });

  it('directory events become one contact.changed per member, keyed on the event id', () => {
    const items = fromEvent({ UserId: ['lina', 'wangfang'], CorpId: 'ding1' }, { eventType: 'user_modify_org', eventId: 'e1' }, NOW);
    expect(items.map((i) => [i.event.kind, (i.event as { change?: string }).change, (i.event as { subjectUserId?: string }).subjectUserId, i.key])).toEqual([
      ['contact.changed', 'update_user', 'lina', 'dt:evt:e1:lina'], ['contact.changed', 'update_user', 'wangfang', 'dt:evt:e1:wangfang'],
    ]);
    const dept = fromEvent({ EventType: 'org_dept_remove', DeptId: [7], TimeStamp: '1700000000000' }, {}, NOW);
    expect(dept[0]!.event).toMatchObject({ change: 'delete_party', departmentId: '7', createTime: 1700000000 });
    expect(fromEvent({ EventType: 'bpms_task_change' }, {}, NOW)[0]!.event.kind).toBe('unknown');
  });
});

describe('renderer', () => {
  it('template variables are all strings and carry the buttons and the nonce', () => {
    const p = templateParams(card);
    expect(Object.values(p).every((v) => typeof v === 'string')).toBe(true);
    expect(p).toMatchObject({ title: card.title, btn1_text: '催办', btn1_action: 'urge:42', btn1_show: 'true', btn3_show: 'false', nonce: cardNonce(card), has_select: 'false' });
    expect(JSON.parse(p.fields!)).toEqual(card.fields);
  });

  it('a fallback card puts each button in a dtmd link whose text parses back to the action', () => {
    const { msgKey, msgParam } = fallbackCard(card);
    expect(msgKey).toBe('sampleActionCard2');
    expect(msgParam.text).toContain('华夏医疗');
    const url = msgParam.actionURL1!;
    expect(url.startsWith('dtmd://dingtalkclient/sendMessage?content=')).toBe(true);
    const sent = decodeURIComponent(url.split('content=')[1]!);
    expect(sent.startsWith('催办 ')).toBe(true);
    expect(parseFallbackAction(sent)).toEqual({ cardId: card.id, key: 'urge:42', nonce: cardNonce(card), values: {} });
    expect(parseFallbackAction('华夏医疗 进入 方案')).toBeNull();
  });

  it('a fallback select lists each option as a link carrying its value; the message becomes a fallback card action', () => {
    const withSelect: CardModel = { ...card, buttons: [], select: { key: 'stage', label: '选择阶段', options: [{ id: 'proposal', label: '方案' }], submit: { label: '确定', key: 'move:42' } } };
    const { msgKey, msgParam } = fallbackCard(withSelect);
    expect(msgKey).toBe('sampleMarkdown');
    const link = /\]\((dtmd:[^)]+)\)/.exec(msgParam.text!)![1]!;
    const text = decodeURIComponent(link.split('content=')[1]!);
    const { event } = fromRobotMessage(robotMessage('lina', text), NOW);
    expect(event).toMatchObject({ kind: 'card.action', key: 'move:42', values: { stage: ['proposal'] }, card: { id: card.id, token: 'user:lina' } });
  });

  it('plain messages map to robot msgKeys', () => {
    expect(robotPayload({ type: 'text', text: '你好' })).toEqual({ msgKey: 'sampleText', msgParam: { content: '你好' } });
    expect(robotPayload({ type: 'markdown', title: 't', text: '**x**' }).msgKey).toBe('sampleMarkdown');
    expect(robotPayload({ type: 'link', title: 't', description: 'd', url: 'https://x' }).msgParam).toMatchObject({ messageUrl: 'https://x' });
  });
});
