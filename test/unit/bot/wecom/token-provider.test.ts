import nock from 'nock';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { BotError } from '../../../../bot/errors';
import {
  createMemoryTokenStore, createRedisTokenStore, createTokenProvider,
  type ApiLogger, type FetchedToken, type TokenProviderOptions, type TokenStore,
} from '../../../../bot/wecom/api';

const KEY = 'wecom:token:corp1:1000002';
const quietLog = (): ApiLogger => ({ debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() });

function makeProvider(store: TokenStore, fetchToken: () => Promise<FetchedToken>, extra: Partial<TokenProviderOptions> = {}) {
  return createTokenProvider({
    corpId: 'corp1', agentId: 1000002, secret: 'fake-secret', store, fetchToken, log: quietLog(), ...extra,
  });
}

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});

afterEach(() => {
  const done = nock.isDone();
  nock.cleanAll();
  expect(done).toBe(true);
});

describe('createTokenProvider', () => {
  it('caches the token under wecom:token:<corpId>:<agentId>, expiring early', async () => {
    const store = createMemoryTokenStore();
    const set = jest.spyOn(store, 'set');
    const provider = makeProvider(store, async () => ({ accessToken: 'tok', expiresIn: 7200 }));
    await expect(provider.get()).resolves.toBe('tok');
    expect(set).toHaveBeenCalledWith(KEY, 'tok', 7200_000 - 5 * 60_000);
  });

  it('never caches an empty token', async () => {
    const store = createMemoryTokenStore();
    const onRefresh = jest.fn();
    const provider = makeProvider(store, async () => ({ accessToken: '', expiresIn: 7200 }), { onRefresh });
    await expect(provider.get()).rejects.toThrow(/empty access_token/);
    expect(await store.get(KEY)).toBeNull();
    expect(onRefresh).not.toHaveBeenCalled();
  });

  it('shares one in-flight fetch between concurrent callers and counts one refresh', async () => {
    const fetchToken = jest.fn(async () => {
      await new Promise((r) => setTimeout(r, 20));
      return { accessToken: 'tok', expiresIn: 7200 };
    });
    const onRefresh = jest.fn();
    const provider = makeProvider(createMemoryTokenStore(), fetchToken, { onRefresh });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.get()));
    expect(new Set(tokens)).toEqual(new Set(['tok']));
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(onRefresh).toHaveBeenCalledTimes(1);
  });

  it('lets the next caller try again after a failed fetch', async () => {
    const fetchToken = jest.fn()
      .mockRejectedValueOnce(new Error('boom'))
      .mockResolvedValueOnce({ accessToken: 'tok', expiresIn: 7200 });
    const provider = makeProvider(createMemoryTokenStore(), fetchToken);
    await expect(provider.get()).rejects.toThrow('boom');
    await expect(provider.get()).resolves.toBe('tok');
  });

  it('invalidate(stale) keeps a fresher token another instance stored', async () => {
    const store = createMemoryTokenStore();
    const provider = makeProvider(store, async () => ({ accessToken: 'unused', expiresIn: 7200 }));
    await store.set(KEY, 'fresh', 60_000);
    await provider.invalidate('stale');
    expect(await store.get(KEY)).toBe('fresh');
    await provider.invalidate('fresh');
    expect(await store.get(KEY)).toBeNull();
  });

  it('an instance that loses the lock waits for the holder to store the token', async () => {
    const store = createMemoryTokenStore();
    await store.acquireLock(`${KEY}:lock`, 10_000); // another instance is refreshing
    setTimeout(() => void store.set(KEY, 'from-other', 60_000), 120);
    const fetchToken = jest.fn(async () => ({ accessToken: 'mine', expiresIn: 7200 }));
    const provider = makeProvider(store, fetchToken, { pollIntervalMs: 10 });
    await expect(provider.get()).resolves.toBe('from-other');
    expect(fetchToken).not.toHaveBeenCalled();
  });

  it('fetches itself when the lock holder never stores a token', async () => {
    const store = createMemoryTokenStore();
    await store.acquireLock(`${KEY}:lock`, 10_000);
    const fetchToken = jest.fn(async () => ({ accessToken: 'mine', expiresIn: 7200 }));
    const provider = makeProvider(store, fetchToken, { pollIntervalMs: 10, lockWaitMs: 100 });
    await expect(provider.get()).resolves.toBe('mine');
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('fails at startup when the secret is empty', () => {
    expect(() => makeProvider(createMemoryTokenStore(), jest.fn(), { secret: '' })).toThrow(BotError);
  });
});

describe('createRedisTokenStore', () => {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `test-token-${process.pid}-${randomBytes(4).toString('hex')}`;
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('stores values under the prefix with a TTL', async () => {
    const store = createRedisTokenStore(redis, prefix);
    await store.set('k1', 'v1', 60_000);
    expect(await redis.get(`${prefix}:k1`)).toBe('v1');
    expect(await redis.pttl(`${prefix}:k1`)).toBeGreaterThan(59_000);
    await store.del('k1');
    expect(await store.get('k1')).toBeNull();
  });

  it('grants a lock to one holder at a time', async () => {
    const a = createRedisTokenStore(redis, prefix);
    const b = createRedisTokenStore(redis, prefix);
    expect(await a.acquireLock('lock1', 5_000)).toBe(true);
    expect(await b.acquireLock('lock1', 5_000)).toBe(false);
    await a.releaseLock('lock1');
    expect(await b.acquireLock('lock1', 5_000)).toBe(true);
    await b.releaseLock('lock1');
  });

  it('does not release a lock that expired and was taken by someone else', async () => {
    const a = createRedisTokenStore(redis, prefix);
    const b = createRedisTokenStore(redis, prefix);
    expect(await a.acquireLock('lock2', 30)).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(await b.acquireLock('lock2', 5_000)).toBe(true);
    await a.releaseLock('lock2');
    expect(await redis.exists(`${prefix}:lock2`)).toBe(1);
    await b.releaseLock('lock2');
    expect(await redis.exists(`${prefix}:lock2`)).toBe(0);
  });

  it('deletes a token only while it still equals the stale value', async () => {
    const store = createRedisTokenStore(redis, prefix);
    await store.set('tok', 'fresh', 60_000);
    await store.delIfEquals?.('tok', 'stale');
    expect(await store.get('tok')).toBe('fresh');
    await store.delIfEquals?.('tok', 'fresh');
    expect(await store.get('tok')).toBeNull();
  });
});
