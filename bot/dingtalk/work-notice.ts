/**
 * Work notifications (工作通知) drop silently (dingtalk-api.md §6): identical content to the same member once a
 * day, at most 500 messages per member per app per day — over either, the call succeeds and nothing arrives.
 * This guard is asked before every work notice so the outbox never loses an alert to those drops:
 * - content already sent to that member today → a short "再次提醒 HH:mm" suffix makes it different;
 * - the member's daily budget (500 minus a reserve) spent → refuse with retryAfterMs = the next China midnight,
 *   so the outbox keeps the row (or sends it by robot) instead of handing DingTalk a message it would drop.
 * Counts live in a store (memory by default; Redis in production, so a restart does not forget what was sent).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { dingtalkTexts } from '../../cards/dingtalk-texts';
import { addLocalDays, localDate, startOfLocalDay, wall } from '../../domain/business-time';
import type { Clock } from '../../domain/clock';

export interface WorkNoticeStore {
  /** Records one notice; answers whether the same content was already recorded today and today's count before it. */
  seen(day: string, userId: string, hash: string): Promise<boolean>;
  count(day: string, userId: string): Promise<number>;
  record(day: string, userId: string, hash: string): Promise<void>;
}

export function createMemoryWorkNoticeStore(): WorkNoticeStore {
  const counts = new Map<string, number>();
  const hashes = new Set<string>();
  return {
    seen: async (d, u, h) => hashes.has(`${d}|${u}|${h}`),
    count: async (d, u) => counts.get(`${d}|${u}`) ?? 0,
    record: async (d, u, h) => {
      hashes.add(`${d}|${u}|${h}`);
      counts.set(`${d}|${u}`, (counts.get(`${d}|${u}`) ?? 0) + 1);
      // Yesterday's entries are never read again; a long-running process drops them now and then.
      if (hashes.size > 100_000) for (const k of hashes) if (!k.startsWith(d)) hashes.delete(k);
    },
  };
}

export function createRedisWorkNoticeStore(redis: Redis, prefix = 'spb'): WorkNoticeStore {
  const k = (d: string, u: string) => `${prefix}:dingtalk:wn:${d}:${u}`;
  const ttl = 2 * 86_400;
  return {
    seen: async (d, u, h) => (await redis.sismember(`${k(d, u)}:h`, h)) === 1,
    count: async (d, u) => Number((await redis.get(`${k(d, u)}:n`)) ?? 0),
    record: async (d, u, h) => {
      await redis.multi().sadd(`${k(d, u)}:h`, h).expire(`${k(d, u)}:h`, ttl).incr(`${k(d, u)}:n`).expire(`${k(d, u)}:n`, ttl).exec();
    },
  };
}

/** DingTalk counts its days in China time, whatever the bot's business zone. */
export const DINGTALK_ZONE = 'Asia/Shanghai';
export const chinaDay = (now: Date) => localDate(now, DINGTALK_ZONE);
const chinaTime = (now: Date, seconds: boolean) => wall(now, DINGTALK_ZONE).format(seconds ? 'HH:mm:ss' : 'HH:mm');
const msToNextChinaMidnight = (now: Date) => startOfLocalDay(addLocalDays(now, 1, DINGTALK_ZONE), DINGTALK_ZONE).getTime() - now.getTime();
const hashOf = (msg: unknown) => createHash('sha1').update(JSON.stringify(msg)).digest('hex');

/** Appends `suffix` to the visible text of a work-notice body. */
function withSuffix(msg: Record<string, unknown>, suffix: string): Record<string, unknown> {
  const m = structuredClone(msg) as Record<string, Record<string, string>>;
  if (m.text?.content !== undefined) m.text.content += suffix;
  else if (m.markdown?.text !== undefined) m.markdown.text += `\n\n${suffix}`;
  else if (m.link?.text !== undefined) m.link.text += suffix;
  return m;
}

export type WorkNoticeDecision =
  | { ok: true; msg: Record<string, unknown>; commit(): Promise<void> }
  | { ok: false; retryAfterMs: number; reason: 'daily_limit' };

export interface WorkNoticeGuard { prepare(userId: string, msg: Record<string, unknown>): Promise<WorkNoticeDecision> }

export function createWorkNoticeGuard(opts: { clock: Clock; store?: WorkNoticeStore; dailyLimit?: number; reserve?: number }): WorkNoticeGuard {
  const store = opts.store ?? createMemoryWorkNoticeStore();
  const budget = (opts.dailyLimit ?? 500) - (opts.reserve ?? 20);
  return {
    async prepare(userId, msg) {
      const now = opts.clock.now();
      const day = chinaDay(now);
      if ((await store.count(day, userId)) >= budget) return { ok: false, retryAfterMs: msToNextChinaMidnight(now), reason: 'daily_limit' };
      let out = msg;
      for (const suffix of ['', dingtalkTexts.repeat(chinaTime(now, false)), dingtalkTexts.repeat(chinaTime(now, true))]) {
        out = suffix ? withSuffix(msg, suffix) : msg;
        if (!(await store.seen(day, userId, hashOf(out)))) break;
      }
      const h = hashOf(out);
      return { ok: true, msg: out, commit: () => store.record(day, userId, h) };
    },
  };
}
