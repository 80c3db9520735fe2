/**
 * Coded errors (bolt-js style): one string enum of codes, one small class per failure,
 * `asBotError()` for anything unknown. Nothing is swallowed or returned as a string.
 */
export enum BotErrorCode {
  /** Bad signature, wrong corp (receiveid) or undecryptable payload: always answered 401, same body. */
  CallbackAuthenticity = 'callback_authenticity',
  /** The envelope or the inner XML cannot be parsed, or is refused (DOCTYPE): answered 400. */
  CallbackMalformed = 'callback_malformed',
  /** WeCom answered a non-zero errcode. */
  WecomApi = 'wecom_api',
  /** Transport failure talking to WeCom (timeout, connection refused, non-2xx). */
  WecomTransport = 'wecom_transport',
  /** Invalid configuration detected at run time (e.g. errcode 40001, wrong secret). */
  Configuration = 'configuration',
  /** A handler threw. */
  Handler = 'handler',
  Unknown = 'unknown',
}

export class BotError extends Error {
  constructor(
    readonly code: BotErrorCode,
    message: string,
    readonly original?: unknown,
  ) {
    super(message);
    this.name = 'BotError';
  }
}

/** Signature, corp id or decryption failure. The message is for logs only; the response body never varies. */
export class CallbackAuthenticityError extends BotError {
  constructor(reason: string) {
    super(BotErrorCode.CallbackAuthenticity, `callback authenticity check failed: ${reason}`);
  }
}

export class CallbackMalformedError extends BotError {
  constructor(reason: string) {
    super(BotErrorCode.CallbackMalformed, `malformed callback: ${reason}`);
  }
}

/** WeCom returned HTTP 200 with errcode ≠ 0. `retryable` is decided by the client's classification. */
export class WecomApiError extends BotError {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly path: string,
    readonly hint?: string,
  ) {
    super(BotErrorCode.WecomApi, `WeCom ${path} failed: errcode ${errcode} (${errmsg})${hint ? ` — ${hint}` : ''}`);
    this.name = 'WecomApiError';
  }
}

export class WecomTransportError extends BotError {
  constructor(readonly path: string, original: unknown) {
    super(BotErrorCode.WecomTransport, `WeCom ${path} transport error: ${errorMessage(original)}`, original);
    this.name = 'WecomTransportError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export function asBotError(err: unknown): BotError {
  if (err instanceof BotError) return err;
  return new BotError(BotErrorCode.Unknown, errorMessage(err), err);
}
