/**
 * R7 sampling, pure: a seeded PRNG, the daily stratified draw of finished tasks, and reviewer assignment.
 *
 * The draw (drawSample) is a function of its input only — seed, share, the day's population and what earlier days
 * of the same ISO week already drew — so a recorded run can be re-created and audited from its row.
 *
 *   1. Population: the tasks finished on the day (never reviewed before), grouped by rep (the strata).
 *   2. Quota: the share of the week's population so far, minus what earlier days of the week drew (so the week
 *      lands on the share), and never less than the number of "owed" reps.
 *   3. Owed reps — reps with finished tasks today who have not been drawn yet this ISO week — get one task each,
 *      uniformly from their own tasks: every rep with finished tasks is represented at least once a week.
 *   4. The rest of the quota is allocated to the reps in proportion to their remaining tasks (largest remainder,
 *      ties broken by the PRNG) and drawn uniformly without replacement within each rep.
 * Within a rep every task has the same chance; no task is drawn twice.
 */

/** cyrb128: a 128-bit hash of a string, as four 32-bit seeds. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A deterministic PRNG (sfc32 seeded by cyrb128 of the seed text): uniform numbers in [0, 1). */
export function createRng(seed: string): () => number {
  let [a, b, c, d] = cyrb128(seed);
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next(); // discard the first outputs
  return next;
}

/** A uniform integer in [0, n). */
export function randomInt(rng: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

export interface SampleTask {
  taskId: number;
  /** The rep who finished it (the task's assignee). */
  repId: string;
}

export interface WeekSoFar {
  /** Size of the populations of earlier days of the same ISO week. */
  population: number;
  /** Tasks drawn on those days. */
  drawn: number;
  /** Reps already drawn this week. */
  represented: string[];
}

export interface DrawInput {
  seed: string;
  /** Share in permille (50 = 5%). */
  sharePermille: number;
  /** The day's population: finished tasks not reviewed before. */
  tasks: SampleTask[];
  week: WeekSoFar;
}

export interface DrawResult {
  /** Drawn tasks, by task id. */
  drawn: SampleTask[];
  quota: number;
  /** Reps guaranteed a draw today (not yet represented this week). */
  owed: string[];
}

const lower = (s: string) => s.toLowerCase();

/** Draws `k` items uniformly without replacement (partial Fisher–Yates on a copy). */
function drawWithoutReplacement<T>(items: readonly T[], k: number, rng: () => number): T[] {
  const a = [...items];
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + randomInt(rng, a.length - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

/** The day's quota: the week's share so far minus earlier draws, at least the owed reps, at most the population. */
export function dailyQuota(sharePermille: number, population: number, week: Pick<WeekSoFar, 'population' | 'drawn'>, owed: number): number {
  const target = Math.round((sharePermille * (week.population + population)) / 1000) - week.drawn;
  return Math.min(population, Math.max(owed, target, 0));
}

export function drawSample(input: DrawInput): DrawResult {
  const rng = createRng(input.seed);
  // Canonical order: by task id, each task once.
  const seen = new Set<number>();
  const tasks = [...input.tasks].sort((a, b) => a.taskId - b.taskId).filter((t) => (seen.has(t.taskId) ? false : (seen.add(t.taskId), true)));
  const strata = new Map<string, SampleTask[]>();
  for (const t of tasks) {
    const list = strata.get(t.repId) ?? [];
    list.push(t);
    strata.set(t.repId, list);
  }
  const reps = [...strata.keys()].sort();
  const represented = new Set(input.week.represented.map(lower));
  const owed = reps.filter((r) => !represented.has(lower(r)));
  const quota = dailyQuota(input.sharePermille, tasks.length, input.week, owed.length);

  const picked: SampleTask[] = [];
  const remaining = new Map<string, SampleTask[]>();
  for (const rep of reps) {
    const list = strata.get(rep)!;
    if (owed.includes(rep)) {
      const i = randomInt(rng, list.length);
      picked.push(list[i]!);
      remaining.set(rep, list.filter((_, j) => j !== i));
    } else {
      remaining.set(rep, list);
    }
  }

  // Proportional allocation of the rest (Hamilton / largest remainder, exact integer arithmetic).
  const m = quota - picked.length;
  if (m > 0) {
    const total = reps.reduce((s, r) => s + remaining.get(r)!.length, 0);
    const alloc = reps.map((rep) => {
      const size = remaining.get(rep)!.length;
      return { rep, size, base: Math.floor((m * size) / total), rem: (m * size) % total, tie: rng() };
    });
    let left = m - alloc.reduce((s, a) => s + a.base, 0);
    const byRemainder = [...alloc].sort((a, b) => b.rem - a.rem || a.tie - b.tie);
    for (const a of byRemainder) {
      if (left <= 0) break;
      if (a.rem > 0 && a.base < a.size) {
        a.base += 1;
        left -= 1;
      }
    }
    for (const a of alloc) picked.push(...drawWithoutReplacement(remaining.get(a.rep)!, a.base, rng));
  }
  picked.sort((a, b) => a.taskId - b.taskId);
  return { drawn: picked, quota, owed };
}

// ---- reviewer assignment ----

export interface ReviewerPolicy {
  mode: 'direct_supervisor' | 'pool';
  /** Pool members in round-robin order. */
  pool: string[];
  /** Position in the pool where this run's round robin starts. */
  rrStart: number;
  /** Per rep: the active supervisors above them, nearest first (直属上级 first). */
  supervisors: Record<string, string[]>;
  /** Last resort (admins), in order. */
  fallback: string[];
}

export type ReviewerSource = 'supervisor' | 'pool' | 'fallback';

export interface Assignment extends SampleTask {
  /** null when nobody but the rep could review it. */
  reviewerId: string | null;
  via: ReviewerSource | null;
}

/**
 * Assigns a reviewer to each drawn task, never the rep: direct_supervisor → the nearest supervisor who is not the
 * rep, then the pool, then the fallback; pool → the next pool member in turn who is not the rep, then the
 * supervisors, then the fallback. Returns where the round robin stopped, for the next run.
 */
export function assignReviewers(drawn: readonly SampleTask[], policy: ReviewerPolicy): { assignments: Assignment[]; rrNext: number } {
  const pool = policy.pool;
  let rr = pool.length ? ((policy.rrStart % pool.length) + pool.length) % pool.length : 0;
  const fromPool = (rep: string): string | null => {
    for (let k = 0; k < pool.length; k++) {
      const i = (rr + k) % pool.length;
      if (lower(pool[i]!) !== lower(rep)) {
        rr = (i + 1) % pool.length;
        return pool[i]!;
      }
    }
    return null;
  };
  const fromSupervisors = (rep: string): string | null => (policy.supervisors[rep] ?? []).find((s) => lower(s) !== lower(rep)) ?? null;
  const fromFallback = (rep: string): string | null => policy.fallback.find((s) => lower(s) !== lower(rep)) ?? null;
  const order: [ReviewerSource, (rep: string) => string | null][] = policy.mode === 'pool'
    ? [['pool', fromPool], ['supervisor', fromSupervisors], ['fallback', fromFallback]]
    : [['supervisor', fromSupervisors], ['pool', fromPool], ['fallback', fromFallback]];
  const assignments = drawn.map((t): Assignment => {
    for (const [via, pick] of order) {
      const reviewerId = pick(t.repId);
      if (reviewerId) return { ...t, reviewerId, via };
    }
    return { ...t, reviewerId: null, via: null };
  });
  return { assignments, rrNext: rr };
}

/** Everything a run records about its inputs, so `recreateRun` can replay it. */
export interface RecordedPopulation {
  tasks: SampleTask[];
  week: WeekSoFar;
  policy: ReviewerPolicy;
}

/** Re-creates a recorded run's draw and assignment from its seed and recorded population. */
export function recreateRun(run: { seed: string; sharePermille: number; population: RecordedPopulation }): { drawn: Assignment[]; quota: number; owed: string[]; rrNext: number } {
  const draw = drawSample({ seed: run.seed, sharePermille: run.sharePermille, tasks: run.population.tasks, week: run.population.week });
  const { assignments, rrNext } = assignReviewers(draw.drawn, run.population.policy);
  return { drawn: assignments, quota: draw.quota, owed: draw.owed, rrNext };
}
