/**
 * The weekly 方案提交及时率 leaderboard (R8), pure: per team, reps ranked by their on-time rate over the week.
 *
 *   - A case is a customer whose demo (entering `from`) had its deadline (`from` + within) in the week; it is on
 *     time when the customer entered `to` within the window. Every case is decided when the week is reported.
 *   - Reps with fewer than `minCases` cases are not ranked (too little evidence either way); the message says so.
 *   - Ranking: rate descending; equal rates share a rank (1, 1, 3 — "standard competition" ranking). Within a
 *     shared rank, more cases first, then the name, for a stable order.
 *   - Top: every ranked rep whose rank is ≤ `top` (ties included), named.
 *   - Last: the reps at the lowest rank, only when that rank is below the top (so nobody is both named on top and
 *     anonymised at the bottom, and a team where everyone ties has no last). Ties at the bottom are all "last".
 */

export interface RepCases {
  repId: string;
  name: string;
  cases: number;
  onTime: number;
}

export interface RankedRep extends RepCases {
  /** onTime / cases, 0..1. */
  rate: number;
  rank: number;
}

export interface Leaderboard {
  ranked: RankedRep[];
  top: RankedRep[];
  last: RankedRep[];
  /** Reps with at least one case but fewer than minCases. */
  excluded: RepCases[];
  minCases: number;
  /** The whole team, every case counted (ranked or not). */
  total: { cases: number; onTime: number; rate: number | null };
}

/** a.onTime/a.cases vs b.onTime/b.cases without floating point: negative when a's rate is higher. */
function compareRate(a: RepCases, b: RepCases): number {
  return b.onTime * a.cases - a.onTime * b.cases;
}

export function buildLeaderboard(reps: readonly RepCases[], opts: { minCases: number; top: number }): Leaderboard {
  const withCases = reps.filter((r) => r.cases > 0);
  const eligible = withCases.filter((r) => r.cases >= opts.minCases);
  const excluded = withCases.filter((r) => r.cases < opts.minCases)
    .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.repId.localeCompare(b.repId));
  const sorted = [...eligible].sort((a, b) => compareRate(a, b) || b.cases - a.cases || a.name.localeCompare(b.name, 'zh-CN') || a.repId.localeCompare(b.repId));
  const ranked: RankedRep[] = [];
  sorted.forEach((r, i) => {
    const prev = ranked[i - 1];
    const rank = prev && compareRate(prev, r) === 0 ? prev.rank : i + 1;
    ranked.push({ ...r, rate: r.onTime / r.cases, rank });
  });
  const top = ranked.filter((r) => r.rank <= opts.top);
  const lowest = ranked.length ? ranked[ranked.length - 1]!.rank : 0;
  const last = lowest > opts.top ? ranked.filter((r) => r.rank === lowest) : [];
  const cases = withCases.reduce((s, r) => s + r.cases, 0);
  const onTime = withCases.reduce((s, r) => s + r.onTime, 0);
  return { ranked, top, last, excluded, minCases: opts.minCases, total: { cases, onTime, rate: cases ? onTime / cases : null } };
}

/**
 * The coach (方案陪写师) offered to a rep: the configured coaches in turn (the `offset`-th offer of the run),
 * skipping the rep; without configured coaches, the team's best-ranked rep who is not the rep. Null when nobody fits.
 */
export function chooseCoach(repId: string, opts: { coaches: readonly string[]; offset: number; best: readonly string[] }): string | null {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const n = opts.coaches.length;
  for (let k = 0; k < n; k++) {
    const c = opts.coaches[(opts.offset + k) % n]!;
    if (!same(c, repId)) return c;
  }
  return opts.best.find((b) => !same(b, repId)) ?? null;
}

/** Formats a rate as a whole percent (0.666 → 67%). */
export function percentText(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)}%`;
}
