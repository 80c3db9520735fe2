/**
 * The member's side of WeCom (part of the channel's fake, used by the sandbox and `npm run chaos`): what the WeCom
 * client would push to the app's callback URL when a member types or presses a card button. Builds the inner XML (wecom-api.md §2.1, §2.2), encrypts and signs it with the bot's own
 * crypto (`seal`, AES-256-CBC + SHA1 as §1.4–1.5), wraps it in the envelope (§1.3) and POSTs it over HTTP to the
 * real /wecom/callback — the same path a real tenant uses, never a shortcut into the handlers.
 */
import { randomBytes } from 'node:crypto';
import type { CallbackCrypto } from './crypto';

export interface CallbackResult {
  status: number;
  body: string;
}

export interface SelectedItemInput {
  questionKey: string;
  optionIds: string[];
}

export interface MemberCallbackOptions {
  crypto: CallbackCrypto;
  corpId: string;
  agentId: number;
  clock: { now(): Date };
  /** The callback URL of the running server (known once it listens). */
  callbackUrl(): string;
}

/** CDATA that survives any text, including a literal `]]>`. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

let msgSeq = 0n;
/** A fresh MsgId beyond 2^53, as WeCom's are (kept as a string end to end). */
function nextMsgId(): string {
  msgSeq += 1n;
  return (7000000000000000000n + BigInt(randomBytes(6).readUIntBE(0, 6)) * 1000n + (msgSeq % 1000n)).toString();
}

export function createMemberCallbacks(opts: MemberCallbackOptions) {
  const createTime = () => Math.floor(opts.clock.now().getTime() / 1000);
  const head = (userId: string, msgType: string) =>
    `<ToUserName>${cdata(opts.corpId)}</ToUserName><FromUserName>${cdata(userId)}</FromUserName>` +
    `<CreateTime>${createTime()}</CreateTime><MsgType>${cdata(msgType)}</MsgType>`;

  async function post(innerXml: string, timeoutMs?: number): Promise<CallbackResult> {
    // The query timestamp is WeCom's wall clock (the receiver compares it with its own); CreateTime is the one clock.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE(0));
    const { encrypt, signature } = opts.crypto.seal(innerXml, timestamp, nonce);
    const body = `<xml><ToUserName>${cdata(opts.corpId)}</ToUserName><AgentID>${cdata(String(opts.agentId))}</AgentID>` +
      `<Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
    const url = `${opts.callbackUrl()}?msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
    const res = await fetch(url, {
      method: 'POST', body, headers: { 'content-type': 'text/xml' }, ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
    });
    return { status: res.status, body: await res.text() };
  }

  return {
    /**
     * A text message typed by a member in the app's chat. WeCom resends a callback with the same MsgId: pass it to
     * play a resend; `timeoutMs` is how long WeCom waits for the answer (about 5 s).
     */
    text(userId: string, content: string, o: { msgId?: string; timeoutMs?: number } = {}): Promise<CallbackResult> {
      return post(`<xml>${head(userId, 'text')}<Content>${cdata(content)}</Content>` +
        `<MsgId>${o.msgId ?? nextMsgId()}</MsgId><AgentID>${opts.agentId}</AgentID></xml>`, o.timeoutMs);
    },

    /** A click on a card button (or a vote / selection submit): template_card_event with a fresh ResponseCode. */
    cardEvent(userId: string, e: { eventKey: string; taskId: string; cardType: string; responseCode: string; selected?: SelectedItemInput[] }): Promise<CallbackResult> {
      const selected = e.selected?.length
        ? `<SelectedItems>${e.selected.map((s) => `<SelectedItem><QuestionKey>${cdata(s.questionKey)}</QuestionKey><OptionIds>` +
          `${s.optionIds.map((id) => `<OptionId>${cdata(id)}</OptionId>`).join('')}</OptionIds></SelectedItem>`).join('')}</SelectedItems>`
        : '';
      return post(`<xml>${head(userId, 'event')}<Event>${cdata('template_card_event')}</Event>` +
        `<EventKey>${cdata(e.eventKey)}</EventKey><TaskId>${cdata(e.taskId)}</TaskId><CardType>${cdata(e.cardType)}</CardType>` +
        `<ResponseCode>${cdata(e.responseCode)}</ResponseCode><AgentID>${opts.agentId}</AgentID>${selected}</xml>`);
    },

    /** A click in the card's top-right menu (action_menu): template_card_menu_event. */
    menuEvent(userId: string, e: { eventKey: string; taskId: string; cardType: string; responseCode: string }): Promise<CallbackResult> {
      return post(`<xml>${head(userId, 'event')}<Event>${cdata('template_card_menu_event')}</Event>` +
        `<EventKey>${cdata(e.eventKey)}</EventKey><TaskId>${cdata(e.taskId)}</TaskId><CardType>${cdata(e.cardType)}</CardType>` +
        `<ResponseCode>${cdata(e.responseCode)}</ResponseCode><AgentID>${opts.agentId}</AgentID></xml>`);
    },

    /** enter_agent: the member opened the app. */
    enterAgent(userId: string): Promise<CallbackResult> {
      return post(`<xml>${head(userId, 'event')}<Event>${cdata('enter_agent')}</Event><EventKey>${cdata('')}</EventKey>` +
        `<AgentID>${opts.agentId}</AgentID></xml>`);
    },
  };
}

export type MemberCallbacks = ReturnType<typeof createMemberCallbacks>;
