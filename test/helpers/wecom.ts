/**
 * Test helpers that speak WeCom: a config with fake credentials, encrypted and signed callbacks built with the
 * real crypto (@wecom/crypto), and nock scopes for WeCom's API.
 */
import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { getSignature, encrypt } from '@wecom/crypto';
import { systemClock } from '../../app/clock';
import type { Config } from '../../app/config';

export const CORP_ID = 'wwtestcorp0001';
export const TOKEN = 'TestToken123';
export const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
export const AGENT_ID = 1000002;
export const API_BASE = 'https://wecom.test';
export const ADMIN_TOKEN = 'admin-token-for-tests-0001';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    corpId: CORP_ID, agentId: AGENT_ID, secret: 'test-secret', token: TOKEN, encodingAesKey: AES_KEY,
    apiBase: API_BASE, dataDir: 'memory://', port: 0, adminToken: ADMIN_TOKEN, tz: 'Asia/Shanghai',
    logLevel: 'silent', callbackMaxSkewSec: 0, inboxMaxAttempts: 3, outboxMaxAttempts: 4,
    processConfig: 'config/process.yaml', allowTimeTravel: false, orgSyncOnStart: false, ...overrides,
  };
}

export interface SealedCallback {
  query: string;
  body: string;
}

/** Encrypts and signs an inner XML exactly as WeCom does, returning the query string and the envelope body. */
export function sealCallback(innerXml: string, opts: { corpId?: string; token?: string; timestamp?: string; nonce?: string } = {}): SealedCallback {
  // The query timestamp is WeCom's wall clock: the receiver compares it with the system clock (app/clock.ts).
  const timestamp = opts.timestamp ?? String(Math.floor(systemClock.now().getTime() / 1000));
  const nonce = opts.nonce ?? String(randomBytes(4).readUInt32BE(0));
  const enc = encrypt(AES_KEY, innerXml, opts.corpId ?? CORP_ID);
  const sig = getSignature(opts.token ?? TOKEN, timestamp, nonce, enc);
  const body = `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><AgentID><![CDATA[${AGENT_ID}]]></AgentID><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`;
  return { query: `msg_signature=${sig}&timestamp=${timestamp}&nonce=${nonce}`, body };
}

let msgSeq = 0n;
/** A fresh MsgId beyond 2^53, as WeCom's are. */
export function nextMsgId(): string {
  msgSeq += 1n;
  return (4561255354251345929n + msgSeq + BigInt(randomBytes(5).readUIntBE(0, 5)) * 1000n).toString();
}

/** CreateTime as WeCom stamps it (its own wall clock), when a test does not state one. */
const wecomNowSec = () => Math.floor(systemClock.now().getTime() / 1000);

export function textXml(from: string, content: string, msgId = nextMsgId(), createTime = wecomNowSec()): string {
  return `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content>` +
    `<MsgId>${msgId}</MsgId><AgentID>${AGENT_ID}</AgentID></xml>`;
}

export function cardClickXml(from: string, eventKey: string, taskId: string, opts: { createTime?: number; responseCode?: string; selected?: { q: string; ids: string[] }[] } = {}): string {
  const sel = opts.selected?.length
    ? `<SelectedItems>${opts.selected.map((s) => `<SelectedItem><QuestionKey><![CDATA[${s.q}]]></QuestionKey><OptionIds>${s.ids.map((i) => `<OptionId><![CDATA[${i}]]></OptionId>`).join('')}</OptionIds></SelectedItem>`).join('')}</SelectedItems>`
    : '';
  return `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
    `<CreateTime>${opts.createTime ?? wecomNowSec()}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${eventKey}]]></EventKey>` +
    `<TaskId><![CDATA[${taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>` +
    `<ResponseCode><![CDATA[${opts.responseCode ?? `rc-${randomBytes(6).toString('hex')}`}]]></ResponseCode><AgentID>${AGENT_ID}</AgentID>${sel}</xml>`;
}

export interface SentMessage {
  touser: string;
  msgtype: string;
  [k: string]: unknown;
}

/**
 * A nock'd WeCom: gettoken, message/send and update_template_card recorded in arrays. Persisted until
 * `done()`; each message/send answers ok unless `sendReply` says otherwise.
 */
export function mockWecom(opts: { sendReply?: (body: SentMessage, n: number) => [number, unknown] } = {}) {
  const sent: SentMessage[] = [];
  /** Sends WeCom refused because their card's task_id was used before (not in `sent`: nobody received them). */
  const rejected: SentMessage[] = [];
  const taskIds = new Set<string>();
  const updates: Record<string, unknown>[] = [];
  let tokens = 0;
  let uploads = 0;
  const uploadBodies: string[] = [];
  const scope = nock(API_BASE)
    .persist()
    .get('/cgi-bin/gettoken')
    .query(true)
    .reply(() => {
      tokens++;
      return [200, { errcode: 0, errmsg: 'ok', access_token: `tok-${tokens}`, expires_in: 7200 }];
    })
    .post('/cgi-bin/message/send')
    .query(true)
    .reply((_uri, body) => {
      const b = body as SentMessage;
      // As WeCom: a template card's task_id is unique per app; a second send with it is refused (and not delivered).
      const taskId = b.msgtype === 'template_card' ? (b.template_card as { task_id?: string } | undefined)?.task_id : undefined;
      if (taskId && taskIds.has(taskId)) {
        rejected.push(b);
        return [200, { errcode: 40058, errmsg: `invalid parameter template_card.task_id: already used by this app (task_id must be unique): ${taskId}` }];
      }
      sent.push(b);
      const reply: [number, unknown] = opts.sendReply ? opts.sendReply(b, sent.length)
        : [200, { errcode: 0, errmsg: 'ok', msgid: `m${sent.length}`, response_code: b.msgtype === 'template_card' ? `rc${sent.length}` : undefined }];
      // Only a send WeCom accepted uses up the id (a refused or failed one may be retried with it).
      if (taskId && reply[0] === 200 && (reply[1] as { errcode?: number } | null)?.errcode === 0) taskIds.add(taskId);
      return reply;
    })
    .post('/cgi-bin/message/update_template_card')
    .query(true)
    .reply((_uri, body) => {
      updates.push(body as Record<string, unknown>);
      return [200, { errcode: 0, errmsg: 'ok' }];
    })
    .post('/cgi-bin/media/upload')
    .query(true)
    .reply((uri, body) => {
      uploads++;
      uploadBodies.push(String(body));
      const type = new URL(uri, API_BASE).searchParams.get('type') ?? 'file';
      return [200, { errcode: 0, errmsg: '', type, media_id: `media-${uploads}`, created_at: '1700000000' }];
    });
  return {
    sent,
    rejected,
    updates,
    get tokens() {
      return tokens;
    },
    /** media/upload calls (SOP files, the weekly heatmap picture). */
    get uploads() {
      return uploads;
    },
    /** The multipart bodies of those uploads, in order. */
    uploadBodies,
    done() {
      scope.persist(false);
      nock.cleanAll();
    },
  };
}

/** Waits until `cond` holds (polling), or fails with `what`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const start = performance.now(); // elapsed time only (monotonic), not the time of day
  while (!(await cond())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
