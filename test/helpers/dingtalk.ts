/**
 * Test helpers that speak DingTalk: the fake DingTalk (bot/dingtalk/fake) with a small org, a DingTalk config
 * pointing at it, the real inbox on an in-memory PGlite, and robot messages / card callbacks as DingTalk sends them.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { ChatEvent } from '../../bot/channel';
import type { DingtalkConfig } from '../../bot/dingtalk/config';
import { FAKE_APP, startFakeDingtalk, type FakeDingtalkOptions } from '../../bot/dingtalk/fake';
import { createInboxRepo } from '../../store/inbox';
import { inbox as inboxTable } from '../../store/schema';
import { openTestDatabase, type TestDatabase } from './db';
import { TEST_START } from './env';

export const TEMPLATE_ID = 'spb-sales-card-test.schema';
export const quietLog = pino({ level: 'silent' });

export const ORG = {
  departments: [{ id: 2, name: '华东办事处', parentId: 1 }, { id: 3, name: '华南办事处', parentId: 1 }],
  users: [
    { userid: 'zhangwei', name: '张伟', dept_id_list: [2], title: '销售主管', leader_in_dept: [{ dept_id: 2, leader: true }] },
    { userid: 'lina', name: '李娜', dept_id_list: [2], manager_userid: 'zhangwei', title: '销售' },
    { userid: 'wangfang', name: '王芳', dept_id_list: [3], manager_userid: 'zhangwei', title: '销售' },
  ],
};

export function startFake(opts: FakeDingtalkOptions = {}) {
  return startFakeDingtalk({ ...ORG, templates: [TEMPLATE_ID], ...opts });
}

export function dingtalkConfig(base: string, overrides: Partial<DingtalkConfig> = {}): DingtalkConfig {
  return {
    clientId: FAKE_APP.clientId, clientSecret: FAKE_APP.clientSecret, robotCode: FAKE_APP.robotCode, agentId: FAKE_APP.agentId,
    corpId: FAKE_APP.corpId, receiveMode: 'stream', apiBase: base, oapiBase: base, monthlyQuota: 10_000, workNoticeFallback: true,
    ...overrides,
  };
}

/** The real inbox (unique dedupe key) on PGlite, with the `accept` the receivers take. */
export async function testInbox(): Promise<{ db: TestDatabase; inbox: ReturnType<typeof createInboxRepo>; accept: (e: ChatEvent, key: string) => Promise<{ duplicate: boolean }>; rows: () => Promise<{ dedupeKey: string; payload: unknown }[]>; clear: () => Promise<void> }> {
  const db = await openTestDatabase('pglite');
  const inbox = createInboxRepo(db);
  return {
    db, inbox,
    accept: (e, key) => inbox.accept({ dedupeKey: key, kind: e.kind, userId: e.userId, payload: e }, TEST_START),
    rows: async () => (await inbox.list({ limit: 1000 })).reverse(),
    clear: async () => void (await db.db.delete(inboxTable)),
  };
}

/** A robot message as DingTalk sends it (both modes). */
export function robotMessage(userId: string, text: string, msgId = `msg${randomUUID().replace(/-/g, '')}`) {
  return {
    conversationId: `cid${userId}`, chatbotCorpId: FAKE_APP.corpId, chatbotUserId: '$:LWCP_v1:$robot', msgId, senderNick: userId, isAdmin: false,
    senderStaffId: userId, sessionWebhookExpiredTime: TEST_START.getTime() + 5_400_000, createAt: TEST_START.getTime(), senderCorpId: FAKE_APP.corpId,
    conversationType: '1', senderId: '$:LWCP_v1:$encrypted', sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
    text: { content: text }, robotCode: FAKE_APP.robotCode, msgtype: 'text',
  };
}

/** A card callback (回传请求) as DingTalk sends it. */
export function cardCallback(outTrackId: string, userId: string, params: Record<string, unknown>) {
  return {
    outTrackId, userId, corpId: FAKE_APP.corpId, spaceType: 'IM_ROBOT', spaceId: userId, type: 'actionCallback',
    content: JSON.stringify({ cardPrivateData: { actionIds: ['btn'], params } }),
  };
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs; // elapsed time only (monotonic), not the time of day
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
