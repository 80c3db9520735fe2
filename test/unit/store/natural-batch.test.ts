/**
 * store/natural-batch.ts: calls that arrive while a batch is on its way ride the next one; a batch refused for its
 * data is retried item by item (one bad item fails alone); any other failure (the database down) fails the batch at
 * once instead of being tried again once per item.
 */
import { naturalBatcher } from '../../../store/natural-batch';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('natural batching', () => {
  it('a lone call goes at once; calls made meanwhile go together, in order, each answered with its own result', async () => {
    const batches: number[][] = [];
    const double = naturalBatcher<number, number>(async (b) => {
      batches.push([...b]);
      return b.map((n) => n * 2);
    }, 3);
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => double(n)));
    expect(results).toEqual([2, 4, 6, 8, 10, 12]);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('a data error (here wrapped by the ORM in `cause`) is retried item by item: only the bad item fails', async () => {
    const calls: number[][] = [];
    const store = naturalBatcher<string, string>(async (b) => {
      calls.push(b.map((s) => s.length));
      if (b.some((s) => s.includes('\u0000'))) throw Object.assign(new Error('query failed'), { cause: pgError('22P05') });
      return b.map((s) => `ok ${s}`);
    }, 10);
    const results = await Promise.allSettled(['a', 'b', 'bad\u0000', 'c'].map((s) => store(s)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toHaveLength(1 + 1 + 3);
  });

  it('the database down: the whole batch fails at once, not once per item', async () => {
    let calls = 0;
    let down = true;
    const store = naturalBatcher<number, number>(async (b) => {
      calls++;
      if (down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return b.map((n) => n * 10);
    }, 10);
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => store(n)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(calls).toBe(2); // the first alone, then the other four together
    // …and it recovers when the database does.
    down = false;
    await expect(Promise.all([store(7), store(8)])).resolves.toEqual([70, 80]);
  });
});
