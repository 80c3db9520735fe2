/**
 * The only file that knows WeCom's XML wire names. Parses the outer envelope and the decrypted inner XML
 * without entity processing (no XXE, no billion laughs) and refuses any DOCTYPE outright.
 * 详情请参阅 https://developer.work.weixin.qq.com/document/path/90238 and /90376
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CallbackMalformedError } from '../errors';
import type { SelectedItem, WecomEvent } from './events';

const ALWAYS_ARRAY = new Set(['SelectedItem', 'OptionId']);

const parser = new XMLParser({
  ignoreAttributes: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => ALWAYS_ARRAY.has(name),
});

type XmlNode = Record<string, unknown>;

/** Parses untrusted XML into a plain object under <xml>, or throws CallbackMalformedError. */
export function parseXml(text: string): XmlNode {
  // Declarations are refused wherever they could take effect; inside CDATA (a rep pasting HTML) they are just text.
  if (/<!DOCTYPE|<!ENTITY/i.test(text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, ''))) {
    throw new CallbackMalformedError('DOCTYPE/ENTITY declarations are refused');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new CallbackMalformedError(`invalid XML: ${valid.err.msg}`);
  const doc = parser.parse(text) as XmlNode;
  const root = doc.xml;
  if (!root || typeof root !== 'object') throw new CallbackMalformedError('missing <xml> root');
  return root as XmlNode;
}

export interface OuterEnvelope { toUserName: string; agentId: string | null; encrypt: string }

export function readOuter(body: string): OuterEnvelope {
  const root = parseXml(body);
  const encrypt = str(root.Encrypt);
  if (!encrypt) throw new CallbackMalformedError('missing <Encrypt>');
  return { toUserName: str(root.ToUserName), agentId: str(root.AgentID) || null, encrypt };
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

function num(v: unknown): number {
  const n = Number(str(v));
  return Number.isFinite(n) ? n : 0;
}

function selectedItems(v: unknown): SelectedItem[] {
  if (!v || typeof v !== 'object') return [];
  const items = (v as XmlNode).SelectedItem;
  if (!Array.isArray(items)) return [];
  return items.map((it: XmlNode) => {
    const ids = it?.OptionIds && typeof it.OptionIds === 'object' ? (it.OptionIds as XmlNode).OptionId : [];
    return { questionKey: str(it?.QuestionKey), optionIds: Array.isArray(ids) ? ids.map(str) : [] };
  });
}

/** Maps the decrypted inner XML to a typed event. Unknown kinds become `unknown`; this never throws for them. */
export function toEvent(plaintext: string): WecomEvent {
  const x = parseXml(plaintext);
  const msgType = str(x.MsgType);
  const createTime = num(x.CreateTime);
  if (!msgType || !createTime) throw new CallbackMalformedError('missing MsgType or CreateTime');
  const base = { userId: str(x.FromUserName), agentId: str(x.AgentID) || null, createTime };
  const msgId = str(x.MsgId);
  switch (msgType) {
    case 'text':
      return { ...base, kind: 'message.text', msgId, text: str(x.Content) };
    case 'image':
      return { ...base, kind: 'message.image', msgId, picUrl: str(x.PicUrl), mediaId: str(x.MediaId) };
    case 'voice':
      return { ...base, kind: 'message.voice', msgId, mediaId: str(x.MediaId), format: str(x.Format) };
    case 'video':
      return { ...base, kind: 'message.video', msgId, mediaId: str(x.MediaId), thumbMediaId: str(x.ThumbMediaId) };
    case 'location':
      return {
        ...base, kind: 'message.location', msgId, latitude: num(x.Location_X), longitude: num(x.Location_Y),
        scale: num(x.Scale), label: str(x.Label),
      };
    case 'link':
      return {
        ...base, kind: 'message.link', msgId, title: str(x.Title), description: str(x.Description),
        url: str(x.Url), picUrl: str(x.PicUrl),
      };
    case 'event':
      return toEventKind(x, base);
    default:
      return { ...base, kind: 'unknown', msgType, raw: x };
  }
}

function toEventKind(x: XmlNode, base: { userId: string; agentId: string | null; createTime: number }): WecomEvent {
  const event = str(x.Event);
  switch (event) {
    case 'click':
      return { ...base, kind: 'event.click', eventKey: str(x.EventKey) };
    case 'view':
      return { ...base, kind: 'event.view', url: str(x.EventKey) };
    case 'enter_agent':
      return { ...base, kind: 'event.enter_agent' };
    case 'template_card_event':
      return {
        ...base, kind: 'event.template_card_event', eventKey: str(x.EventKey), taskId: str(x.TaskId),
        cardType: str(x.CardType), responseCode: str(x.ResponseCode), selectedItems: selectedItems(x.SelectedItems),
      };
    case 'template_card_menu_event':
      return {
        ...base, kind: 'event.template_card_menu_event', eventKey: str(x.EventKey), taskId: str(x.TaskId),
        cardType: str(x.CardType), responseCode: str(x.ResponseCode),
      };
    case 'change_external_contact':
      return {
        ...base, kind: 'event.change_external_contact', changeType: str(x.ChangeType), memberUserId: str(x.UserID),
        externalUserId: str(x.ExternalUserID), state: str(x.State) || undefined,
        welcomeCode: str(x.WelcomeCode) || undefined, source: str(x.Source) || undefined,
        failReason: str(x.FailReason) || undefined,
      };
    case 'change_contact':
      return {
        ...base, kind: 'event.change_contact', changeType: str(x.ChangeType),
        subjectUserId: str(x.UserID) || undefined, newUserId: str(x.NewUserID) || undefined,
        departmentId: str(x.Id) || undefined,
      };
    default:
      return { ...base, kind: 'unknown', msgType: 'event', event, raw: x };
  }
}
