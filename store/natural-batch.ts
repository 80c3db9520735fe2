/**
 * Natural batching for statements many callers issue at once (callback inserts, "delivered" marks): a call that
 * arrives while a batch is on its way rides the next batch. No timer: a lone call goes at once; under load one
 * statement and one commit carry many calls. Each caller hears only when its own batch has finished, so nothing is
 * reported done before it is stored. A batch that fails is retried item by item, so one bad item fails alone instead
 * of taking its neighbours with it.
 */
export function naturalBatcher<I, O>(run: (batch: readonly I[]) => Promise<O[]>, maxBatch: number): (item: I) => Promise<O> {
  type Waiter = { item: I; resolve: (o: O) => void; reject: (err: unknown) => void };
  let waiting: Waiter[] = [];
  let running = false;
  const one = async (w: Waiter) => {
    try {
      w.resolve((await run([w.item]))[0]!);
    } catch (err) {
      w.reject(err);
    }
  };
  const pump = async () => {
    running = true;
    try {
      while (waiting.length) {
        const batch = waiting.slice(0, maxBatch);
        waiting = waiting.slice(batch.length);
        if (batch.length === 1) {
          await one(batch[0]!);
          continue;
        }
        let results: O[];
        try {
          results = await run(batch.map((w) => w.item));
        } catch {
          for (const w of batch) await one(w);
          continue;
        }
        batch.forEach((w, i) => w.resolve(results[i]!));
      }
    } finally {
      running = false;
    }
  };
  return (item) => new Promise<O>((resolve, reject) => {
    waiting.push({ item, resolve, reject });
    if (!running) void pump();
  });
}
