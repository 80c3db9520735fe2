/**
 * The fast version of `npm run chaos`'s crash scenario: the real server process (embedded database) is killed with
 * SIGKILL in the middle of a burst, restarted, and WeCom resends what got no answer. Every acknowledged message is
 * answered, nobody sees a reply twice, and the work the dead process held is done within seconds of the restart.
 */
import { runScenario } from '../../chaos/scenarios';

describe('crash during a burst (real server, kill -9)', () => {
  it('loses nothing, shows nobody a reply twice, and recovers the dead process’s rows in under 10 s', async () => {
    const r = await runScenario('crash', 'pglite', { n: 60, port: 3132, fromSource: true });
    expect(r.acknowledged).toBe(60);
    expect(r.handled).toBe(60);
    expect(r.missing).toBe(0);
    expect(r.duplicatesSeen).toBe(0);
    expect(r.recoveryMs).toBeLessThan(10_000);
  }, 400_000);
});
