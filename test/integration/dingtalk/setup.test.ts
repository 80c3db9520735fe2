/**
 * app/dingtalk-setup.ts in sandbox mode (SANDBOX=dingtalk): the fake DingTalk with the demo company, the Stream
 * connection into the real inbox, the directory sync, and Redis holding the shared token and the month's call count.
 */
import { AdjustableClock } from '../../../app/clock';
import { TEST_START } from '../../helpers/env';
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { loadConfig } from '../../../app/config';
import { setupDingtalk, type DingtalkSetup } from '../../../app/dingtalk-setup';
import { createMetrics } from '../../../app/metrics';
import { loadProcessFile } from '../../../app/process-file';
import { createInProcessRunner } from '../../../schedulers/runner';
import { listPeople } from '../../../store/org';
import { TEST_REDIS_URL } from '../../helpers/env';
import { quietLog, testInbox } from '../../helpers/dingtalk';

describe('DingTalk wiring (sandbox)', () => {
  let box: Awaited<ReturnType<typeof testInbox>>;
  let setup: DingtalkSetup;
  let redis: IORedis;
  const prefix = `spbt${randomBytes(4).toString('hex')}`;
  let woken = 0;

  beforeAll(async () => {
    box = await testInbox();
    redis = new IORedis(TEST_REDIS_URL);
    const config = loadConfig({ SANDBOX: 'dingtalk', LOG_LEVEL: 'silent' }, process.cwd());
    setup = await setupDingtalk({
      config, clock: new AdjustableClock(TEST_START), log: quietLog, metrics: createMetrics(), database: box.db, inbox: box.inbox,
      redis, prefix, onAccepted: () => void (woken += 1), runner: createInProcessRunner(quietLog), timeMachine: null, process: loadProcessFile(config.processConfig),
    });
    await setup.start();
  });
  afterAll(async () => {
    await setup.stop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await box.db.close();
  });

  it('a demo member types to the robot: stored in the inbox and the worker woken', async () => {
    await setup.sandbox!.say('lixiaoming', '帮助');
    expect((await box.rows()).map((r) => r.payload)).toEqual([expect.objectContaining({ channel: 'dingtalk', kind: 'message.text', userId: 'lixiaoming', text: '帮助' })]);
    expect(woken).toBe(1);
  });

  it('syncs the demo company from the fake directory; the token and the call count live in Redis', async () => {
    expect(await setup.syncOrg()).toMatchObject({ ok: true, offices: 4, people: 10 });
    const people = Object.fromEntries((await listPeople(box.db.db)).map((p) => [p.userId, p.supervisorId]));
    expect(people).toMatchObject({ lixiaoming: 'zhanghui', zhanghui: 'wangjianguo', wangjianguo: null });
    expect(await redis.get(`${prefix}:dingtalk:token:oapi:dingfakeclientid0001`)).toMatch(/^oapi_/);
    expect(Number(await setup.stack.counter.used())).toBeGreaterThan(10);
  });

  it('sends through the channel to the fake; a 免登 code signs a member in once', async () => {
    expect((await setup.channel.send('zhanghui', { type: 'text', text: '早上好' }, 'k1')).ok).toBe(true);
    expect(setup.sandbox!.inbox('zhanghui').at(-1)).toMatchObject({ msgtype: 'text', text: '早上好' });
    const code = setup.fake!.authCode('zhanghui');
    expect(await setup.userIdByCode(code)).toBe('zhanghui');
    expect(await setup.userIdByCode(code)).toBeNull();
  });
});
