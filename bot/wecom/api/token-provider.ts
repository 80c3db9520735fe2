import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BotError, BotErrorCode } from '../../errors';
import type { ApiLogger, FetchedToken } from './types';

/**
 * Where access tokens live: in memory for one process, in Redis when several instances share an app
 * (each gettoken call may invalidate the others' tokens, and WeCom intercepts frequent gettoken calls).
 * See https://developer.work.weixin.qq.com/document/path/91039 (获取access_token: cache it server-side).
 */
export interface TokenStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  acquireLock(key: string, ttlMs: number): Promise<boolean>;
  releaseLock(key: string): Promise<void>;
  /** Atomic compare-and-delete; when absent the provider falls back to get + del. */
  delIfEquals?(key: string, expected: string): Promise<void>;
}

export function createMemoryTokenStore(): TokenStore {
  const values = new Map<string, { value: string; expiresAt: number }>();
  const locks = new Map<string, number>();
  const read = (key: string): string | null => {
    const entry = values.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      values.delete(key);
      return null;
    }
    return entry.value;
  };
  return {
    get: async (key) => read(key),
    set: async (key, value, ttlMs) => {
      values.set(key, { value, expiresAt: Date.now() + ttlMs });
    },
    del: async (key) => {
      values.delete(key);
    },
    delIfEquals: async (key, expected) => {
      if (read(key) === expected) values.delete(key);
    },
    acquireLock: async (key, ttlMs) => {
      const until = locks.get(key);
      if (until !== undefined && until > Date.now()) return false;
      locks.set(key, Date.now() + ttlMs);
      return true;
    },
    releaseLock: async (key) => {
      locks.delete(key);
    },
  };
}

/** Deletes KEYS[1] only while it still holds ARGV[1]: a lock we own, or the token we saw fail. */
const COMPARE_AND_DELETE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export function createRedisTokenStore(redis: Redis, prefix = 'spb'): TokenStore {
  const full = (key: string) => `${prefix}:${key}`;
  // Random value per lock taken, so we never release a lock that expired and was taken by someone else.
  const ownedLocks = new Map<string, string>();
  const compareAndDelete = async (key: string, expected: string) => {
    await redis.eval(COMPARE_AND_DELETE, 1, full(key), expected);
  };
  return {
    get: (key) => redis.get(full(key)),
    set: async (key, value, ttlMs) => {
      await redis.set(full(key), value, 'PX', Math.max(1, Math.floor(ttlMs)));
    },
    del: async (key) => {
      await redis.del(full(key));
    },
    delIfEquals: compareAndDelete,
    acquireLock: async (key, ttlMs) => {
      const value = randomBytes(16).toString('hex');
      const ok = await redis.set(full(key), value, 'PX', Math.max(1, Math.floor(ttlMs)), 'NX');
      if (ok !== 'OK') return false;
      ownedLocks.set(key, value);
      return true;
    },
    releaseLock: async (key) => {
      const value = ownedLocks.get(key);
      if (value === undefined) return;
      ownedLocks.delete(key);
      await compareAndDelete(key, value);
    },
  };
}

export interface TokenProviderOptions {
  corpId: string;
  agentId: number | string;
  /** Only checked here (an empty secret fails at startup); fetchToken does the call. Never logged. */
  secret: string;
  store: TokenStore;
  fetchToken: () => Promise<FetchedToken>;
  /** Drop the cached token this long before WeCom says it expires (WeCom may also invalidate it early). */
  earlyExpiryMs?: number;
  log: ApiLogger;
  /** Metrics hook: called once per successful gettoken. */
  onRefresh?: () => void;
  /** How long the cross-instance refresh lock lives if its holder dies. */
  lockTtlMs?: number;
  /** An instance that lost the lock polls the store this often… */
  pollIntervalMs?: number;
  /** …for this long, then fetches the token itself. */
  lockWaitMs?: number;
}

export interface TokenProvider {
  get(): Promise<string>;
  /** Forget `stale`, unless the cache already holds a different (fresher) token. */
  invalidate(stale: string): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Access-token cache with single-flight refresh: one in-process promise, plus a store lock (SET NX)
 * across instances. Uses the wall clock for expiry: that is infrastructure, not domain time.
 */
export function createTokenProvider(opts: TokenProviderOptions): TokenProvider {
  const { corpId, agentId, store, fetchToken, log, onRefresh } = opts;
  const earlyExpiryMs = opts.earlyExpiryMs ?? 5 * 60_000;
  const lockTtlMs = opts.lockTtlMs ?? 15_000;
  const pollIntervalMs = opts.pollIntervalMs ?? 50;
  const lockWaitMs = opts.lockWaitMs ?? 5_000;
  if (!corpId || !opts.secret || agentId === '' || agentId === undefined) {
    throw new BotError(BotErrorCode.Configuration, 'WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET must all be set');
  }
  const key = `wecom:token:${corpId}:${agentId}`;
  const lockKey = `${key}:lock`;
  let inflight: Promise<string> | null = null;

  async function fetchAndStore(): Promise<string> {
    const { accessToken, expiresIn } = await fetchToken();
    if (!accessToken) {
      throw new BotError(BotErrorCode.WecomApi, 'gettoken returned an empty access_token; not caching it');
    }
    onRefresh?.();
    const ttlMs = (expiresIn > 0 ? expiresIn : 7200) * 1000 - earlyExpiryMs;
    if (ttlMs > 0) await store.set(key, accessToken, ttlMs);
    log.info({ corpId, agentId, ttlMs }, 'wecom access token refreshed');
    return accessToken;
  }

  async function refresh(): Promise<string> {
    if (await store.acquireLock(lockKey, lockTtlMs)) {
      try {
        // Another instance may have stored a token between our cache miss and the lock.
        return (await store.get(key)) ?? (await fetchAndStore());
      } finally {
        await store.releaseLock(lockKey);
      }
    }
    const deadline = Date.now() + lockWaitMs;
    while (Date.now() < deadline) {
      await sleep(pollIntervalMs);
      const cached = await store.get(key);
      if (cached) return cached;
    }
    log.warn({ corpId, agentId, lockWaitMs }, 'wecom token lock holder did not store a token in time; fetching ourselves');
    return fetchAndStore();
  }

  return {
    async get() {
      const cached = await store.get(key);
      if (cached) return cached;
      inflight ??= refresh().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    async invalidate(stale) {
      if (store.delIfEquals) {
        await store.delIfEquals(key, stale);
      } else if ((await store.get(key)) === stale) {
        await store.del(key);
      }
    },
  };
}
