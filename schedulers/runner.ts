/**
 * What wakes the workers. The same job code runs either way:
 * - in-process (no REDIS_URL): kicks and delayed wake-ups are local; a periodic sweep is the safety net;
 * - bull (REDIS_URL): delayed wake-ups travel through Redis so any instance may take the work. A kick runs the
 *   drain here at once (this instance just wrote the rows); only when this instance is already busy on that job
 *   does it also ask the others through Redis, at most once per SHARE_MS. So a flushed, slow or unreachable Redis
 *   never delays a kick, and a burst costs a handful of Redis jobs, not one per callback. Every instance still
 *   sweeps the database, which stays the source of truth if Redis loses jobs.
 * Jobs are "drains": each run claims whatever is due in the database, so extra kicks are harmless.
 */
import Bull from 'bull';
import type { Logger } from 'pino';

/**
 * A job's run: takes whatever is due. `signal` aborts when the instance is stopping: a drain then finishes the item
 * in hand, gives back what it claimed and has not started, and returns (it does not work off a backlog first).
 */
export type Drain = (signal: AbortSignal) => Promise<void>;

export interface JobRunner {
  readonly mode: 'in-process' | 'bull';
  define(name: string, drain: Drain, opts?: { sweepMs?: number }): void;
  /** Run `name` soon (coalesced). Never throws; failures are logged. */
  kick(name: string): void;
  /** Run `name` at (or just after) `at`, measured in real time from `nowMs` (the one clock's now). */
  kickAt(name: string, at: Date, nowMs: number, jobId?: string): void;
  /** Runs `name` now and resolves when that run (and any run it coalesced) is finished. */
  runNow(name: string): Promise<void>;
  start(): Promise<void>;
  /**
   * Graceful shutdown: stops sweeps, asks running drains to stop (their signal aborts) and waits for them to finish
   * the items in hand. A backlog stays in the database for the next instance.
   */
  stop(): Promise<void>;
}

interface Job {
  drain: Drain;
  sweepMs: number;
  running: Promise<void> | null;
  again: boolean;
  timer: NodeJS.Timeout | null;
}

const MAX_TIMEOUT = 2 ** 31 - 1;

/** Local coalescing runner: at most one run of a job at a time; a kick during a run schedules one more. */
class LocalJobs {
  readonly jobs = new Map<string, Job>();
  readonly timers = new Set<NodeJS.Timeout>();
  readonly waiting = new Set<string>();
  private readonly stopping = new AbortController();
  stopped = false;

  constructor(private readonly log: Logger) {}

  define(name: string, drain: Drain, sweepMs: number) {
    this.jobs.set(name, { drain, sweepMs, running: null, again: false, timer: null });
  }

  run(name: string): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) return Promise.reject(new Error(`unknown job ${name}`));
    if (this.stopped) return Promise.resolve();
    if (job.running) {
      job.again = true;
      return job.running;
    }
    job.running = (async () => {
      try {
        do {
          job.again = false;
          try {
            await job.drain(this.stopping.signal);
          } catch (err) {
            this.log.error({ err, job: name }, 'job run failed');
          }
        } while (job.again && !this.stopped);
      } finally {
        job.running = null;
      }
    })();
    return job.running;
  }

  busy(name: string): boolean {
    return Boolean(this.jobs.get(name)?.running);
  }

  /** Runs `name` after `delayMs`; a wake-up with the `jobId` of one still waiting is the same wake-up. */
  later(name: string, delayMs: number, jobId?: string) {
    if (jobId && this.waiting.has(jobId)) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (jobId) this.waiting.delete(jobId);
      void this.run(name);
    }, Math.min(Math.max(0, delayMs), MAX_TIMEOUT));
    t.unref();
    this.timers.add(t);
    if (jobId) this.waiting.add(jobId);
  }

  start() {
    for (const [name, job] of this.jobs) {
      if (job.sweepMs > 0) {
        job.timer = setInterval(() => void this.run(name), job.sweepMs);
        job.timer.unref();
      }
    }
  }

  /** No new runs; running drains are told to stop (their signal aborts). */
  halt() {
    this.stopped = true;
    this.stopping.abort();
  }

  async stop() {
    this.halt();
    for (const job of this.jobs.values()) if (job.timer) clearInterval(job.timer);
    for (const t of this.timers) clearTimeout(t);
    this.waiting.clear();
    await Promise.all([...this.jobs.values()].map((j) => j.running ?? Promise.resolve()));
  }
}

export function createInProcessRunner(log: Logger): JobRunner {
  const local = new LocalJobs(log);
  return {
    mode: 'in-process',
    define: (name, drain, opts) => local.define(name, drain, opts?.sweepMs ?? 1000),
    kick: (name) => void local.run(name),
    kickAt: (name, at, nowMs, jobId) => local.later(name, at.getTime() - nowMs, jobId),
    runNow: (name) => local.run(name),
    start: async () => local.start(),
    stop: () => local.stop(),
  };
}

/** A busy instance asks the others for help with a job at most this often (bull mode). */
export const SHARE_MS = 250;

export interface BullRunnerOptions {
  redisUrl: string;
  /** Key prefix, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
  log: Logger;
}

export function createBullRunner(opts: BullRunnerOptions): JobRunner {
  const local = new LocalJobs(opts.log);
  const queues = new Map<string, Bull.Queue>();
  const prefix = opts.prefix ?? 'spb';

  function queue(name: string): Bull.Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Bull(name, opts.redisUrl, { prefix, settings: { stalledInterval: 15_000, retryProcessDelay: 1000 } });
      q.on('error', (err) => opts.log.warn({ err, queue: name }, 'bull queue error'));
      queues.set(name, q);
    }
    return q;
  }

  function add(name: string, jobOpts: Bull.JobOptions) {
    queue(name)
      .add({}, { removeOnComplete: true, removeOnFail: true, ...jobOpts })
      .catch((err: unknown) => {
        // Redis is down: run locally now; the sweep will catch the rest.
        opts.log.warn({ err, job: name }, 'could not enqueue on Redis; running locally');
        if (!jobOpts.delay) void local.run(name);
      });
  }

  // Local first: the drain runs here now (coalesced with a running one). A busy instance also asks the others,
  // throttled: one Redis job per job name per SHARE_MS at most (a drain takes everything due anyway).
  const sharedAt = new Map<string, number>();
  function kick(name: string) {
    if (local.busy(name)) {
      const t = performance.now();
      if (t - (sharedAt.get(name) ?? -Infinity) >= SHARE_MS) {
        sharedAt.set(name, t);
        add(name, {});
      }
    }
    void local.run(name);
  }

  return {
    mode: 'bull',
    define: (name, drain, o) => local.define(name, drain, o?.sweepMs ?? 1000),
    kick,
    kickAt: (name, at, nowMs, jobId) => add(name, { delay: Math.max(0, at.getTime() - nowMs), ...(jobId ? { jobId } : {}) }),
    runNow: (name) => local.run(name),
    async start() {
      for (const name of local.jobs.keys()) {
        void queue(name).process(1, async () => {
          await local.run(name);
          // Stopping: the run was cut short (or never began), and the job is about to be removed as completed. Pass
          // the wake-up on to the other instances rather than swallow it (a delayed one may be the only wake-up
          // of a timer; the database sweep would find the work anyway, but up to a sweep later).
          // At most a second: an unreachable Redis must not hold up the stop (the sweep is the safety net then).
          if (local.stopped) {
            await Promise.race([
              queue(name).add({}, { removeOnComplete: true, removeOnFail: true }).catch(() => undefined),
              new Promise<void>((resolve) => setTimeout(resolve, 1000).unref()),
            ]);
          }
        });
      }
      local.start();
    },
    async stop() {
      local.halt(); // before closing the queues: a queue's close waits for its active job, i.e. a running drain
      await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
      await local.stop();
    },
  };
}
