/**
 * WeCom's typed events, as the receiver parses them; handlers see them as ChatEvents (toChatEvent below). Wire names (FromUserName, ResponseCode…) live only in
 * bot/wecom/envelope.ts. MsgId stays a string (it exceeds 2^53).
 */
import type { ChatEvent, ContactChangedEvent } from '../channel';

export interface EventBase {
  /** WeCom userid of the sender (FromUserName); `sys` for external-contact events. */
  userId: string;
  agentId: string | null;
  /** CreateTime, seconds since the epoch. */
  createTime: number;
}

export interface TextMessage extends EventBase { kind: 'message.text'; msgId: string; text: string }
export interface ImageMessage extends EventBase { kind: 'message.image'; msgId: string; picUrl: string; mediaId: string }
export interface VoiceMessage extends EventBase { kind: 'message.voice'; msgId: string; mediaId: string; format: string }
export interface VideoMessage extends EventBase { kind: 'message.video'; msgId: string; mediaId: string; thumbMediaId: string }
export interface LocationMessage extends EventBase {
  kind: 'message.location'; msgId: string; latitude: number; longitude: number; scale: number; label: string;
}
export interface LinkMessage extends EventBase {
  kind: 'message.link'; msgId: string; title: string; description: string; url: string; picUrl: string;
}
export interface ClickEvent extends EventBase { kind: 'event.click'; eventKey: string }
export interface ViewEvent extends EventBase { kind: 'event.view'; url: string }
export interface EnterAgentEvent extends EventBase { kind: 'event.enter_agent' }
export interface SelectedItem { questionKey: string; optionIds: string[] }
export interface TemplateCardEvent extends EventBase {
  kind: 'event.template_card_event';
  eventKey: string; taskId: string; cardType: string; responseCode: string;
  /** Always an array, even for one selection or none. */
  selectedItems: SelectedItem[];
}
export interface TemplateCardMenuEvent extends EventBase {
  kind: 'event.template_card_menu_event'; eventKey: string; taskId: string; cardType: string; responseCode: string;
}
export interface ExternalContactEvent extends EventBase {
  kind: 'event.change_external_contact';
  changeType: string; memberUserId: string; externalUserId: string;
  state?: string; welcomeCode?: string; source?: string; failReason?: string;
}
export interface ContactChangeEvent extends EventBase {
  kind: 'event.change_contact';
  changeType: string;
  /** The member (UserID) or department (Id) the change is about, when present. */
  subjectUserId?: string; newUserId?: string; departmentId?: string;
}
export interface UnknownEvent extends EventBase { kind: 'unknown'; msgType: string; event?: string; raw: Record<string, unknown> }

export type WecomEvent =
  | TextMessage | ImageMessage | VoiceMessage | VideoMessage | LocationMessage | LinkMessage
  | ClickEvent | ViewEvent | EnterAgentEvent | TemplateCardEvent | TemplateCardMenuEvent
  | ExternalContactEvent | ContactChangeEvent | UnknownEvent;

export type EventKind = WecomEvent['kind'];
export type EventOf<K extends EventKind> = Extract<WecomEvent, { kind: K }>;

/**
 * The inbox dedupe key. Messages: MsgId. Events: user + CreateTime + Event + ChangeType + the event's own key
 * (EventKey/TaskId/ExternalUserID…). WeCom's own advice (user + CreateTime) is too coarse: two different card
 * clicks or contact changes in the same second would collapse into one.
 */
export function dedupeKey(e: WecomEvent): string {
  if ('msgId' in e && e.msgId) return `msg:${e.msgId}`;
  const parts: string[] = [e.userId, String(e.createTime), e.kind];
  switch (e.kind) {
    case 'event.template_card_event':
    case 'event.template_card_menu_event':
      parts.push(e.eventKey, e.taskId, e.responseCode);
      break;
    case 'event.click':
      parts.push(e.eventKey);
      break;
    case 'event.view':
      parts.push(e.url);
      break;
    case 'event.change_external_contact':
      parts.push(e.changeType, e.memberUserId, e.externalUserId);
      break;
    case 'event.change_contact':
      parts.push(e.changeType, e.subjectUserId ?? '', e.departmentId ?? '');
      break;
    case 'unknown':
      parts.push(e.msgType, e.event ?? '', String(e.raw.ChangeType ?? ''), String(e.raw.EventKey ?? ''),
        String(e.raw.TaskId ?? ''), String(e.raw.ExternalUserID ?? ''), String(e.raw.UserID ?? ''));
      break;
    default:
      break;
  }
  return `evt:${parts.join('|')}`;
}

const CONTACT_CHANGES = new Set(['create_user', 'update_user', 'delete_user', 'create_party', 'update_party', 'delete_party']);
const EXTERNAL_CHANGES = new Set(['add', 'edit', 'delete']);
const EXTERNAL_CHANGE_OF: Record<string, 'add' | 'edit' | 'delete'> = {
  add_external_contact: 'add', add_half_external_contact: 'add', edit_external_contact: 'edit',
  del_external_contact: 'delete', del_follow_user: 'delete',
};

/**
 * A WeCom event as the rest of the bot sees it (bot/channel.ts ChatEvent): a text, a card action (button or the
 * select's submit: task_id and the click's single-use response_code are the card ref), a directory change, an
 * external-contact change, or anything else (kept for logging and a polite answer).
 */
export function toChatEvent(e: WecomEvent): ChatEvent {
  const base = { channel: 'wecom' as const, userId: e.userId, createTime: e.createTime };
  switch (e.kind) {
    case 'message.text':
      return { ...base, kind: 'message.text', msgId: e.msgId, text: e.text };
    case 'event.template_card_event':
    case 'event.template_card_menu_event': {
      const values: Record<string, string[]> = {};
      if (e.kind === 'event.template_card_event') for (const s of e.selectedItems) values[s.questionKey] = [...s.optionIds];
      return { ...base, kind: 'card.action', key: e.eventKey, values, card: { channel: 'wecom', id: e.taskId, token: e.responseCode } };
    }
    case 'event.change_contact': {
      const change = CONTACT_CHANGES.has(e.changeType) ? e.changeType as ContactChangedEvent['change'] : 'other';
      return {
        ...base, kind: 'contact.changed', change,
        ...(e.subjectUserId ? { subjectUserId: e.subjectUserId } : {}), ...(e.newUserId ? { newUserId: e.newUserId } : {}),
        ...(e.departmentId ? { departmentId: e.departmentId } : {}),
      };
    }
    case 'event.change_external_contact': {
      const change = EXTERNAL_CHANGE_OF[e.changeType] ?? (EXTERNAL_CHANGES.has(e.changeType) ? e.changeType as 'add' : 'other');
      return { ...base, kind: 'external_contact.changed', change, memberUserId: e.memberUserId, externalUserId: e.externalUserId, rawChange: e.changeType };
    }
    default: {
      const { kind, userId: _u, createTime: _c, ...rest } = e;
      return { ...base, kind: 'unknown', type: kind, ...('msgId' in e && e.msgId ? { msgId: e.msgId } : {}), raw: rest as Record<string, unknown> };
    }
  }
}

/** Inbox rows written before the seam hold WeCom events: read either shape as a ChatEvent. */
export function storedChatEvent(payload: unknown): ChatEvent {
  const p = payload as { channel?: unknown; kind?: unknown };
  return typeof p.channel === 'string' ? (payload as ChatEvent) : toChatEvent(payload as WecomEvent);
}
