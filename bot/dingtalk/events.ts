/**
 * DingTalk payloads → channel-neutral ChatEvents, each with its inbox dedupe key (dingtalk-api.md §5, §7, §8):
 * - robot message (same JSON over Stream and HTTP): key `dt:msg:<msgId>`;
 * - card callback: key from outTrackId + user + action + the card's render nonce (a redelivery or a double click
 *   collapses into one; a click on the updated card is new);
 * - fallback-card "buttons" (dtmd links that make the client send a text, see renderer.ts) become card actions too;
 * - directory events: key `dt:evt:<eventId>:<subject>` (one event per member or department named).
 * Parsing never throws anything but a malformed DingtalkCallbackError (→ 400 / ack and log).
 */
import type { CardActionEvent, ChatEvent, ContactChangedEvent } from '../channel';
import { malformed } from './errors';
import { parseFallbackAction } from './renderer';

export interface Inbound { event: ChatEvent; key: string }

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);
const seconds = (ms: unknown, fallbackMs: number) => Math.floor((Number(ms) > 0 ? Number(ms) : fallbackMs) / 1000);

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw malformed(`${what} is not JSON`);
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw malformed(`${what} is not an object`);
  return v as Record<string, unknown>;
}

/** A robot message (机器人接收消息). `nowMs` only fills a missing createAt. */
export function fromRobotMessage(raw: unknown, nowMs: number): Inbound {
  const m = asObject(raw, 'robot message');
  const msgId = str(m.msgId);
  const userId = str(m.senderStaffId);
  if (!msgId) throw malformed('msgId missing');
  if (!userId) throw malformed('senderStaffId missing (is the sender outside the organisation?)');
  const createTime = seconds(m.createAt, nowMs);
  const msgtype = str(m.msgtype) ?? 'unknown';
  if (msgtype === 'text') {
    const text = str((m.text as { content?: unknown } | undefined)?.content)?.trim() ?? '';
    const action = parseFallbackAction(text);
    if (action) {
      const event: CardActionEvent = {
        channel: 'dingtalk', kind: 'card.action', userId, createTime, key: action.key, values: action.values,
        card: { channel: 'dingtalk', id: action.cardId, token: `user:${userId}` },
      };
      return { event, key: `dt:card:${action.cardId}|${userId}|${action.key}|${action.nonce}|${JSON.stringify(action.values)}` };
    }
    return { event: { channel: 'dingtalk', kind: 'message.text', userId, createTime, msgId, text }, key: `dt:msg:${msgId}` };
  }
  const content = (m.content && typeof m.content === 'object' ? m.content : {}) as Record<string, unknown>;
  const raw2: Record<string, unknown> = { msgtype, conversationType: m.conversationType };
  if (content.downloadCode) raw2.downloadCode = content.downloadCode;
  if (content.fileName) raw2.fileName = content.fileName;
  if (content.recognition) raw2.recognition = content.recognition;
  return { event: { channel: 'dingtalk', kind: 'unknown', type: msgtype, userId, createTime, msgId, raw: raw2 }, key: `dt:msg:${msgId}` };
}

/** A card callback (回传请求). */
export function fromCardCallback(raw: unknown, nowMs: number): Inbound {
  const d = asObject(raw, 'card callback');
  const outTrackId = str(d.outTrackId);
  const userId = str(d.userId);
  if (!outTrackId || !userId) throw malformed('outTrackId or userId missing');
  const content = d.content === undefined ? {} : asObject(d.content, 'card callback content');
  const priv = (content.cardPrivateData && typeof content.cardPrivateData === 'object' ? content.cardPrivateData : {}) as Record<string, unknown>;
  const params = (priv.params && typeof priv.params === 'object' ? priv.params : {}) as Record<string, unknown>;
  const actionIds = Array.isArray(priv.actionIds) ? priv.actionIds.map(String) : [];
  const key = str(params.action) ?? actionIds[0];
  if (!key) throw malformed('card callback without an action');
  const nonce = str(params.v) ?? '';
  const values: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(params)) {
    if (k === 'action' || k === 'v') continue;
    if (Array.isArray(v)) values[k] = v.map(String);
    else if (typeof v === 'string' || typeof v === 'number') values[k] = String(v) === '' ? [] : [String(v)];
  }
  const sorted = JSON.stringify(Object.fromEntries(Object.entries(values).sort(([a], [b]) => a.localeCompare(b))));
  const event: CardActionEvent = {
    channel: 'dingtalk', kind: 'card.action', userId, createTime: seconds(undefined, nowMs), key, values,
    card: { channel: 'dingtalk', id: outTrackId },
  };
  return { event, key: `dt:card:${outTrackId}|${userId}|${key}|${nonce}|${sorted}` };
}

const CONTACT: Record<string, ContactChangedEvent['change']> = {
  user_add_org: 'create_user', user_modify_org: 'update_user', user_leave_org: 'delete_user',
  org_dept_create: 'create_party', org_dept_modify: 'update_party', org_dept_remove: 'delete_party',
};

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null || v === '' ? [] : [String(v)]);

/**
 * An event (事件订阅) from a Stream EVENT frame (`headers.eventType/eventId`) or a decrypted HTTP push
 * (`EventType` in the body). Contact events name several members or departments: one neutral event each.
 */
export function fromEvent(body: unknown, meta: { eventType?: string; eventId?: string; bornMs?: number }, nowMs: number): Inbound[] {
  const b = asObject(body, 'event');
  const type = meta.eventType ?? str(b.EventType) ?? str(b.eventType);
  if (!type) throw malformed('event type missing');
  const createTime = seconds(meta.bornMs ?? b.TimeStamp ?? b.timeStamp, nowMs);
  const id = meta.eventId ?? str(b.EventId) ?? str(b.eventId) ?? `${type}:${createTime}`;
  const change = CONTACT[type];
  if (!change) {
    return [{ event: { channel: 'dingtalk', kind: 'unknown', type, userId: 'sys', createTime, raw: { eventType: type } }, key: `dt:evt:${id}` }];
  }
  const isDept = change.endsWith('_party');
  const subjects = isDept ? list(b.DeptId ?? b.deptId) : list(b.UserId ?? b.userId);
  if (!subjects.length) throw malformed(`${type} names no ${isDept ? 'department' : 'member'}`);
  return subjects.map((s) => ({
    event: {
      channel: 'dingtalk', kind: 'contact.changed', userId: 'sys', createTime, change,
      ...(isDept ? { departmentId: s } : { subjectUserId: s }),
    } satisfies ContactChangedEvent,
    key: `dt:evt:${id}:${s}`,
  }));
}
