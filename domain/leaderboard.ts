/**
 * The weekly 方案提交及时率 leaderboard (R8), pure: per team, reps ranked by their on-time rate over the week.
 *
 *   - A case is a customer whose demo (entering `from`) had its deadline (`from` + within) in the week; it is on
 *     time when the customer entered `to` within the window. Every case is decided when the week is reported.
 *   - Reps with fewer than `minCases` cases are not ranked (too little evidence either way); the message says so.
 *   - Ranking: rate descending; equal rates share a rank (1, 1, 3 — "standard competition" ranking). Within a
 *     shared rank, more cases first, then the name, for a stable order.
 *   - Small teams: fewer than 2 ranked reps is no ranking at all (a single rep is not 🥇 of one); otherwise at most
 *     `top` are named and always one fewer than the ranked reps (2 ranked → 1 named, 3 → 2, 4+ → 3), so there is
 *     always room for a last place — the coach offer works in a team of two as well. The board shows the anonymised
 *     last (R8) from 4 ranked reps on (`lastShown`); in a team of 2 or 3 "某同学" would fool nobody, so the last is
 *     told privately only.
 *   - Top: every ranked rep whose rank is ≤ that number (ties included) and whose rate is above 0, named.
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
  /** How many places are named on top for this team's size (0 when too few are ranked to rank at all). */
  named: number;
  /** Fewer than MIN_RANKED reps qualify: no ranking, only the team's number. */
  tooFew: boolean;
  /** The board shows the (anonymised) last: from SHOW_LAST_FROM ranked reps on. */
  lastShown: boolean;
}

/** A ranking needs at least this many ranked reps. */
export const MIN_RANKED = 2;
/** The anonymised last appears on the board from this many ranked reps on. */
export const SHOW_LAST_FROM = 4;

/** Places named on top for `n` ranked reps: at most `top`, always one fewer than `n`; none below MIN_RANKED. */
export function namedPlaces(n: number, top: number): number {
  return n < MIN_RANKED ? 0 : Math.min(top, n - 1);
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
  const named = namedPlaces(ranked.length, opts.top);
  const top = ranked.filter((r) => r.rank <= named && r.onTime > 0);
  const lowest = ranked.length ? ranked[ranked.length - 1]!.rank : 0;
  const last = named > 0 && lowest > named ? ranked.filter((r) => r.rank === lowest) : [];
  const cases = withCases.reduce((s, r) => s + r.cases, 0);
  const onTime = withCases.reduce((s, r) => s + r.onTime, 0);
  return {
    ranked, top, last, excluded, minCases: opts.minCases, total: { cases, onTime, rate: cases ? onTime / cases : null },
    named, tooFew: ranked.length < MIN_RANKED, lastShown: last.length > 0 && ranked.length >= SHOW_LAST_FROM,
  };
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
