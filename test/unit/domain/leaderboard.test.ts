/** R8 weekly 方案提交及时率: ordering, ties, anonymisation of the last, the minimum-cases rule, coach choice. */
import { ANONYMOUS, coachOfferText, leaderboardMarkdown } from '../../../cards/review-cards';
import { buildLeaderboard, chooseCoach, type RepCases } from '../../../domain/leaderboard';

const rep = (repId: string, name: string, onTime: number, cases: number): RepCases => ({ repId, name, onTime, cases });
const opts = { minCases: 3, top: 3 };

describe('the weekly leaderboard', () => {
  const reps = [
    rep('a', '张三', 3, 4), // 75%
    rep('b', '李四', 5, 5), // 100%
    rep('c', '王五', 2, 5), // 40%
    rep('d', '赵六', 4, 5), // 80%
    rep('e', '钱七', 3, 5), // 60%
    rep('f', '孙八', 2, 2), // too few cases
    rep('g', '周九', 0, 0), // no cases at all
  ];

  it('ranks by rate, names the top 3, and keeps the last apart', () => {
    const b = buildLeaderboard(reps, opts);
    expect(b.ranked.map((r) => [r.repId, r.rank])).toEqual([['b', 1], ['d', 2], ['a', 3], ['e', 4], ['c', 5]]);
    expect(b.top.map((r) => r.repId)).toEqual(['b', 'd', 'a']);
    expect(b.last.map((r) => r.repId)).toEqual(['c']);
    expect(b.excluded.map((r) => r.repId)).toEqual(['f']);
    expect(b.total).toEqual({ cases: 26, onTime: 19, rate: 19 / 26 });
  });

  it('anonymises the last in the team message and states the minimum-cases rule', () => {
    const text = leaderboardMarkdown({ teamName: '华东办事处', period: '2026-W48（11月23日–11月29日）', board: buildLeaderboard(reps, opts), withinText: '24小时' });
    expect(text).toContain('🥇 李四 100%（5/5）');
    expect(text).toContain('🥈 赵六 80%（4/5）');
    expect(text).toContain('🥉 张三 75%（3/4）');
    expect(text).toContain(`末位：${ANONYMOUS} 40%（2/5）`);
    expect(text).not.toContain('王五');
    expect(text).not.toContain('孙八');
    expect(text).toContain('…（另有 1 人）');
    expect(text).toContain('案例少于3个的同事不参与排名（本周 1 人）');
    expect(text).toContain('团队整体：73%（19/26）');
  });

  it('ties share a rank: tied tops are all named, tied lasts all anonymised, nobody is both', () => {
    const tied = buildLeaderboard([rep('a', 'A', 4, 4), rep('b', 'B', 3, 3), rep('c', 'C', 2, 4), rep('d', 'D', 1, 4), rep('e', 'E', 4, 8)], opts);
    expect(tied.ranked.map((r) => [r.repId, r.rank])).toEqual([['a', 1], ['b', 1], ['e', 3], ['c', 3], ['d', 5]]);
    expect(tied.top.map((r) => r.repId)).toEqual(['a', 'b', 'e', 'c']); // more cases first within a tie
    expect(tied.last.map((r) => r.repId)).toEqual(['d']);
    const bottomTie = buildLeaderboard([rep('a', 'A', 4, 4), rep('b', 'B', 3, 4), rep('c', 'C', 2, 4), rep('d', 'D', 1, 4), rep('e', 'E', 1, 4)], opts);
    expect(bottomTie.last.map((r) => r.repId)).toEqual(['d', 'e']);
    expect(leaderboardMarkdown({ teamName: 'T', period: 'P', board: bottomTie, withinText: '24小时' })).toContain('末位：2位同学 25%（并列）');
    const allEqual = buildLeaderboard([rep('a', 'A', 3, 3), rep('b', 'B', 4, 4), rep('c', 'C', 5, 5), rep('d', 'D', 3, 3)], opts);
    expect(allEqual.top).toHaveLength(4);
    expect(allEqual.last).toEqual([]);
  });

  it('small teams: one rep is not ranked; two or three reps leave room for a last, told privately, not on the board', () => {
    const one = buildLeaderboard([rep('a', 'A', 1, 3)], opts);
    expect(one).toMatchObject({ tooFew: true, top: [], last: [] });
    const oneText = leaderboardMarkdown({ teamName: 'T', period: 'P', board: one, withinText: '24小时' });
    expect(oneText).toContain('本周只有 1 位同事满足排名条件，人数太少，不排名。');
    expect(oneText).not.toContain('🥇');
    expect(oneText).toContain('参与排名少于2人时不排名');
    const two = buildLeaderboard([rep('a', 'A', 3, 3), rep('b', 'B', 1, 3)], opts);
    expect(two.top.map((r) => r.repId)).toEqual(['a']);
    expect(two.last.map((r) => r.repId)).toEqual(['b']); // the coach offer can happen in a team of two
    expect(two.lastShown).toBe(false); // but "某同学" would fool nobody: not on the board
    const twoText = leaderboardMarkdown({ teamName: 'T', period: 'P', board: two, withinText: '24小时' });
    expect(twoText).toContain('🥇 A 100%（3/3）');
    expect(twoText).not.toContain('末位：');
    expect(twoText).toContain('前1名具名');
    const three = buildLeaderboard([rep('a', 'A', 3, 3), rep('b', 'B', 2, 3), rep('c', 'C', 1, 3)], opts);
    expect(three.top.map((r) => r.repId)).toEqual(['a', 'b']);
    expect(three.last.map((r) => r.repId)).toEqual(['c']);
    const zero = buildLeaderboard([rep('a', 'A', 0, 3), rep('b', 'B', 0, 4)], opts);
    expect(zero.top).toEqual([]); // nobody is 🥇 at 0%
    expect(zero.last).toEqual([]); // everyone ties
  });

  it('applies the minimum-cases rule at the boundary', () => {
    const b = buildLeaderboard([rep('a', 'A', 0, 3), rep('b', 'B', 2, 2)], opts);
    expect(b.ranked.map((r) => r.repId)).toEqual(['a']);
    expect(b.excluded.map((r) => r.repId)).toEqual(['b']);
    expect(buildLeaderboard([rep('b', 'B', 2, 2)], opts).ranked).toEqual([]);
  });

  it('chooses a coach in turn from the configured list, or the best-ranked rep, never the rep', () => {
    expect(chooseCoach('c', { coaches: ['x', 'y'], offset: 1, best: ['a'] })).toBe('y');
    expect(chooseCoach('y', { coaches: ['x', 'y'], offset: 1, best: ['a'] })).toBe('x');
    expect(chooseCoach('c', { coaches: [], offset: 0, best: ['C', 'a'] })).toBe('a');
    expect(chooseCoach('a', { coaches: ['A'], offset: 0, best: ['a'] })).toBeNull();
  });

  it('the private offer is kind and names the coach', () => {
    const t = coachOfferText({ repName: '王五', rate: 0.4, onTime: 2, cases: 5, coachName: '李四', withinText: '24小时' });
    expect(t).toContain('40%（2/5');
    expect(t).toContain('方案陪写师——李四');
    expect(t).toContain('不是批评');
  });
});
