/** Small pieces shared by the benchmarks: machine CPU readings and the server child's stop protocol. */
import os from 'node:os';

/** Machine-wide CPU time (all cores), in core-seconds busy and total. */
export function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { busy: busy / 1000, total: total / 1000 };
}

/**
 * In a benchmark's server child: stops the server when the parent asks ('stop'), answering 'stopped' (or 'error'),
 * and also when the parent goes away without asking, so no child lingers.
 */
export function stopOnRequest(stopOnce: () => Promise<unknown>, send: (msg: { type: 'stopped' } | { type: 'error'; message: string }) => void): (msg: { type: string }) => boolean {
  process.on('disconnect', () => {
    void stopOnce().finally(() => process.exit(0));
  });
  return (msg) => {
    if (msg.type !== 'stop') return false;
    stopOnce()
      .then(() => {
        send({ type: 'stopped' });
        process.disconnect?.();
        setTimeout(() => process.exit(0), 50).unref();
      })
      .catch((err: unknown) => {
        send({ type: 'error', message: String(err) });
        process.exit(1);
      });
    return true;
  };
}
