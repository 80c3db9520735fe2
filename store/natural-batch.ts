/**
 * Natural batching for statements many callers issue at once (callback inserts, "delivered" marks): a call that
 * arrives while a batch is on its way rides the next batch. No timer: a lone call goes at once; under load one
 * statement and one commit carry many calls. Each caller hears only when its own batch has finished, so nothing is
 * reported done before it is stored. A batch refused for its data (`aloneOnError`, e.g. one row jsonb cannot hold) is
 * retried item by item, so one bad item fails alone instead of taking its neighbours with it; any other failure (the
 * database down, a timeout) fails the whole batch at once rather than waiting for it once per item.
 */
export function naturalBatcher<I, O>(run: (batch: readonly I[]) => Promise<O[]>, maxBatch: number,
  aloneOnError: (err: unknown) => boolean = isDataError): (item: I) => Promise<O> {
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
        } catch (err) {
          if (aloneOnError(err)) for (const w of batch) await one(w);
          else for (const w of batch) w.reject(err);
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

/**
 * Whether the database refused a statement for what it carried (SQLSTATE classes 22 data exception, 23 integrity
 * constraint violation, 54 program limit exceeded) rather than for its own state; drizzle wraps the driver's error
 * in `cause`.
 */
export function isDataError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}
