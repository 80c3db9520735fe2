/**
 * The upload path's CPU work on a 20 MB file does not hold the event loop (decision 0013): the sha256 is hashed a
 * slice per turn, the PDF check parses on a thread of its own (a damaged PDF made pdf.js scan every byte in one
 * go, 0.7–0.95 s for 20 MB).
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { opensAsPdf, samplePdf } from '../../../app/pdf-check';
import { sha256Hex } from '../../../usecases/document-bytes';

/** Runs `fn` while a 1 ms interval notes the longest gap between its ticks. */
async function longestGap<T>(fn: () => Promise<T>): Promise<{ result: T; gapMs: number; ms: number }> {
  let last = performance.now();
  let gapMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 1);
  try {
    await new Promise((r) => setTimeout(r, 5));
    const t = performance.now();
    const result = await fn();
    const ms = performance.now() - t;
    await new Promise((r) => setTimeout(r, 5));
    return { result, gapMs, ms };
  } finally {
    clearInterval(tick);
  }
}

describe('the upload path keeps each turn of the event loop short', () => {
  it('sha256Hex, hashed in slices, equals the one-shot hash at every size around a slice', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 7);
    for (const n of [0, 1, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, big.length]) {
      const b = big.subarray(0, n);
      expect(await sha256Hex(b)).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });

  it('a damaged 20 MB PDF is refused without holding the loop; a valid one passes', async () => {
    const pdf = samplePdf('quotation');
    // A %PDF- line, then 20 MB that are no PDF structure (a damaged file): pdf.js scans all of it for objects.
    const damaged = Buffer.concat([Buffer.from('%PDF-1.4\n', 'latin1'), randomBytes(20 * 1024 * 1024)]);
    const check = await longestGap(() => opensAsPdf(damaged));
    expect(check.result).toBe(false);
    // On the main thread this was one turn as long as the whole check; now the thread works while the loop runs.
    expect(check.gapMs).toBeLessThan(Math.max(150, check.ms / 3));
    expect(await opensAsPdf(pdf)).toBe(true);
  }, 60_000);
});
