/**
 * Monthly API call counting (dingtalk-api.md §10): organisations on the free/standard plan get 10,000 metered
 * calls a month; beyond that every call fails with 90020 / ApiCountLimitForOrg until the 1st. We count every
 * call we make (a superset of the metered ones, so the warning comes early), expose it as a prom-client metric
 * and log a warning at 80 % and 95 % of the quota, once per month each.
 */
import type { Redis } from 'ioredis';
import client from 'prom-client';
import { localDate } from '../../domain/business-time';
import type { Clock } from '../../domain/clock';

/** Where counts live: per process by default; a shared store (Redis INCR) keeps them across restarts/instances. */
export interface CallCountStore {
  incr(key: string): Promise<number>;
  get(key: string): Promise<number>;
}

export function createMemoryCountStore(): CallCountStore {
  const m = new Map<string, number>();
  return {
    incr: async (k) => {
      const v = (m.get(k) ?? 0) + 1;
      m.set(k, v);
      return v;
    },
    get: async (k) => m.get(k) ?? 0,
  };
}

/** Counts in Redis (INCR, kept 40 days): shared by every instance and kept across restarts. */
export function createRedisCountStore(redis: Redis, prefix = 'spb'): CallCountStore {
  return {
    async incr(k) {
      const [[, n]] = (await redis.multi().incr(`${prefix}:${k}`).expire(`${prefix}:${k}`, 40 * 86_400).exec()) as [[unknown, number]];
      return Number(n);
    },
    get: async (k) => Number((await redis.get(`${prefix}:${k}`)) ?? 0),
  };
}

export interface QuotaLogger { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void }

export interface CallCounterOptions {
  clock: Clock;
  /** Metered calls a month; 0 = unlimited (no warning). */
  quota: number;
  store?: CallCountStore;
  registry?: client.Registry;
  log: QuotaLogger;
  /** Fractions of the quota at which to warn (default 0.8 and 0.95). */
  warnAt?: number[];
}

export interface CallCounter {
  /** Counts one call; never throws (counting must not break a send). */
  count(family: 'api' | 'oapi', path: string): Promise<void>;
  /** Calls counted this month (the business month in China time, UTC+8). */
  used(): Promise<number>;
  /** DingTalk said the quota is spent (90020): logged once a month, gauge set to 0 remaining. */
  exhausted(): void;
}

/** YYYY-MM of the instant in China time (no DST): DingTalk's month. */
export function quotaMonth(now: Date): string {
  return localDate(now, 'Asia/Shanghai').slice(0, 7);
}

export function createCallCounter(opts: CallCounterOptions): CallCounter {
  const store = opts.store ?? createMemoryCountStore();
  const warnAt = [...(opts.warnAt ?? [0.8, 0.95])].sort((a, b) => a - b);
  const registers = opts.registry ? [opts.registry] : [];
  const calls = new client.Counter({
    name: 'spb_dingtalk_api_calls_total', help: 'DingTalk API calls made, by API family', labelNames: ['family'], registers,
  });
  const monthUsed = new client.Gauge({ name: 'spb_dingtalk_api_calls_month', help: 'DingTalk API calls counted this month', registers });
  const remaining = new client.Gauge({
    name: 'spb_dingtalk_api_quota_remaining', help: 'DingTalk monthly call quota left (DINGTALK_MONTHLY_QUOTA minus calls counted)', registers,
  });
  const warned = new Set<string>();
  return {
    async count(family, path) {
      calls.inc({ family });
      const month = quotaMonth(opts.clock.now());
      let n: number;
      try {
        n = await store.incr(`dingtalk:calls:${month}`);
      } catch {
        return;
      }
      monthUsed.set(n);
      if (!opts.quota) return;
      remaining.set(Math.max(0, opts.quota - n));
      for (const f of warnAt) {
        const key = `${month}:${f}`;
        if (n >= Math.ceil(opts.quota * f) && !warned.has(key)) {
          warned.add(key);
          opts.log.warn({ month, used: n, quota: opts.quota, path },
            `DingTalk API calls this month reached ${Math.round(f * 100)}% of DINGTALK_MONTHLY_QUOTA; at 100% DingTalk refuses every call until the 1st (errcode 90020)`);
        }
      }
    },
    async used() {
      return store.get(`dingtalk:calls:${quotaMonth(opts.clock.now())}`);
    },
    exhausted() {
      remaining.set(0);
      const key = `${quotaMonth(opts.clock.now())}:exhausted`;
      if (warned.has(key)) return;
      warned.add(key);
      opts.log.error({ quota: opts.quota }, 'DingTalk refused a call: the organisation’s monthly API quota is spent (90020). Messages wait in the outbox.');
    },
  };
}
