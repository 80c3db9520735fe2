/**
 * DingTalk's two error shapes, classified in ONE place (dingtalk-api.md §2, §10):
 * - old API (oapi.dingtalk.com): HTTP 200 with `{errcode ≠ 0, errmsg}`;
 * - new API (api.dingtalk.com/v1.0): HTTP 4xx/5xx with `{code, message, requestid}`.
 * Every caller (client, channel, outbox through SendResult) asks `classifyDingtalkError`, never the raw codes.
 */

export type DingtalkErrorClass = 'token' | 'transient' | 'rate_limited' | 'quota' | 'config' | 'permanent';

/** DingTalk answered with an error (either family). `code` is the errcode as a string for the old API. */
export class DingtalkApiError extends Error {
  constructor(
    readonly family: 'api' | 'oapi',
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly path: string,
    readonly requestId?: string,
  ) {
    super(`DingTalk ${path} failed: ${family === 'oapi' ? 'errcode ' : ''}${code} (${detail})${hintFor(code) ? ` — ${hintFor(code)}` : ''}`);
    this.name = 'DingtalkApiError';
  }
}

/** No answer, or an answer that is not DingTalk's (proxy page, socket reset, timeout). */
export class DingtalkTransportError extends Error {
  /** `code`: the socket error code when there was no answer (ECONNRESET, ECONNABORTED for a timeout …). */
  constructor(readonly path: string, message: string, readonly status?: number, readonly code?: string) {
    super(`DingTalk ${path} transport error: ${message}`);
    this.name = 'DingtalkTransportError';
  }
}

/** A request we refuse to send (DingTalk would reject it, or drop it silently). Never retried. */
export class DingtalkPayloadError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'DingtalkPayloadError';
  }
}

// Old API errcodes. 40014 invalid token, 42001 expired token; -1 busy, 15/88 server timeout (§10);
// 90020 monthly call quota of the org (§10); 40089/40001 wrong key/secret; 60011/60020 permission/IP.
const OLD_TOKEN = new Set(['40014', '42001']);
const OLD_TRANSIENT = new Set(['-1', '15', '88']);
const OLD_QUOTA = new Set(['90020']);
const OLD_RATE = new Set(['90018', '90002', '90006']);
const OLD_CONFIG = new Set(['40001', '40089', '40078', '60011', '60020', '600001', '33012']);

const HINTS: Record<string, string> = {
  '40089': 'DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET do not match (凭证与基础信息)',
  '90020': 'the organisation used its monthly API call quota (free/standard plan: 10000 a month); upgrade or wait for the 1st',
  'Forbidden.AccessDenied.ApiCountLimitForOrg': 'the organisation used its monthly API call quota; upgrade or wait for the 1st',
  '60011': 'the app may not read this part of the directory: check 权限管理 (通讯录只读权限) and the app’s 可见范围',
  '60020': 'this server’s egress IP is not on the app’s 服务器出口IP list',
  'InvalidAuthentication': 'access token rejected (refetched once)',
  'staffId.notExisted': 'a recipient is not a member of the organisation (or outside the app’s 可见范围)',
};

export function hintFor(code: string): string | undefined {
  if (HINTS[code]) return HINTS[code];
  if (/PermissionDenied|AccessTokenPermission/i.test(code)) return 'the app lacks this API permission: 开发者后台 → 权限管理 → apply for it';
  return undefined;
}

export function classifyDingtalkError(err: unknown): DingtalkErrorClass {
  if (err instanceof DingtalkApiError) {
    const { code, status } = err;
    if (err.family === 'oapi') {
      if (OLD_TOKEN.has(code)) return 'token';
      if (OLD_TRANSIENT.has(code)) return 'transient';
      if (OLD_QUOTA.has(code)) return 'quota';
      if (OLD_RATE.has(code)) return 'rate_limited';
      if (OLD_CONFIG.has(code)) return 'config';
      return 'permanent';
    }
    if (/ApiCountLimit/i.test(code)) return 'quota';
    if (status === 401 || /InvalidAuthentication|accessToken(Expired|Invalid)|token\.(invalid|expired)/i.test(code)) return 'token';
    if (status === 429 || /QpsLimit|Throttl|FlowControl|too\.fast|RateLimit/i.test(code)) return 'rate_limited';
    if (/PermissionDenied|invalidClient|AppKeyInvalid|unauthorized\.app/i.test(code)) return 'config';
    if (status >= 500) return 'transient';
    return 'permanent';
  }
  if (err instanceof DingtalkTransportError) {
    if (err.status === undefined || err.status >= 500) return 'transient';
    if (err.status === 429) return 'rate_limited';
    return err.status === 401 ? 'token' : 'permanent';
  }
  if (err instanceof DingtalkPayloadError) return 'permanent';
  // Anything else (a socket error outside axios, the token store's Redis): retrying later beats dropping.
  return 'transient';
}

/** Socket errors that prove the request never reached DingTalk. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * True when a failed call may still have taken effect at DingTalk (issue 15): no answer (a timeout, a reset
 * connection), a proxy's 5xx page, or DingTalk's own 500/502/504. Such an effectful call (a message, a card, a work
 * notice, an upload) is not repeated inside the call; the outbox decides (a card re-send first asks whether the card
 * exists). A refused connection, a 503 (DingTalk busy, nothing done) and every 4xx are known failures.
 */
export function outcomeUnknown(err: unknown): boolean {
  if (err instanceof DingtalkTransportError) {
    if (err.status !== undefined) return err.status >= 500;
    return !(err.code !== undefined && NOT_SENT_CODES.has(err.code));
  }
  if (err instanceof DingtalkApiError) return err.status === 500 || err.status === 502 || err.status === 504;
  return false;
}

/** Reads an error body of either family; null when the body is not an error. */
export function readErrorBody(family: 'api' | 'oapi', status: number, body: unknown, path: string): DingtalkApiError | null {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (family === 'oapi') {
    if ('errcode' in b && Number(b.errcode) !== 0) {
      return new DingtalkApiError('oapi', status, String(b.errcode), String(b.errmsg ?? ''), path, b.request_id as string | undefined);
    }
    return status >= 400 ? new DingtalkApiError('oapi', status, `HTTP${status}`, 'non-2xx', path) : null;
  }
  if (status < 400) return null;
  return new DingtalkApiError('api', status, String(b.code ?? `HTTP${status}`), String(b.message ?? ''), path,
    (b.requestid ?? b.requestId) as string | undefined);
}

/** Strips credentials from text that might reach a log. */
export function redactDingtalkSecrets(text: string): string {
  return text.replace(/(access_token|appsecret|appSecret|clientSecret|ticket)=[^&\s"']*/gi, '$1=[redacted]');
}

/** A refused callback: `unauthorized` → 401 (one body whatever the reason), `malformed` → 400. Nothing is stored. */
export class DingtalkCallbackError extends Error {
  constructor(readonly kind: 'unauthorized' | 'malformed', reason: string) {
    super(`dingtalk callback refused (${kind}): ${reason}`);
    this.name = 'DingtalkCallbackError';
  }
}
export const unauthorized = (reason: string) => new DingtalkCallbackError('unauthorized', reason);
export const malformed = (reason: string) => new DingtalkCallbackError('malformed', reason);
