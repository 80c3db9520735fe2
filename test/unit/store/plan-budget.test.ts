/** The per-member budget plan (store/outbox.ts planBudget): answers first and never merged; notices merged whole. */
import { DEFERRED_NOTE, planBudget } from '../../../store/outbox';

const row = (id: number, reply: boolean, deferred = false) => ({ id, reply, lastError: deferred ? DEFERRED_NOTE : null });
const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

describe('planning one member’s delivery within WeCom’s per-member budget', () => {
  it('everything fits: sent in order, nothing merged', () => {
    const p = planBudget([row(1, false), row(2, true), row(3, false)], 30);
    expect([ids(p.send), ids(p.merge), ids(p.defer)]).toEqual([[2, 1, 3], [], []]);
  });

  it('over budget: the person’s own answers go first, notices are merged into one digest (one slot kept for it)', () => {
    const notices = Array.from({ length: 10 }, (_, i) => row(i + 1, false));
    const p = planBudget([...notices, row(99, true)], 5);
    expect(ids(p.send)).toEqual([99, 1, 2, 3]);
    expect(ids(p.merge)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(p.defer).toEqual([]);
  });

  it('answers are never merged: beyond the budget they wait for the window, with the notices', () => {
    const p = planBudget([row(1, true), row(2, true), row(3, true), row(4, false)], 2);
    expect([ids(p.send), ids(p.merge), ids(p.defer)]).toEqual([[1, 2], [], [3, 4]]);
  });

  it('a spent budget sends nothing', () => {
    const p = planBudget([row(1, true), row(2, false)], 0);
    expect([ids(p.send), ids(p.defer)]).toEqual([[], [1, 2]]);
  });

  it('notices that already waited for the window go as one digest, not a second burst', () => {
    const p = planBudget([row(1, false, true), row(2, false, true), row(3, true)], 30);
    expect([ids(p.send), ids(p.merge)]).toEqual([[3], [1, 2]]);
  });
});
