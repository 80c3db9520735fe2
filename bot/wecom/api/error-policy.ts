import { BotError, BotErrorCode, WecomApiError, WecomTransportError } from '../../errors';

/**
 * What to do with a failed WeCom call. The outbox worker retries `transient` and `rate_limited` later,
 * and parks `config` and `permanent` failures with their errcode. `token` is handled inside the client
 * (invalidate, refetch, retry once); it only escapes when the retry failed the same way.
 */
export type WecomErrorClass = 'token' | 'transient' | 'rate_limited' | 'config' | 'permanent';

/** A request we refuse to send because WeCom would reject or silently truncate it. Never retried. */
export class WecomPayloadError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'WecomPayloadError';
  }
}

// Error codes: https://developer.work.weixin.qq.com/document/path/90313 (全局错误码)
const TOKEN_CODES = new Set([40014, 42001]);
const TRANSIENT_CODES = new Set([-1]);
const RATE_LIMIT_CODES = new Set([45009, 45033]);
const CONFIG_CODES = new Set([40001, 40013, 40091, 41001, 48002, 60020, 301002]);

/** Hints that say what to fix. Keyed by errcode; never match on errmsg, its wording changes. */
const HINTS: Record<number, string> = {
  40001: 'WECOM_SECRET does not match WECOM_CORP_ID/WECOM_AGENT_ID, or the app is disabled (check 应用管理 → Secret)',
  40013: 'WECOM_CORP_ID is not a valid CorpID (check 我的企业 → 企业信息 → 企业ID)',
  40091: 'WECOM_SECRET is not a valid secret for this corp (another corp’s or a reset secret? check 应用管理 → Secret)',
  41001: 'access_token missing from the URL query (client bug)',
  44004: 'message content is empty',
  45002: 'message content is too large (text/markdown 2048 bytes)',
  45009: 'WeCom frequency limit hit; the block lasts for the limit’s window (per user: 30/min, 1000/hour)',
  45033: 'WeCom concurrent-call limit hit; lower the concurrency',
  48002: 'this app is not permitted to call this API (check the app’s API permissions and visible range in 应用管理)',
  60020: 'this server’s egress IP is not on the app’s 企业可信IP list (应用管理 → 企业可信IP); it takes effect about 1 minute after saving',
  81013: 'every recipient is invalid or outside the app’s visible range (可见范围)',
  82001: 'no recipient given (touser/toparty/totag all empty)',
  301002: 'the access_token belongs to a different app than WECOM_AGENT_ID (agentid mismatch)',
};

export function hintFor(errcode: number): string | undefined {
  return HINTS[errcode];
}

export function classifyWecomError(err: unknown): WecomErrorClass {
  if (err instanceof WecomApiError) {
    if (TOKEN_CODES.has(err.errcode)) return 'token';
    if (TRANSIENT_CODES.has(err.errcode)) return 'transient';
    if (RATE_LIMIT_CODES.has(err.errcode)) return 'rate_limited';
    if (CONFIG_CODES.has(err.errcode)) return 'config';
    return 'permanent';
  }
  if (err instanceof WecomTransportError) {
    const status = transportStatus(err);
    if (status === undefined || status >= 500) return 'transient';
    return status === 429 ? 'rate_limited' : 'permanent';
  }
  if (err instanceof WecomPayloadError) return 'permanent';
  if (err instanceof BotError) return err.code === BotErrorCode.Configuration ? 'config' : 'permanent';
  // Anything else (the token store's Redis, a socket error thrown outside axios) is infrastructure:
  // retrying later is safer than dropping the message.
  return 'transient';
}

/** Socket errors raised before any byte of the request reached WeCom: the call certainly did nothing. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * True when a failed call may still have taken effect at WeCom: a timeout, a reset connection or a 5xx from a
 * proxy. Such a call is never repeated blindly inside the client; the outbox re-sends it later, protected by
 * WeCom's duplicate check (docs/decisions/0006-delivery-semantics.md).
 */
export function outcomeUnknown(err: unknown): boolean {
  if (!(err instanceof WecomTransportError)) return false;
  const original = err.original as { code?: unknown; status?: unknown } | undefined;
  if (typeof original?.status === 'number') return original.status >= 500;
  return !(typeof original?.code === 'string' && NOT_SENT_CODES.has(original.code));
}

/** HTTP status of a transport failure, when WeCom (or a proxy) answered at all. */
export function transportStatus(err: WecomTransportError): number | undefined {
  const original = err.original as { status?: unknown } | undefined;
  return typeof original?.status === 'number' ? original.status : undefined;
}

/** Exponential backoff; rate limits back off four times longer, since retrying fast only extends the block. */
export function backoffDelayMs(kind: 'transient' | 'rate_limited', attempt: number, baseDelayMs: number): number {
  const base = kind === 'rate_limited' ? baseDelayMs * 4 : baseDelayMs;
  return base * 2 ** (attempt - 1);
}

/** Strip credentials from any text that might reach a log (nock and some socket errors echo the URL). */
export function redactSecrets(text: string): string {
  return text.replace(/(access_token|corpsecret)=[^&\s"']*/gi, '$1=[redacted]');
}
