/**
 * Browser suites need Debian's headless Chromium. Locally, without it, they are skipped with a warning; in CI
 * (`CI=true`, as .ci/run sets) a missing Chromium is a failure, never a silent skip.
 */
import fs from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function describeWithChromium(name: string, body: () => void): void {
  if (fs.existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  const why = `${CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium; .ci/run does)`;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    describe(name, () => {
      it('has headless Chromium to run in (CI must not skip browser suites)', () => {
        throw new Error(`CI=true but ${why}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED: ${name} — ${why}`);
  describe.skip(name, body);
}
