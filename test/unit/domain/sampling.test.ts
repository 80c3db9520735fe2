/**
 * R7 sampling: the seeded PRNG, the stratified daily draw (uniform within each rep, every rep represented over a
 * week, never a task twice, re-creatable from the seed) and reviewer assignment (never the rep themself).
 */
import { assignReviewers, createRng, dailyQuota, drawSample, randomInt, recreateRun, type ReviewerPolicy, type SampleTask } from '../../../domain/sampling';

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((s, c) => s + c, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}
// Critical values at p = 0.001 (a fixed seed makes the test deterministic; these only say "uniform").
const CHI2_001: Record<number, number> = { 9: 27.88, 19: 43.82, 29: 59.7, 4: 18.47 };

function tasksOf(rep: string, n: number, firstId: number): SampleTask[] {
  return Array.from({ length: n }, (_, i) => ({ taskId: firstId + i, repId: rep }));
}

const population = [...tasksOf('a', 10, 1), ...tasksOf('b', 30, 101), ...tasksOf('c', 5, 201)];
const allRepresented = { population: 0, drawn: 0, represented: ['a', 'b', 'c'] };
const noneRepresented = { population: 0, drawn: 0, represented: [] };

describe('the PRNG', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = createRng('seed-1');
    const b = createRng('seed-1');
    const c = createRng('seed-2');
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it('is uniform over 20 buckets (200,000 draws, chi-square p > 0.001)', () => {
    const rng = createRng('uniformity');
    const counts = new Array(20).fill(0);
    for (let i = 0; i < 200_000; i++) counts[randomInt(rng, 20)]++;
    expect(chiSquare(counts)).toBeLessThan(CHI2_001[19]!);
    for (let i = 0; i < 1000; i++) {
      const x = rng();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('the daily draw', () => {
  it('draws the share of the week so far, at least one per owed rep, at most the population', () => {
    expect(dailyQuota(50, 45, { population: 0, drawn: 0 }, 0)).toBe(2); // 5% of 45 = 2.25
    expect(dailyQuota(50, 45, { population: 0, drawn: 0 }, 3)).toBe(3); // three reps not yet represented this week
    expect(dailyQuota(50, 45, { population: 100, drawn: 5 }, 0)).toBe(2); // round(7.25) − 5
    expect(dailyQuota(50, 45, { population: 100, drawn: 9 }, 0)).toBe(0); // earlier days drew more than the share
    expect(dailyQuota(1000, 4, { population: 0, drawn: 0 }, 0)).toBe(4);
    expect(dailyQuota(50, 0, { population: 0, drawn: 0 }, 0)).toBe(0);
  });

  it('is uniform within each stratum (20,000 fixed seeds, chi-square p > 0.001 per rep)', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const { drawn } = drawSample({ seed: `u-${i}`, sharePermille: 50, tasks: population, week: allRepresented });
      for (const t of drawn) counts.set(t.taskId, (counts.get(t.taskId) ?? 0) + 1);
    }
    const of = (ids: SampleTask[]) => ids.map((t) => counts.get(t.taskId) ?? 0);
    const a = of(tasksOf('a', 10, 1));
    const b = of(tasksOf('b', 30, 101));
    expect(a.every((n) => n > 0)).toBe(true);
    expect(chiSquare(a)).toBeLessThan(CHI2_001[9]!);
    expect(chiSquare(b)).toBeLessThan(CHI2_001[29]!);
    // Proportional allocation of 2 draws over 10/30/5 tasks: b gets 1, the largest remainder (a) the other.
    expect(a.reduce((s, n) => s + n, 0)).toBe(20_000);
    expect(b.reduce((s, n) => s + n, 0)).toBe(20_000);
  });

  it('gives each rep not yet represented this week one task, uniformly from their own (chi-square)', () => {
    const counts = new Map<number, number>();
    let wrong = 0;
    for (let i = 0; i < 20_000; i++) {
      const r = drawSample({ seed: `o-${i}`, sharePermille: 50, tasks: population, week: noneRepresented });
      if (r.owed.join() !== 'a,b,c' || r.drawn.length !== 3 || r.drawn.map((t) => t.repId).sort().join() !== 'a,b,c') wrong++;
      for (const t of r.drawn) counts.set(t.taskId, (counts.get(t.taskId) ?? 0) + 1);
    }
    expect(wrong).toBe(0);
    expect(chiSquare(tasksOf('b', 30, 101).map((t) => counts.get(t.taskId) ?? 0))).toBeLessThan(CHI2_001[29]!);
    expect(chiSquare(tasksOf('c', 5, 201).map((t) => counts.get(t.taskId) ?? 0))).toBeLessThan(CHI2_001[4]!);
  });

  it('is uniform within strata for larger shares too (a subset per rep)', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 5_000; i++) {
      const { drawn } = drawSample({ seed: `h-${i}`, sharePermille: 300, tasks: population, week: noneRepresented });
      if (drawn.length !== Math.round(0.3 * 45)) throw new Error(`quota ${drawn.length}`);
      for (const t of drawn) counts.set(t.taskId, (counts.get(t.taskId) ?? 0) + 1);
    }
    expect(chiSquare(tasksOf('a', 10, 1).map((t) => counts.get(t.taskId) ?? 0))).toBeLessThan(CHI2_001[9]!);
    expect(chiSquare(tasksOf('b', 30, 101).map((t) => counts.get(t.taskId) ?? 0))).toBeLessThan(CHI2_001[29]!);
  });

  it('never draws a task twice, even when the population lists it twice', () => {
    let dup = 0;
    for (let i = 0; i < 500; i++) {
      const { drawn } = drawSample({ seed: `d-${i}`, sharePermille: 900, tasks: [...population, ...population], week: noneRepresented });
      if (new Set(drawn.map((t) => t.taskId)).size !== drawn.length || drawn.length > 45) dup++;
    }
    expect(dup).toBe(0);
  });

  it('is re-created exactly from its seed, whatever the order of the population', () => {
    const input = { seed: '9f2c4e1a7b3d5c6e', sharePermille: 200, tasks: population, week: noneRepresented };
    const first = drawSample(input);
    expect(drawSample({ ...input, tasks: [...population].reverse() })).toEqual(first);
    expect(drawSample({ ...input, seed: 'another' }).drawn).not.toEqual(first.drawn);
  });

  it('represents every rep with finished tasks at least once over an ISO week, at about the share', () => {
    const rng = createRng('week-sim');
    const reps = Array.from({ length: 25 }, (_, i) => `rep${i}`);
    let nextId = 1;
    for (let w = 0; w < 20; w++) {
      const week = { population: 0, drawn: 0, represented: [] as string[] };
      const active = new Set<string>();
      for (let day = 0; day < 7; day++) {
        // Each rep finishes 0–6 tasks a day; some reps only work one day of the week.
        const tasks: SampleTask[] = [];
        for (const rep of reps) {
          const n = rep === 'rep0' ? (day === 3 ? 1 : 0) : randomInt(rng, 7);
          for (let k = 0; k < n; k++) tasks.push({ taskId: nextId++, repId: rep });
          if (n) active.add(rep);
        }
        const r = drawSample({ seed: `w${w}d${day}`, sharePermille: 50, tasks, week });
        week.population += tasks.length;
        week.drawn += r.drawn.length;
        week.represented = [...new Set([...week.represented, ...r.drawn.map((t) => t.repId)])];
      }
      expect(new Set(week.represented)).toEqual(active);
      // 25 reps × ~3 tasks × 7 days ≈ 525 tasks: 5% ≈ 26, at least the 25 reps.
      expect(week.drawn).toBeGreaterThanOrEqual(active.size);
      expect(week.drawn).toBeLessThanOrEqual(Math.max(active.size, Math.round(week.population * 0.05)) + 1);
    }
  });
});

describe('reviewer assignment', () => {
  const policy = (p: Partial<ReviewerPolicy>): ReviewerPolicy => ({ mode: 'direct_supervisor', pool: [], rrStart: 0, supervisors: {}, fallback: [], ...p });

  it('assigns the direct supervisor, else the next one up, else the pool, else an admin', () => {
    const drawn = [{ taskId: 1, repId: 'lina' }, { taskId: 2, repId: 'zhangwei' }, { taskId: 3, repId: 'boss' }, { taskId: 4, repId: 'solo' }];
    const { assignments } = assignReviewers(drawn, policy({
      supervisors: { lina: ['zhangwei', 'boss'], zhangwei: ['boss'], boss: [], solo: ['solo'] }, pool: ['qa1'], fallback: ['admin1'],
    }));
    expect(assignments.map((a) => [a.reviewerId, a.via])).toEqual([['zhangwei', 'supervisor'], ['boss', 'supervisor'], ['qa1', 'pool'], ['qa1', 'pool']]);
    const noPool = assignReviewers(drawn, policy({ supervisors: { boss: [] }, fallback: ['boss', 'admin1'] })).assignments;
    expect(noPool.find((a) => a.repId === 'boss')).toMatchObject({ reviewerId: 'admin1', via: 'fallback' });
    expect(assignReviewers([{ taskId: 9, repId: 'x' }], policy({ fallback: ['X'] })).assignments[0]).toMatchObject({ reviewerId: null });
  });

  it('pool mode: round robin from where the last run stopped, skipping the rep', () => {
    const drawn = ['qa2', 'r1', 'r2', 'r3'].map((repId, i) => ({ taskId: i + 1, repId }));
    const { assignments, rrNext } = assignReviewers(drawn, policy({ mode: 'pool', pool: ['qa1', 'qa2', 'qa3'], rrStart: 1 }));
    expect(assignments.map((a) => a.reviewerId)).toEqual(['qa3', 'qa1', 'qa2', 'qa3']);
    expect(rrNext).toBe(0);
  });

  it('never assigns the rep as their own reviewer (10,000 random orgs, userids in any case)', () => {
    const rng = createRng('never-self');
    const ids = ['a', 'b', 'c', 'd', 'e', 'A', 'B'];
    const pick = () => ids[randomInt(rng, ids.length)]!;
    const self: unknown[] = [];
    const list = (n: number) => Array.from({ length: randomInt(rng, n + 1) }, pick);
    for (let i = 0; i < 10_000; i++) {
      const reps = [...new Set(list(4))];
      const supervisors = Object.fromEntries(reps.map((r) => [r, list(3)]));
      const drawn = reps.map((repId, k) => ({ taskId: k + 1, repId }));
      const { assignments } = assignReviewers(drawn, {
        mode: rng() < 0.5 ? 'pool' : 'direct_supervisor', pool: list(3), rrStart: randomInt(rng, 5), supervisors, fallback: list(2),
      });
      for (const a of assignments) if (a.reviewerId && a.reviewerId.toLowerCase() === a.repId.toLowerCase()) self.push(a);
    }
    expect(self).toEqual([]);
  });

  it('re-creates a recorded run (draw and assignment) from its seed and population', () => {
    const pol = policy({ mode: 'pool', pool: ['qa1', 'qa2'], rrStart: 1 });
    const draw = drawSample({ seed: 'audit-1', sharePermille: 100, tasks: population, week: noneRepresented });
    const { assignments, rrNext } = assignReviewers(draw.drawn, pol);
    const again = recreateRun({ seed: 'audit-1', sharePermille: 100, population: JSON.parse(JSON.stringify({ tasks: population, week: noneRepresented, policy: pol })) });
    expect(again.drawn).toEqual(assignments);
    expect(again.rrNext).toBe(rrNext);
  });
});
