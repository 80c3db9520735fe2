/**
 * The bull runner (issue 15, Redis flush): a kick runs the drain on this instance at once, whatever Redis holds, and
 * a burst of kicks costs a handful of Redis jobs, not one per kick. Real Redis under a prefix of this test's own
 * (its keys are deleted the way FLUSHDB would, never anyone else's).
 */
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import pino from 'pino';
import { createBullRunner, SHARE_MS, type JobRunner } from '../../schedulers/runner';
import { TEST_REDIS_URL } from '../helpers/env';

const log = pino({ level: 'silent' });
const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('bull runner: kicks do not depend on Redis', () => {
  let runner: JobRunner | null = null;
  let redis: IORedis;
  let prefix: string;

  beforeEach(() => {
    prefix = `spbr${randomBytes(4).toString('hex')}`;
    redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
  });

  afterEach(async () => {
    await runner?.stop();
    runner = null;
    await dropKeys();
    await redis.quit();
  });

  /** Deletes every key under this test's prefix: a FLUSHDB, limited to this test. */
  async function dropKeys(): Promise<number> {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    return keys.length;
  }

  it('a burst of 200 kicks while the drain is busy publishes at most one Redis job per 250 ms, and every kick is drained', async () => {
    let runs = 0;
    let pending = 0; // work the kicks announced and no drain has taken yet
    runner = createBullRunner({ redisUrl: TEST_REDIS_URL, prefix, log });
    runner.define('inbox', async () => {
      runs++;
      pending = 0;
      await sleep(20);
    }, { sweepMs: 0 }); // no safety-net sweep: only kicks may run the drain here
    await runner.start();
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      pending++;
      runner.kick('inbox');
      await tick();
      if (i % 20 === 0) await sleep(5);
    }
    const elapsed = performance.now() - t0;
    const t1 = performance.now();
    while (pending > 0 && performance.now() - t1 < 2000) await sleep(10);
    expect(pending).toBe(0);
    expect(runs).toBeGreaterThan(1);
    const published = Number((await redis.get(`${prefix}:inbox:id`)) ?? 0);
    expect(published).toBeLessThanOrEqual(Math.ceil(elapsed / SHARE_MS) + 1);
  });

  it('after Redis loses the queue mid-job (as by FLUSHDB), the next kick is drained at once, not after a retry delay', async () => {
    let runs = 0;
    let release: (() => void) | null = null;
    runner = createBullRunner({ redisUrl: TEST_REDIS_URL, prefix, log });
    runner.define('outbox', async () => {
      runs++;
      if (runs === 1) await new Promise<void>((r) => { release = r; });
    }, { sweepMs: 0 });
    await runner.start();
    runner.kick('outbox'); // the first drain starts and blocks
    const t0 = performance.now();
    while (!release && performance.now() - t0 < 5000) await sleep(5);
    expect(release).not.toBeNull();
    runner.kick('outbox'); // busy: this one is also published to Redis
    await sleep(100);
    expect(await dropKeys()).toBeGreaterThan(0); // the flush: bull's job, its lock and the queue are gone
    release!();
    await sleep(50);
    const before = runs;
    runner.kick('outbox');
    const t1 = performance.now();
    while (runs === before && performance.now() - t1 < 3000) await sleep(5);
    expect(runs).toBeGreaterThan(before);
    expect(performance.now() - t1).toBeLessThan(500);
  });

  it('stopping: the running drain is told to stop, and the wake-up it was running for is passed on to another instance', async () => {
    let aborted = false;
    let started = false;
    const stopping = createBullRunner({ redisUrl: TEST_REDIS_URL, prefix, log });
    stopping.define('timers', async (signal) => {
      started = true;
      // A drain with a backlog: works until told to stop (without the abort, the stop below never returns).
      while (!signal.aborted) await sleep(5);
      aborted = true;
    }, { sweepMs: 0 });
    await stopping.start();
    // Another instance's delayed wake-up (a timer falling due), taken by this instance.
    const other = createBullRunner({ redisUrl: TEST_REDIS_URL, prefix, log });
    other.define('timers', async () => undefined, { sweepMs: 0 });
    const due = new Date('2026-12-01T02:00:00Z'); // due at the stated now: a delay of 0
    other.kickAt('timers', due, due.getTime(), 'timer-wakeup');
    const t0 = performance.now();
    while (!started && performance.now() - t0 < 5000) await sleep(5);
    expect(started).toBe(true);
    await stopping.stop();
    expect(aborted).toBe(true);
    await other.stop();

    // The next instance to start gets the wake-up (no sweep here: only Redis can wake its drain).
    let runs = 0;
    runner = createBullRunner({ redisUrl: TEST_REDIS_URL, prefix, log });
    runner.define('timers', async () => { runs++; }, { sweepMs: 0 });
    await runner.start();
    const t1 = performance.now();
    while (runs === 0 && performance.now() - t1 < 5000) await sleep(10);
    expect(runs).toBeGreaterThan(0);
  });
});
