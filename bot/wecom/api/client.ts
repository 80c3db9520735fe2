import { classifyWecomError, WecomPayloadError } from './error-policy';
import { createCallRunner, createWecomHttp, type RetryOptions } from './http';

/**
 * WeCom's duplicate-check window for message/send (max 4 h). 30 min covers every re-send of one outbox row whose
 * earlier outcome is unknown: lease expiry after a crash (seconds) and the backoffs of attempts 2–6 (≈ 28 min).
 */
export const DUPLICATE_CHECK_INTERVAL_SEC = 1800;
import { createTokenProvider, type TokenStore } from './token-provider';
import type {
  ApiLogger, FetchedToken, NewsArticle, SendMessageBody, SendResult, UpdateTemplateCardArgs, UploadedMedia,
  WecomClient, WecomDepartment, WecomUser,
} from './types';
import { checkBytes, checkContent, checkMedia, joinUserIds } from './validate';

export { classifyWecomError } from './error-policy';

export interface WecomClientOptions {
  /** Origin only, e.g. `https://qyapi.weixin.qq.com`; paths start with `/cgi-bin/`. */
  baseUrl: string;
  corpId: string;
  agentId: number | string;
  secret: string;
  tokenStore: TokenStore;
  log: ApiLogger;
  /** Metrics hook, once per gettoken that returned a token. */
  onRefresh?: () => void;
  retry?: RetryOptions;
  /** Per-request timeout; 10 s by default. */
  timeoutMs?: number;
  earlyExpiryMs?: number;
  /**
   * After gettoken fails with a configuration errcode (40001 wrong secret…), rethrow that error for this
   * long without calling again: repeated wrong-secret calls get the server's IP banned for an hour.
   */
  configErrorCooldownMs?: number;
}

// Wire shapes (WeCom names), read only in this file.
interface RawSendResult {
  invaliduser?: string; invalidparty?: string; invalidtag?: string; unlicenseduser?: string;
  msgid?: string; response_code?: string;
}
interface RawUser {
  userid: string; name: string; department?: number[]; main_department?: number;
  direct_leader?: string[]; position?: string; status?: number;
}
interface RawDepartment { id: number; name: string; parentid: number; order: number }

const splitIds = (joined?: string): string[] => (joined ? joined.split('|').filter(Boolean) : []);

function toUser(raw: RawUser): WecomUser {
  return {
    userId: raw.userid,
    name: raw.name,
    department: raw.department ?? [],
    mainDepartment: raw.main_department,
    directLeader: raw.direct_leader ?? [],
    position: raw.position || undefined,
    status: raw.status,
  };
}

/**
 * The WeCom REST client for one self-built app (corpId + agentId + secret).
 * Server API overview: https://developer.work.weixin.qq.com/document/path/90664
 */
export function createWecomClient(opts: WecomClientOptions): WecomClient {
  const { corpId, secret, log } = opts;
  const agentId = Number(opts.agentId);
  if (!Number.isInteger(agentId)) throw new WecomPayloadError(`WECOM_AGENT_ID must be an integer, got ${String(opts.agentId)}`);
  const cooldownMs = opts.configErrorCooldownMs ?? 60_000;
  const http = createWecomHttp(opts.baseUrl, opts.timeoutMs);
  const call = createCallRunner({ http, tokens: () => tokens, log, retry: opts.retry });

  // https://developer.work.weixin.qq.com/document/path/91039 — the secret travels in the query, never logged.
  async function getToken(): Promise<FetchedToken> {
    const raw = await call<{ access_token?: string; expires_in?: number }>({
      method: 'GET', path: '/cgi-bin/gettoken', params: { corpid: corpId, corpsecret: secret }, withToken: false,
    });
    return { accessToken: raw.access_token ?? '', expiresIn: Number(raw.expires_in ?? 7200) };
  }

  let configFailure: { err: unknown; at: number } | null = null;
  async function fetchTokenGuarded(): Promise<FetchedToken> {
    if (configFailure && Date.now() - configFailure.at < cooldownMs) throw configFailure.err;
    try {
      const token = await getToken();
      configFailure = null;
      return token;
    } catch (err) {
      if (classifyWecomError(err) === 'config') configFailure = { err, at: Date.now() };
      throw err;
    }
  }

  const tokens = createTokenProvider({
    corpId, agentId, secret, store: opts.tokenStore, fetchToken: fetchTokenGuarded,
    earlyExpiryMs: opts.earlyExpiryMs, log, onRefresh: opts.onRefresh,
  });

  // https://developer.work.weixin.qq.com/document/path/90236 (发送应用消息)
  async function sendMessage(body: SendMessageBody): Promise<SendResult> {
    // WeCom drops a request identical to one it accepted within the interval: a re-send of the same outbox row
    // (after a crash or an unknown outcome) reaches the person once (docs/decisions/0006-delivery-semantics.md).
    const raw = await call<RawSendResult>({
      method: 'POST', path: '/cgi-bin/message/send', effectful: true,
      data: { ...body, agentid: agentId, enable_duplicate_check: 1, duplicate_check_interval: DUPLICATE_CHECK_INTERVAL_SEC },
    });
    return {
      msgId: raw.msgid || undefined,
      responseCode: raw.response_code || undefined,
      invalidUser: splitIds(raw.invaliduser),
      invalidParty: splitIds(raw.invalidparty),
      invalidTag: splitIds(raw.invalidtag),
      unlicensedUser: splitIds(raw.unlicenseduser),
    };
  }

  const client: WecomClient = {
    getToken,
    sendMessage,

    async sendText(to, content) {
      checkContent('text.content', content);
      return sendMessage({ touser: joinUserIds(to), msgtype: 'text', text: { content } });
    },

    async sendMarkdown(to, content) {
      checkContent('markdown.content', content);
      return sendMessage({ touser: joinUserIds(to), msgtype: 'markdown', markdown: { content } });
    },

    async sendTextCard(to, { title, description, url, btntxt }) {
      checkBytes('textcard.title', title, 128, { required: true });
      checkBytes('textcard.description', description, 512, { required: true });
      checkBytes('textcard.url', url, 2048, { required: true });
      if (btntxt !== undefined && [...btntxt].length > 4) throw new WecomPayloadError('textcard.btntxt allows at most 4 characters');
      return sendMessage({ touser: joinUserIds(to), msgtype: 'textcard', textcard: { title, description, url, btntxt } });
    },

    async sendFile(to, mediaId) {
      if (!mediaId) throw new WecomPayloadError('file.media_id is empty');
      return sendMessage({ touser: joinUserIds(to), msgtype: 'file', file: { media_id: mediaId } });
    },

    async sendNews(to, articles: NewsArticle[]) {
      if (articles.length < 1 || articles.length > 8) throw new WecomPayloadError(`news needs 1 to 8 articles, got ${articles.length}`);
      const wire = articles.map((a, i) => {
        checkBytes(`news.articles[${i}].title`, a.title, 128, { required: true });
        checkBytes(`news.articles[${i}].description`, a.description ?? '', 512);
        return { title: a.title, description: a.description, url: a.url, picurl: a.picUrl, appid: a.appId, pagepath: a.pagePath };
      });
      return sendMessage({ touser: joinUserIds(to), msgtype: 'news', news: { articles: wire } });
    },

    async sendTemplateCard(to, card) {
      if (typeof card.card_type !== 'string') throw new WecomPayloadError('template_card.card_type is required');
      return sendMessage({ touser: joinUserIds(to), msgtype: 'template_card', template_card: card });
    },

    // https://developer.work.weixin.qq.com/document/path/94888 (更新模版卡片消息); each response_code works once.
    async updateTemplateCard(args: UpdateTemplateCardArgs) {
      const { userIds, partyIds, tagIds, atAll, responseCode, card, replaceName } = args;
      if (!responseCode) throw new WecomPayloadError('update_template_card needs a response_code');
      if ((card === undefined) === (replaceName === undefined)) {
        throw new WecomPayloadError('update_template_card takes exactly one of card or replaceName');
      }
      if (!atAll && !userIds?.length && !partyIds?.length && !tagIds?.length) {
        throw new WecomPayloadError('update_template_card needs userIds, partyIds, tagIds or atAll');
      }
      if (userIds?.length) joinUserIds(userIds, 'userids'); // same id rules and 1000 cap
      await call({
        method: 'POST',
        path: '/cgi-bin/message/update_template_card',
        effectful: true, // a response_code works once: a second try after an unknown outcome can only fail, never double
        data: {
          userids: userIds, partyids: partyIds, tagids: tagIds, atall: atAll ? 1 : 0, agentid: agentId,
          response_code: responseCode,
          ...(card !== undefined ? { template_card: card } : { button: { replace_name: replaceName } }),
        },
      });
    },

    // https://developer.work.weixin.qq.com/document/path/96484 — form field `media`; the filename is what users see.
    async uploadMedia(type, filename, data, contentType = 'application/octet-stream'): Promise<UploadedMedia> {
      checkMedia(type, filename, data.length);
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const raw = await call<{ media_id: string; created_at: string | number }>({
        method: 'POST',
        path: '/cgi-bin/media/upload',
        effectful: true, // an unknown outcome at worst leaves an unused media_id (expires in 3 days)
        params: { type },
        data: () => {
          const form = new FormData();
          form.append('media', new Blob([bytes], { type: contentType }), filename);
          return form;
        },
      });
      return { mediaId: raw.media_id, createdAt: Number(raw.created_at) };
    },

    // https://developer.work.weixin.qq.com/document/path/96255 — only members in the app's visible range.
    async getUser(userId) {
      if (!userId) throw new WecomPayloadError('getUser needs a user id');
      return toUser(await call<RawUser>({ method: 'GET', path: '/cgi-bin/user/get', params: { userid: userId } }));
    },

    // https://developer.work.weixin.qq.com/document/path/91023 (获取访问用户身份): the OAuth2 code → userid.
    // Members get `userid`; a visitor outside the corp gets only `openid`, which is answered as null.
    async getUserIdByCode(code) {
      if (!code) throw new WecomPayloadError('getUserIdByCode needs a code');
      const raw = await call<{ userid?: string; UserId?: string; openid?: string }>({
        method: 'GET', path: '/cgi-bin/auth/getuserinfo', params: { code },
      });
      return raw.userid || raw.UserId || null;
    },

    // https://developer.work.weixin.qq.com/document/path/90344 — without id: the whole visible tree (slow).
    async listDepartments(id) {
      const raw = await call<{ department?: RawDepartment[] }>({ method: 'GET', path: '/cgi-bin/department/list', params: { id } });
      return (raw.department ?? []).map(
        (d): WecomDepartment => ({ id: d.id, name: d.name, parentId: d.parentid, order: d.order }),
      );
    },

    // https://developer.work.weixin.qq.com/document/path/96260 — direct members only; recurse for sub-departments.
    async listDepartmentUsers(departmentId) {
      const raw = await call<{ userlist?: RawUser[] }>({
        method: 'GET', path: '/cgi-bin/user/list', params: { department_id: departmentId },
      });
      return (raw.userlist ?? []).map(toUser);
    },
  };
  return client;
}
