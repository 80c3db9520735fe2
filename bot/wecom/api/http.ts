import axios, { type AxiosInstance } from 'axios';
import { BotError, WecomApiError, WecomTransportError, errorMessage } from '../../errors';
import { backoffDelayMs, classifyWecomError, hintFor, outcomeUnknown, redactSecrets } from './error-policy';
import type { TokenProvider } from './token-provider';
import type { ApiLogger } from './types';

export interface RetryOptions {
  /** Attempts in total for -1, network errors, 5xx and 45009/45033 (WeCom: retry -1 at most 3 times). */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Injectable so tests run without waiting. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The axios instance. ONE response interceptor turns WeCom's HTTP-200 `errcode ≠ 0` into WecomApiError
 * and every transport failure into WecomTransportError (errors: https://developer.work.weixin.qq.com/document/path/90313).
 * The original axios error is not kept: its config holds the access_token in `params`.
 */
export function createWecomHttp(baseUrl: string, timeoutMs = 10_000): AxiosInstance {
  const http = axios.create({ baseURL: baseUrl, timeout: timeoutMs });
  http.interceptors.response.use(
    (res) => {
      const data: unknown = res.data;
      if (data && typeof data === 'object' && 'errcode' in data) {
        const { errcode, errmsg } = data as { errcode: unknown; errmsg?: unknown };
        const code = Number(errcode);
        if (code !== 0) {
          throw new WecomApiError(code, String(errmsg ?? ''), res.config.url ?? '?', hintFor(code));
        }
      }
      return res;
    },
    (err: unknown) => {
      if (err instanceof BotError) throw err;
      const path = axios.isAxiosError(err) ? (err.config?.url ?? '?') : '?';
      throw new WecomTransportError(path, sanitizeTransportError(err));
    },
  );
  return http;
}

/** A log-safe copy of a transport error: message, code and HTTP status only. */
function sanitizeTransportError(err: unknown): Error {
  const safe = new Error(redactSecrets(errorMessage(err))) as Error & { code?: string; status?: number };
  if (axios.isAxiosError(err)) {
    if (err.code) safe.code = err.code;
    if (err.response) safe.status = err.response.status;
  }
  return safe;
}

export interface CallSpec {
  method: 'GET' | 'POST';
  path: string;
  params?: Record<string, string | number | undefined>;
  /** A body, or a factory for bodies that cannot be sent twice (multipart). */
  data?: unknown | (() => unknown);
  /** gettoken is the one call without an access_token. */
  withToken?: boolean;
  /**
   * A call with an effect people see (message/send, update_template_card) or that creates something (media/upload).
   * When its outcome is unknown (timeout, reset, 5xx) it is not repeated here: the caller decides (the outbox re-sends
   * later under WeCom's duplicate check). Known failures (errcode -1, 45009, refused connection) are still retried.
   */
  effectful?: boolean;
}

export interface CallRunnerDeps {
  http: AxiosInstance;
  tokens: () => TokenProvider;
  log: ApiLogger;
  retry?: RetryOptions;
}

/**
 * Runs one WeCom call with the client policy: token errors (40014/42001) → invalidate, refetch and
 * retry once; -1, network and 5xx → backoff; 45009/45033 → longer backoff; config errors are logged
 * once at error level and never retried. The access_token goes in the URL query only and is never logged.
 */
export function createCallRunner({ http, tokens, log, retry = {} }: CallRunnerDeps) {
  const maxAttempts = Math.max(1, retry.maxAttempts ?? 3);
  const baseDelayMs = retry.baseDelayMs ?? 500;
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const reportedConfigErrors = new Set<number>();

  return async function call<T>(spec: CallSpec): Promise<T> {
    const { method, path, params, withToken = true } = spec;
    let attempt = 1;
    let tokenRetried = false;
    for (;;) {
      // Token failures (including gettoken's own errors) surface from here, already retried inside.
      const token = withToken ? await tokens().get() : undefined;
      try {
        const data = typeof spec.data === 'function' ? (spec.data as () => unknown)() : spec.data;
        const res = await http.request<T>({
          method,
          url: path,
          params: token === undefined ? params : { ...params, access_token: token },
          data,
        });
        return res.data;
      } catch (err) {
        const kind = classifyWecomError(err);
        const errcode = err instanceof WecomApiError ? err.errcode : undefined;
        if (kind === 'token' && token !== undefined && !tokenRetried) {
          tokenRetried = true;
          log.warn({ path, errcode }, 'wecom access token rejected; refetching once');
          await tokens().invalidate(token);
          continue;
        }
        if (kind === 'config' && errcode !== undefined) {
          reportConfigError(path, errcode, err as WecomApiError);
        }
        const blind = spec.effectful === true && outcomeUnknown(err);
        if (blind) log.warn({ path, kind }, 'wecom call outcome unknown; not retrying it here');
        if ((kind === 'transient' || kind === 'rate_limited') && attempt < maxAttempts && !blind) {
          const delayMs = backoffDelayMs(kind, attempt, baseDelayMs);
          log.warn({ path, errcode, kind, attempt, delayMs }, 'wecom call failed; retrying after backoff');
          await sleep(delayMs);
          attempt += 1;
          continue;
        }
        throw err;
      }
    }
  };

  /** Once per errcode per client, so a wrong secret does not flood the log; later ones go to debug. */
  function reportConfigError(path: string, errcode: number, err: WecomApiError): void {
    const fields = { path, errcode, errmsg: err.errmsg, hint: err.hint };
    if (reportedConfigErrors.has(errcode)) {
      log.debug(fields, 'wecom configuration error (again)');
      return;
    }
    reportedConfigErrors.add(errcode);
    log.error(fields, 'wecom configuration error; not retrying');
  }
}

export type CallRunner = ReturnType<typeof createCallRunner>;
