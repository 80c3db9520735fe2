/**
 * Stream mode against the fake gateway over real WebSockets on loopback, with the real inbox (PGlite):
 * store before ack, redelivery, duplicates, disconnect hand-over, a crash between store and ack, the watchdog.
 */
import type { ChatEvent } from '../../../bot/channel';
import { createStreamInbound } from '../../../bot/dingtalk/inbound';
import { createStreamClient, TOPIC_CARD, TOPIC_ROBOT, type StreamClient } from '../../../bot/dingtalk/stream';
import type { FakeDingtalk } from '../../../bot/dingtalk/fake';
import { cardCallback, quietLog, robotMessage, startFake, testInbox, until } from '../../helpers/dingtalk';

type Inbox = Awaited<ReturnType<typeof testInbox>>;

describe('DingTalk Stream mode', () => {
  let fake: FakeDingtalk;
  let box: Inbox;
  let client: StreamClient | null = null;
  let acceptHook: ((e: ChatEvent, key: string) => Promise<void>) | null = null;
  let stored = 0;

  beforeAll(async () => {
    box = await testInbox();
  });
  afterAll(async () => {
    await box.db.close();
  });

  beforeEach(async () => {
    fake = await startFake({ redeliverMs: 300, graceMs: 400 });
    await box.clear();
    acceptHook = null;
    stored = 0;
  });

  afterEach(async () => {
    await client?.stop();
    client = null;
    await fake.close();
  });

  function start(opts: { heartbeatMs?: number; idleTimeoutMs?: number } = {}) {
    client = createStreamClient({
      apiBase: fake.base, clientId: fake.state.app.clientId, clientSecret: fake.state.app.clientSecret, log: quietLog,
      callbacks: [TOPIC_ROBOT, TOPIC_CARD], backoffInitialMs: 50, backoffMaxMs: 200, drainMs: 2000, ...opts,
      onFrame: createStreamInbound({
        log: quietLog, onAccepted: () => undefined,
        accept: async (e, key) => {
          const r = await box.accept(e, key);
          if (!r.duplicate) stored += 1;
          await acceptHook?.(e, key);
          return r;
        },
      }),
    });
    return client.start();
  }

  it('stores a robot message, then acknowledges it with {"response":null}; answers ping with the same data', async () => {
    await start();
    const id = fake.gateway.pushRobotMessage(robotMessage('lina', '华夏医疗 进入 方案', 'm1'));
    await until(() => fake.gateway.acked(id), 5000, 'ack');
    expect(fake.gateway.ack(id)).toEqual({ response: null });
    const rows = await box.rows();
    expect(rows.map((r) => r.dedupeKey)).toEqual(['dt:msg:m1']);
    expect(rows[0]!.payload).toMatchObject({ kind: 'message.text', userId: 'lina', text: '华夏医疗 进入 方案' });
    const opaque = fake.gateway.ping();
    await until(() => fake.gateway.pongs.some((p) => p.includes(opaque)), 3000, 'pong');
  });

  it('a frame not acknowledged (the store failed) is redelivered and handled once', async () => {
    let failures = 1;
    acceptHook = async () => {
      if (failures-- > 0) throw new Error('database briefly unavailable');
    };
    await start();
    const id = fake.gateway.pushRobotMessage(robotMessage('lina', '你好', 'm2'));
    await until(() => fake.gateway.acked(id), 5000, 'ack after redelivery');
    expect(fake.gateway.deliveries(id)).toBe(2);
    expect((await box.rows()).map((r) => r.dedupeKey)).toEqual(['dt:msg:m2']);
  });

  it('the same msgId delivered twice (new frame, and the same frame again) is stored once, both acknowledged', async () => {
    await start();
    const a = fake.gateway.pushRobotMessage(robotMessage('lina', '你好', 'same'));
    const b = fake.gateway.pushRobotMessage(robotMessage('lina', '你好', 'same'));
    await until(() => fake.gateway.acked(a) && fake.gateway.acked(b), 5000, 'acks');
    fake.gateway.duplicate(a);
    await new Promise((r) => setTimeout(r, 200));
    expect((await box.rows()).length).toBe(1);
    expect(stored).toBe(1);
  });

  it('disconnect: a new connection opens before the old one closes, and nothing pushed around it is lost', async () => {
    await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(fake.gateway.pushRobotMessage(robotMessage('lina', `a${i}`, `before${i}`)));
    await until(() => ids.every((id) => fake.gateway.acked(id)), 5000, 'first acks');
    fake.gateway.disconnect('server upgrade');
    await until(() => fake.gateway.connections().filter((c) => !c.draining).length === 1, 3000, 'replacement connection');
    // The old connection is still open (draining) while the new one already serves.
    expect(fake.gateway.connections().length).toBe(2);
    for (let i = 0; i < 5; i++) ids.push(fake.gateway.pushRobotMessage(robotMessage('wangfang', `b${i}`, `after${i}`)));
    await until(() => ids.every((id) => fake.gateway.acked(id)), 5000, 'all acks');
    await until(() => fake.gateway.connections().length === 1, 3000, 'old connection closed');
    expect((await box.rows()).length).toBe(10);
    expect(client!.stats.opened).toBe(2);
    expect(client!.connected).toBe(true);
  });

  it('killed between storing and acknowledging: redelivered after the reconnect and handled once', async () => {
    let crashed = false;
    acceptHook = async () => {
      if (!crashed) {
        crashed = true;
        fake.gateway.dropAll(); // the row is committed; the ack never leaves
      }
    };
    await start();
    const id = fake.gateway.pushCardCallback(cardCallback('card-7', 'zhangwei', { action: 'urge:7', v: '0123abcd' }));
    await until(() => fake.gateway.acked(id), 8000, 'ack after reconnect');
    expect(fake.gateway.deliveries(id)).toBe(2);
    expect(fake.gateway.ack(id)).toEqual({ response: {} });
    expect(client!.stats.opened).toBe(2);
    const rows = await box.rows();
    expect(rows.map((r) => r.dedupeKey)).toEqual(['dt:card:card-7|zhangwei|urge:7|0123abcd|{}']);
  });

  it("a member's messages are stored in the order they arrived", async () => {
    await start();
    const ids = Array.from({ length: 30 }, (_, i) => fake.gateway.pushRobotMessage(robotMessage(i % 3 ? 'lina' : 'wangfang', `第${i}条`, `order${i}`)));
    await until(() => ids.every((id) => fake.gateway.acked(id)), 8000, 'acks');
    const lina = (await box.rows()).map((r) => r.payload as { userId: string; text: string }).filter((p) => p.userId === 'lina').map((p) => Number(p.text.slice(1, -1)));
    expect(lina).toEqual([...lina].sort((a, b) => a - b));
    expect(lina).toHaveLength(20);
  });

  it('directory events are stored per member and acknowledged SUCCESS', async () => {
    await start();
    const id = fake.gateway.pushEvent('user_add_org', { UserId: ['newbie1', 'newbie2'], CorpId: fake.state.app.corpId }, 'evt-1');
    await until(() => fake.gateway.acked(id), 5000, 'event ack');
    expect(fake.gateway.ack(id)).toMatchObject({ status: 'SUCCESS' });
    expect((await box.rows()).map((r) => r.dedupeKey)).toEqual(['dt:evt:evt-1:newbie1', 'dt:evt:evt-1:newbie2']);
  });

  it('a malformed frame is acknowledged (not redelivered forever) and nothing is stored', async () => {
    await start();
    const id = fake.gateway.pushRobotMessage({ msgtype: 'text', text: { content: 'x' } });
    await until(() => fake.gateway.acked(id), 5000, 'ack');
    expect(await box.rows()).toEqual([]);
  });

  it('watchdog: a connection that goes silent is replaced without waiting for a close event', async () => {
    await start({ heartbeatMs: 100, idleTimeoutMs: 400 });
    fake.gateway.freeze();
    await until(() => client!.stats.opened === 2 && client!.connected, 5000, 'replacement after silence');
    const id = fake.gateway.pushRobotMessage(robotMessage('lina', '还在吗', 'm-after-freeze'));
    await until(() => fake.gateway.acked(id), 5000, 'ack on the new connection');
    expect((await box.rows()).length).toBe(1);
  });
});
