/**
 * Browser suites need Debian's headless Chromium. Locally, without it, they are skipped with a warning; in CI
 * (`CI=true`, as .ci/run sets) a missing Chromium is a failure, never a silent skip.
 */
import fs from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const inCi = () => process.env.CI === 'true' || process.env.CI === '1';
const chromiumMissing = () => `${CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium; .ci/run does)`;

/**
 * A test that needs something of the machine (Chromium, a CJK font). With it, an ordinary test. Without it: in CI a
 * failing test naming what is missing; locally a skip whose reason is printed.
 */
export function itRequiring(has: boolean, why: () => string): (name: string, fn: () => Promise<void>, timeout?: number) => void {
  if (has) return (name, fn, timeout) => it(name, fn, timeout);
  return (name, fn, timeout) => {
    if (inCi()) {
      it(name, () => { throw new Error(`CI=true but ${why()}`); });
      return;
    }
    console.warn(`SKIPPED: ${name} — ${why()}`);
    // Skipped only off CI, with the reason printed: the machine lacks what the test needs (CI fails instead).
    it.skip(name, fn, timeout); // reason: the machine lacks what the test needs (printed above); CI fails instead
  };
}

/** A test that needs headless Chromium. */
export const itWithChromium = itRequiring(fs.existsSync(CHROMIUM), chromiumMissing);

export function describeWithChromium(name: string, body: () => void): void {
  if (fs.existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  if (inCi()) {
    describe(name, () => {
      it('has headless Chromium to run in (CI must not skip browser suites)', () => {
        throw new Error(`CI=true but ${chromiumMissing()}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED: ${name} — ${chromiumMissing()}`);
  // Skipped only off CI, with the reason printed: no Chromium on this machine (CI fails instead).
  describe.skip(name, body); // reason: no Chromium on this machine (printed above); CI fails instead
}
