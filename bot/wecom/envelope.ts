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

/** WeCom's envelopes and payloads are a handful of levels deep (card events: 5); anything deeper is refused. */
export const XML_MAX_DEPTH = 16;
/** The receiver's body limit is 64 KB; a decrypted payload is smaller than its Base64 envelope. */
export const XML_MAX_CHARS = 64 * 1024;

/**
 * Characters PostgreSQL cannot store in text/jsonb (U+0000) and other C0 controls XML 1.0 forbids: removed, so a
 * message that carries one is still stored and answered (tab, newline and carriage return are kept).
 */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
export function stripUnstorable(text: string): string {
  return text.replace(UNSTORABLE, '').replace(BIDI_CONTROLS, '');
}
/** Bidirectional controls (U+202E …) are dropped too: they would reorder names shown in cards. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Nesting depth of the elements, counted in one linear pass (CDATA, comments and PIs skipped); stops past `max`. */
function depthExceeds(text: string, max: number): boolean {
  let depth = 0;
  const tag = /<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)[A-Za-z_][^>]*?(\/?)>/g;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (m[0].startsWith('<!') || m[0].startsWith('<?') || m[2] === '/') continue;
    depth += m[1] === '/' ? -1 : 1;
    if (depth > max) return true;
  }
  return false;
}

/**
 * Parses untrusted XML into a plain object under <xml>, or throws CallbackMalformedError — for any failure of
 * the parser too, so bad input is always a 400, never a 5xx with a stack. Size and depth are checked first.
 */
export function parseXml(input: string): XmlNode {
  if (input.length > XML_MAX_CHARS) throw new CallbackMalformedError(`XML longer than ${XML_MAX_CHARS} characters`);
  const text = stripUnstorable(input);
  // Declarations are refused wherever they could take effect; inside CDATA (a rep pasting HTML) they are just text.
  if (/<!DOCTYPE|<!ENTITY/i.test(text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, ''))) {
    throw new CallbackMalformedError('DOCTYPE/ENTITY declarations are refused');
  }
  if (depthExceeds(text, XML_MAX_DEPTH)) throw new CallbackMalformedError(`XML nested deeper than ${XML_MAX_DEPTH} levels`);
  let doc: XmlNode;
  try {
    const valid = XMLValidator.validate(text);
    if (valid !== true) throw new CallbackMalformedError(`invalid XML: ${valid.err.msg}`);
    doc = parser.parse(text) as XmlNode;
  } catch (err) {
    if (err instanceof CallbackMalformedError) throw err;
    throw new CallbackMalformedError(`XML parser failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const root = doc.xml;
  if (!root || typeof root !== 'object') throw new CallbackMalformedError('missing <xml> root');
  return root as XmlNode;
}

export interface OuterEnvelope { toUserName: string; agentId: string | null; encrypt: string }

const ENCRYPT = /<Encrypt>\s*(?:<!\[CDATA\[([A-Za-z0-9+/=]{1,65536})\]\]>|([A-Za-z0-9+/=]{1,65536}))\s*<\/Encrypt>/g;

/**
 * The `<Encrypt>` value, found without parsing the XML (one linear regex pass), so the signature over it can be
 * checked before anything expensive is done with an unauthenticated body. Exactly one is required.
 */
export function peekEncrypt(body: string): string {
  if (body.length > XML_MAX_CHARS) throw new CallbackMalformedError('envelope too long');
  const found = [...body.matchAll(ENCRYPT)];
  if (found.length !== 1) throw new CallbackMalformedError(found.length ? 'more than one <Encrypt>' : 'missing <Encrypt>');
  return found[0]![1] ?? found[0]![2]!;
}

/** The whole envelope, parsed with the limits above; call it after the signature over `peekEncrypt` held. */
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
