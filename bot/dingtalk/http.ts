/**
 * One call runner for both DingTalk API families (dingtalk-api.md §1–§2):
 * - `api`  (api.dingtalk.com/v1.0): token in the header `x-acs-dingtalk-access-token`, token from POST /v1.0/oauth2/accessToken;
 * - `oapi` (oapi.dingtalk.com):    token in the query `?access_token=`,          token from GET /gettoken.
 * Tokens are cached per family (refreshed 5 min early), fetched single-flight; a token error invalidates and
 * retries once; transient/rate-limited errors back off, except an effectful call whose outcome is unknown (never
 * repeated blindly); every HTTP attempt is counted (monthly quota).
 */
import axios, { type AxiosInstance } from 'axios';
import { DingtalkApiError, DingtalkTransportError, classifyDingtalkError, outcomeUnknown, readErrorBody, redactDingtalkSecrets } from './errors';
import type { CallCounter } from './quota';

export type Family = 'api' | 'oapi';

export interface DingtalkLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Shared token cache (the WeCom Redis/memory TokenStore satisfies it). */
export interface DingtalkTokenStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
}

export function createMemoryDingtalkTokenStore(): DingtalkTokenStore {
  const m = new Map<string, { v: string; until: number }>();
  return {
    get: async (k) => {
      const e = m.get(k);
      if (!e || e.until <= Date.now()) return null; // token expiry is infrastructure time, not domain time
      return e.v;
    },
    set: async (k, v, ttl) => void m.set(k, { v, until: Date.now() + ttl }),
    del: async (k) => void m.delete(k),
  };
}

export interface RunnerOptions {
  apiBase: string;
  oapiBase: string;
  clientId: string;
  clientSecret: string;
  counter: CallCounter;
  log: DingtalkLogger;
  tokenStore?: DingtalkTokenStore;
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  earlyExpiryMs?: number;
}

export interface CallSpec {
  family: Family;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  params?: Record<string, string | number | undefined>;
  /** A body, or a factory for bodies that cannot be sent twice (multipart). */
  data?: unknown;
  withToken?: boolean;
  /**
   * The call changes something at DingTalk (sends, delivers, uploads): when its outcome is unknown (timeout, reset,
   * 5xx — `outcomeUnknown`) it is not repeated here, since it may have taken effect; the caller decides.
   */
  effectful?: boolean;
}

export interface CallRunner {
  call<T>(spec: CallSpec): Promise<T>;
  token(family: Family): Promise<string>;
  invalidate(family: Family, stale: string): Promise<void>;
}

function makeHttp(baseURL: string, family: Family, timeout: number): AxiosInstance {
  const http = axios.create({ baseURL, timeout, validateStatus: () => true });
  http.interceptors.response.use((res) => {
    const err = readErrorBody(family, res.status, res.data, res.config.url ?? '?');
    if (err) throw err;
    return res;
  }, (err: unknown) => {
    if (err instanceof DingtalkApiError) throw err;
    const path = axios.isAxiosError(err) ? (err.config?.url ?? '?') : '?';
    const status = axios.isAxiosError(err) ? err.response?.status : undefined;
    const code = axios.isAxiosError(err) ? err.code : undefined;
    throw new DingtalkTransportError(path, redactDingtalkSecrets(err instanceof Error ? err.message : String(err)), status, code);
  });
  return http;
}

export function createCallRunner(opts: RunnerOptions): CallRunner {
  const timeout = opts.timeoutMs ?? 10_000;
  const http: Record<Family, AxiosInstance> = { api: makeHttp(opts.apiBase, 'api', timeout), oapi: makeHttp(opts.oapiBase, 'oapi', timeout) };
  const store = opts.tokenStore ?? createMemoryDingtalkTokenStore();
  const early = opts.earlyExpiryMs ?? 5 * 60_000;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
  const baseDelay = opts.baseDelayMs ?? 500;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const inflight: Partial<Record<Family, Promise<string>>> = {};
  const key = (f: Family) => `dingtalk:token:${f}:${opts.clientId}`;

  async function fetchToken(family: Family): Promise<{ token: string; expiresIn: number }> {
    await opts.counter.count(family, 'token');
    if (family === 'api') {
      const res = await http.api.post<{ accessToken?: string; expireIn?: number }>('/v1.0/oauth2/accessToken', {
        appKey: opts.clientId, appSecret: opts.clientSecret,
      });
      return { token: res.data.accessToken ?? '', expiresIn: Number(res.data.expireIn ?? 7200) };
    }
    const res = await http.oapi.get<{ access_token?: string; expires_in?: number }>('/gettoken', {
      params: { appkey: opts.clientId, appsecret: opts.clientSecret },
    });
    return { token: res.data.access_token ?? '', expiresIn: Number(res.data.expires_in ?? 7200) };
  }

  async function token(family: Family): Promise<string> {
    const cached = await store.get(key(family));
    if (cached) return cached;
    inflight[family] ??= (async () => {
      const { token: t, expiresIn } = await fetchToken(family);
      if (!t) throw new DingtalkTransportError(family === 'api' ? '/v1.0/oauth2/accessToken' : '/gettoken', 'empty access token');
      const ttl = (expiresIn > 0 ? expiresIn : 7200) * 1000 - early;
      if (ttl > 0) await store.set(key(family), t, ttl);
      opts.log.info({ family, ttlMs: ttl }, 'dingtalk access token refreshed');
      return t;
    })().finally(() => {
      delete inflight[family];
    });
    return inflight[family]!;
  }

  async function invalidate(family: Family, stale: string) {
    if ((await store.get(key(family))) === stale) await store.del(key(family));
  }

  async function call<T>(spec: CallSpec): Promise<T> {
    const { family, method, path, withToken = true } = spec;
    let attempt = 1;
    let tokenRetried = false;
    for (;;) {
      const t = withToken ? await token(family) : undefined;
      try {
        await opts.counter.count(family, path);
        const data = typeof spec.data === 'function' ? (spec.data as () => unknown)() : spec.data;
        const res = await http[family].request<T>({
          method, url: path, data,
          params: family === 'oapi' && t ? { ...spec.params, access_token: t } : spec.params,
          headers: family === 'api' && t ? { 'x-acs-dingtalk-access-token': t } : undefined,
        });
        return res.data;
      } catch (err) {
        const kind = classifyDingtalkError(err);
        const code = err instanceof DingtalkApiError ? err.code : undefined;
        if (kind === 'token' && t && !tokenRetried) {
          tokenRetried = true;
          opts.log.warn({ path, code }, 'dingtalk access token rejected; refetching once');
          await invalidate(family, t);
          continue;
        }
        if (kind === 'quota') opts.counter.exhausted();
        if (spec.effectful && outcomeUnknown(err)) {
          opts.log.warn({ path, code, kind }, 'dingtalk call outcome unknown; not repeated here');
          throw err;
        }
        if ((kind === 'transient' || kind === 'rate_limited') && attempt < maxAttempts) {
          const delayMs = (kind === 'rate_limited' ? baseDelay * 4 : baseDelay) * 2 ** (attempt - 1);
          opts.log.warn({ path, code, kind, attempt, delayMs }, 'dingtalk call failed; retrying after backoff');
          await sleep(delayMs);
          attempt += 1;
          continue;
        }
        if (kind === 'config') opts.log.error({ path, code, err: (err as Error).message }, 'dingtalk configuration error; not retrying');
        throw err;
      }
    }
  }

  return { call, token, invalidate };
}
