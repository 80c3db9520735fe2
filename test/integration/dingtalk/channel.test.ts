/**
 * The DingTalk channel and API client against the fake DingTalk: tokens of both families, error shapes, robot 1:1
 * with its invalid / flow-controlled lists, work notices that never fall into DingTalk's silent drops, media,
 * interactive and fallback cards, the directory and 免登, and the monthly call count.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import client from 'prom-client';
import type { CardModel, OutMessage } from '../../../bot/channel';
import { outboxRows } from '../../../usecases/emit';
import { fetchDingtalkDirectory, personFromDingtalk, dingtalkLeaders } from '../../../bot/dingtalk/directory';
import type { FakeDingtalk } from '../../../bot/dingtalk/fake';
import { cardNonce } from '../../../bot/dingtalk/renderer';
import { createDingtalkStack } from '../../../bot/dingtalk/stack';
import { createMemoryWorkNoticeStore } from '../../../bot/dingtalk/work-notice';
import { AdjustableClock } from '../../../app/clock';
import { dingtalkConfig, quietLog, startFake, TEMPLATE_ID } from '../../helpers/dingtalk';

const T0 = new Date('2026-11-30T02:00:00Z'); // 10:00 in China
const card: CardModel = {
  id: 'esc-42-1', source: '销售流程助手', title: '李娜的客户跟进已超时', fields: [{ label: '客户', value: '华夏医疗' }],
  buttons: [{ label: '催办', key: 'urge:42', style: 'primary' }, { label: '延期一天', key: 'extend:42:1' }],
};

describe('DingTalk channel and API client (fake DingTalk)', () => {
  let fake: FakeDingtalk;
  let clock: AdjustableClock;
  const warnings: string[] = [];
  const log = { ...quietLog, debug: () => undefined, info: () => undefined, error: (_o: object, m?: string) => void warnings.push(m ?? ''), warn: (_o: object, m?: string) => void warnings.push(m ?? '') };

  beforeEach(async () => {
    clock = new AdjustableClock(T0, { frozen: true });
    fake = await startFake({ clock });
    warnings.length = 0;
  });
  afterEach(() => fake.close());

  function stack(overrides: Parameters<typeof dingtalkConfig>[1] = {}, registry?: client.Registry) {
    return createDingtalkStack(dingtalkConfig(fake.base, overrides), {
      clock, log, accept: async () => ({ duplicate: false }), onAccepted: () => undefined, registry, sleep: async () => undefined,
    });
  }

  it('caches one token per API family, fetched once for concurrent calls, and refetches once when DingTalk rejects it', async () => {
    const s = stack();
    const results = await Promise.all(['lina', 'wangfang', 'zhangwei'].map((u) => s.channel.send(u, { type: 'text', text: '早上好' }, `k-${u}`)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.state.tokensIssued).toBe(1);
    await s.client.getUser('lina'); // the old API family: its own token
    expect(fake.state.tokensIssued).toBe(2);
    fake.state.tokens.clear(); // DingTalk expired both early
    expect((await s.channel.send('lina', { type: 'text', text: '还在' }, 'k2')).ok).toBe(true);
    expect((await s.client.getUser('lina')).managerUserId).toBe('zhangwei');
    expect(fake.state.tokensIssued).toBe(4);
    expect(fake.state.robotMessages.map((m) => [m.userId, m.msgKey, m.param.content])).toContainEqual(['lina', 'sampleText', '还在']);
  });

  it('classifies failures: unknown member never, 5xx later after retries, monthly quota later with an hour to wait', async () => {
    const s = stack();
    expect(await s.channel.send('nobody', { type: 'text', text: 'x' }, 'k')).toMatchObject({ ok: false, retry: 'never', code: 'staffId.invalid' });
    fake.state.failNext.push({ path: '/v1.0/robot/oToMessages/batchSend', times: 3, status: 503, body: { code: 'ServiceUnavailable', message: 'busy' } });
    expect(await s.channel.send('lina', { type: 'text', text: 'x' }, 'k')).toMatchObject({ ok: false, retry: 'later', code: 'ServiceUnavailable' });
    fake.state.failNext.push({ path: '/v1.0/robot/oToMessages/batchSend', times: 1, status: 503, body: { code: 'ServiceUnavailable', message: 'busy' } });
    expect((await s.channel.send('lina', { type: 'text', text: 'x' }, 'k')).ok).toBe(true); // retried inside the client
    fake.state.failNext.push({ path: '/v1.0/robot/oToMessages/batchSend', times: 1, status: 403, body: { code: 'Forbidden.AccessDenied.ApiCountLimitForOrg', message: 'quota' } });
    expect(await s.channel.send('lina', { type: 'text', text: 'x' }, 'k')).toMatchObject({ ok: false, retry: 'later', retryAfterMs: 3_600_000 });
    expect(warnings.some((w) => w.includes('monthly API quota is spent'))).toBe(true);
  });

  it('flow-controlled member: the alert goes out as a work notice; a repeat the same day is made different, never dropped', async () => {
    const s = stack();
    fake.state.flowControlled.add('zhangwei');
    const alert = { type: 'text' as const, text: '【超时】华夏医疗 跟进已超过24小时' };
    expect(await s.channel.send('zhangwei', alert, 'a1')).toMatchObject({ ok: true, platformId: expect.stringMatching(/^work_notice:/) });
    clock.advance(3 * 3600_000);
    expect((await s.channel.send('zhangwei', alert, 'a2')).ok).toBe(true);
    expect(fake.state.workNotices.map((n) => n.delivered)).toEqual([true, true]);
    expect(JSON.stringify(fake.state.workNotices[1]!.msg)).toContain('13:00 再次提醒');
    // Without the fallback the outbox keeps the row for later.
    const noFallback = stack({ workNoticeFallback: false });
    expect(await noFallback.channel.send('zhangwei', alert, 'a3')).toMatchObject({ ok: false, retry: 'later', code: 'flow_controlled' });
  });

  it('work-notice budget spent for the day: later (until the China midnight), not a silent drop', async () => {
    const store = createMemoryWorkNoticeStore();
    for (let i = 0; i < 479; i++) await store.record('2026-11-30', 'lina', `earlier-${i}`); // 479 notices already today
    const s = createDingtalkStack(dingtalkConfig(fake.base), {
      clock, log, accept: async () => ({ duplicate: false }), onAccepted: () => undefined, workNoticeStore: store, sleep: async () => undefined,
    });
    fake.state.flowControlled.add('lina');
    expect((await s.channel.send('lina', { type: 'text', text: '第480条' }, 'w480')).ok).toBe(true);
    expect(await s.channel.send('lina', { type: 'text', text: '第481条' }, 'w481')).toMatchObject({ ok: false, retry: 'later', retryAfterMs: 14 * 3600_000 });
    expect(fake.state.workNotices.map((n) => n.delivered)).toEqual([true]);
    clock.advance(14 * 3600_000); // the next China day
    expect((await s.channel.send('lina', { type: 'text', text: '第481条' }, 'w481')).ok).toBe(true);
  });

  it('files are uploaded once (media ids never expire) and sent as sampleFile', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dt-media-'));
    writeFileSync(path.join(dir, 'quote.pdf'), Buffer.from('%PDF-1.4 quote'));
    const s = createDingtalkStack(dingtalkConfig(fake.base), { clock, log, accept: async () => ({ duplicate: false }), onAccepted: () => undefined, mediaRoot: dir, sleep: async () => undefined });
    const file = { type: 'file' as const, media: { path: 'quote.pdf', name: '报价单.pdf', contentType: 'application/pdf' } };
    expect((await s.channel.send('lina', file, 'f1')).ok).toBe(true);
    expect((await s.channel.send('wangfang', file, 'f2')).ok).toBe(true);
    expect([...fake.state.media.values()].map((m) => m.name)).toEqual(['报价单.pdf']);
    expect(fake.state.robotMessages.map((m) => [m.msgKey, m.param.fileName, m.param.fileType])).toEqual([['sampleFile', '报价单.pdf', 'pdf'], ['sampleFile', '报价单.pdf', 'pdf']]);
    expect(await s.channel.send('lina', { type: 'image', media: { path: 'missing.png', name: 'x.png' } }, 'f3')).toMatchObject({ ok: false, retry: 'never', code: 'media_missing' });
  });

  it('with a template: an interactive card with outTrackId = card id, updated in place and greyed out', async () => {
    const s = stack({ cardTemplateId: TEMPLATE_ID });
    expect(await s.channel.send('zhangwei', { type: 'card', card }, 'c1')).toEqual({ ok: true, platformId: card.id });
    const sent = fake.state.cards.get(card.id)!;
    expect(sent).toMatchObject({ userId: 'zhangwei', templateId: TEMPLATE_ID });
    expect(sent.params).toMatchObject({ title: card.title, btn1_action: 'urge:42', nonce: cardNonce(card) });
    const updated = { ...card, note: '张伟已催办（10:00）', buttons: [] };
    expect((await s.channel.updateCard({ channel: 'dingtalk', id: card.id }, { type: 'replace', card: updated }, 'u1')).ok).toBe(true);
    expect(fake.state.cards.get(card.id)).toMatchObject({ updates: 1, params: { note: '张伟已催办（10:00）', has_buttons: 'false' } });
    expect((await s.channel.updateCard({ channel: 'dingtalk', id: card.id }, { type: 'disable', label: '已处理' }, 'u2')).ok).toBe(true);
    expect(fake.state.cards.get(card.id)!.params).toMatchObject({ status: '已处理', btn1_show: 'false', title: card.title });
    expect(await s.channel.updateCard({ channel: 'dingtalk', id: 'never-sent' }, { type: 'disable', label: 'x' }, 'u3')).toMatchObject({ ok: false, retry: 'never', code: 'card.notExisted' });
  });

  it('a card to two people (one outbox row each): each gets a card of their own, neither taken for the other\'s', async () => {
    const s = stack({ cardTemplateId: TEMPLATE_ID });
    for (const row of outboxRows(['zhangwei', 'lina'], { type: 'card', card }, 'test')) {
      expect(await s.channel.send(row.recipient, row.body as OutMessage, `row-${row.recipient}`)).toEqual({ ok: true, platformId: expect.any(String) });
    }
    // A shared outTrackId would make the second send find "its" card already there, and deliver nothing.
    expect([...fake.state.cards.values()].map((c) => c.userId).sort()).toEqual(['lina', 'zhangwei']);
  });

  it('without a template: an ActionCard whose buttons are links; its update after a click is a new message to the clicker', async () => {
    const s = stack();
    expect((await s.channel.send('zhangwei', { type: 'card', card }, 'c1')).ok).toBe(true);
    expect(fake.state.robotMessages[0]).toMatchObject({ userId: 'zhangwei', msgKey: 'sampleActionCard2' });
    expect(String(fake.state.robotMessages[0]!.param.actionURL1)).toMatch(/^dtmd:\/\/dingtalkclient\/sendMessage\?content=/);
    const r = await s.channel.updateCard({ channel: 'dingtalk', id: card.id, token: 'user:zhangwei' }, { type: 'disable', label: '张伟已催办' }, 'u1');
    expect(r.ok).toBe(true);
    expect(fake.state.robotMessages[1]).toMatchObject({ userId: 'zhangwei', msgKey: 'sampleText', param: { content: '【已更新】张伟已催办' } });
    expect(await s.channel.updateCard({ channel: 'dingtalk', id: card.id }, { type: 'disable', label: 'x' }, 'u2')).toMatchObject({ ok: false, retry: 'never' });
  });

  it('directory: offices, members with their direct manager, roles; 免登 code → userid once', async () => {
    const s = stack();
    const dir = await fetchDingtalkDirectory(s.client);
    expect(dir.departments.map((d) => [d.id, d.name, d.parentId])).toEqual([[1, '示例公司', null], [2, '华东办事处', 1], [3, '华南办事处', 1]]);
    const leaders = dingtalkLeaders(dir.users);
    const people = dir.users.map((u) => personFromDingtalk(u, leaders));
    expect(people.map((p) => [p.userId, p.officeId, p.supervisorId, p.roles])).toEqual([
      ['zhangwei', '2', null, ['supervisor']], ['lina', '2', 'zhangwei', ['rep']], ['wangfang', '3', 'zhangwei', ['rep']],
    ]);
    const code = fake.authCode('lina');
    expect(await s.signIn.userIdByCode(code)).toBe('lina');
    expect(await s.signIn.userIdByCode(code)).toBeNull(); // single use
    expect(await s.signIn.userIdByCode('forged')).toBeNull();
  });

  it('counts every call of the month in a metric and warns at 80 % of the quota, once', async () => {
    const registry = new client.Registry();
    const s = stack({ monthlyQuota: 10 }, registry);
    for (let i = 0; i < 9; i++) await s.channel.send('lina', { type: 'text', text: `${i}` }, `q${i}`);
    const calls = await registry.getSingleMetricAsString('spb_dingtalk_api_calls_month');
    expect(calls).toMatch(/spb_dingtalk_api_calls_month 10/); // 1 token + 9 sends
    expect(await registry.getSingleMetricAsString('spb_dingtalk_api_quota_remaining')).toMatch(/ 0$/m);
    expect(warnings.filter((w) => w.includes('80%'))).toHaveLength(1);
    expect(warnings.filter((w) => w.includes('95%'))).toHaveLength(1);
    expect(await s.counter.used()).toBe(10);
    clock.advance(31 * 86_400_000); // next month: the count starts again
    expect(await s.counter.used()).toBe(0);
  });
});
