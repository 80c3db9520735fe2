/**
 * Issue 4: deadlines, reminders and escalations fire at the right instants with an advanced clock, once; a task
 * finished before its deadline raises nothing; supervisor clicks act and update the card; Redis loss and a crash
 * while firing lose or repeat nothing. Real PostgreSQL (and Redis where noted); WeCom nock'd.
 */
import Redis from 'ioredis';
import { sql } from 'drizzle-orm';
import { seedSmallOrg } from '../helpers/org';
import { claimDueTimers, openTask, scheduleTimers } from '../../store/tasks';
import { AdjustableClock } from '../../app/clock';
import { startTestBot, type TestBot } from '../helpers/bot';
import { TEST_REDIS_URL } from '../helpers/env';
import { ADMIN_TOKEN, cardClickXml, mockWecom, textXml, waitFor, type SentMessage } from '../helpers/wecom';

const textOf = (m: SentMessage) => (m.text as { content: string } | undefined)?.content ?? '';
type Card = { card_type: string; main_title: { title: string }; button_list?: { text: string; key: string }[] };
const cardOf = (m: SentMessage) => m.template_card as Card;

const seedOrg = (t: TestBot) => seedSmallOrg(t.db.db, t.clock.now());

async function advance(t: TestBot, by: string) {
  const res = await t.post('/api/clock', JSON.stringify({ advance: by }), { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' });
  expect(res.status).toBe(200);
}

describe('action timers (R3, R9) through chat and the time machine', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot({ config: { allowTimeTravel: true } });
    await seedOrg(t);
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  const sentTo = (who: string, from: number) => wecom.sent.slice(from).filter((m) => m.touser === who);
  async function say(xml: string) {
    expect((await t.callback(xml)).status).toBe(200);
    await t.bot.runner.runNow('inbox');
    await t.bot.runner.runNow('timers');
    await t.bot.runner.runNow('outbox');
  }

  it('opens the pain-point task on the first call: the rep is asked for the form at once', async () => {
    await say(textXml('lina', '新客户 华夏医疗 医疗'));
    const mark = wecom.sent.length;
    await say(textXml('lina', '华夏医疗 推进 2'));
    await t.bot.runner.runNow('timers');
    await t.bot.runner.runNow('outbox');
    // One reply: the stage card with the task folded in (deadline and how to file it) — no separate prompt or reminder.
    const toLina = sentTo('lina', mark);
    expect(toLina).toHaveLength(1);
    const quote = (toLina[0]!.template_card as { quote_area?: { title: string; quote_text: string } }).quote_area;
    expect(quote?.title).toContain('客户痛点记录');
    expect(quote?.quote_text).toContain('华夏医疗 填写痛点');
    const [task] = await t.db.rows<{ kind: string; status: string; due_at: Date; opened_at: Date }>(sql`select * from tasks where kind = 'pain_point'`);
    expect(task!.status).toBe('open');
    expect(new Date(task!.due_at).getTime() - new Date(task!.opened_at).getTime()).toBe(2 * 3_600_000);
  });

  it('reminds the rep 30 minutes before the deadline, not earlier', async () => {
    const mark = wecom.sent.length;
    await advance(t, '1h29m');
    expect(sentTo('lina', mark)).toHaveLength(0);
    await advance(t, '1m');
    const reminders = sentTo('lina', mark);
    expect(reminders).toHaveLength(1);
    expect(textOf(reminders[0]!)).toMatch(/^⏰ 客户痛点记录（华夏医疗）：.*截止（还剩30分钟）/); // no PUBLIC_BASE_URL: text, no dead link
  });

  it('at the deadline warns the direct supervisor with one-tap actions, once', async () => {
    const mark = wecom.sent.length;
    await advance(t, '30m');
    const warnings = sentTo('zhangwei', mark);
    expect(warnings).toHaveLength(1);
    expect(cardOf(warnings[0]!).card_type).toBe('button_interaction');
    expect(cardOf(warnings[0]!).button_list!.map((b) => b.text)).toEqual(['催办', '延期24小时', '已处理']);
    expect(sentTo('lina', mark).some((m) => textOf(m).includes('已超过截止时间'))).toBe(true);
    await advance(t, '10m');
    expect(sentTo('zhangwei', mark)).toHaveLength(1); // no repeat
  });

  it('催办 nudges the rep, is recorded, and the card shows who did it', async () => {
    const [warning] = wecom.sent.filter((m) => m.touser === 'zhangwei' && m.msgtype === 'template_card').slice(-1);
    const nudge = cardOf(warning!).button_list!.find((b) => b.text === '催办')!;
    const mark = wecom.sent.length;
    await say(cardClickXml('zhangwei', nudge.key, 'warn-1', { responseCode: 'rc-nudge' }));
    expect(sentTo('lina', mark).some((m) => textOf(m).startsWith('【催办】张伟'))).toBe(true);
    expect(wecom.updates.find((u) => u.response_code === 'rc-nudge')).toMatchObject({ button: { replace_name: expect.stringContaining('张伟已催办') } });
    const [ev] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from task_events where kind = 'nudged' and actor_id = 'zhangwei'`);
    expect(ev!.n).toBe(1);
  });

  it('still open 4 hours later: climbs one level higher', async () => {
    const mark = wecom.sent.length;
    await advance(t, '3h50m');
    expect(sentTo('boss', mark)).toHaveLength(1);
    expect(cardOf(sentTo('boss', mark)[0]!).main_title.title).toContain('李娜');
  });

  it('延期24小时 with a reason moves the deadline; the old ladder is dead and the new one fires at the new time', async () => {
    const [warning] = wecom.sent.filter((m) => m.touser === 'boss' && m.msgtype === 'template_card').slice(-1);
    const extend = cardOf(warning!).button_list!.find((b) => b.text === '延期24小时')!;
    const mark = wecom.sent.length;
    await say(cardClickXml('boss', extend.key, 'warn-2', { selected: [{ q: 'extend_reason', ids: ['need_material'] }] }));
    expect(sentTo('lina', mark).some((m) => textOf(m).includes('延期24小时') && textOf(m).includes('需补充资料'))).toBe(true);
    const mark2 = wecom.sent.length;
    await advance(t, '23h');
    expect(sentTo('zhangwei', mark2)).toHaveLength(0);
    await advance(t, '1h');
    expect(sentTo('zhangwei', mark2)).toHaveLength(1);
  });

  it('an older warning card (from before the extension) no longer acts: it says it has expired', async () => {
    const [old] = wecom.sent.filter((m) => m.touser === 'zhangwei' && m.msgtype === 'template_card' && !!cardOf(m).button_list?.some((b) => b.text === '已处理'));
    const handled = cardOf(old!).button_list!.find((b) => b.text === '已处理')!;
    const mark = wecom.sent.length;
    await say(cardClickXml('zhangwei', handled.key, 'warn-old', { responseCode: 'rc-old' }));
    expect(wecom.sent.slice(mark).some((m) => m.touser === 'zhangwei' && textOf(m).includes('已过期'))).toBe(true);
    const [task] = await t.db.rows<{ handled_at: Date | null }>(sql`select handled_at from tasks where kind = 'pain_point' order by id limit 1`);
    expect(task!.handled_at).toBeNull();
  });

  it('pushes the 方案撰写SOP when a demo is not followed by a proposal within 24 h (uploaded once as media)', async () => {
    await t.bot.sops.ready;
    await say(textXml('lina', '新客户 恒信医械'));
    await say(textXml('lina', '恒信医械 推进 2'));
    await say(textXml('lina', '恒信医械 推进 3'));
    const mark = wecom.sent.length;
    await advance(t, '23h59m');
    expect(sentTo('lina', mark).some((m) => m.msgtype === 'file')).toBe(false);
    await advance(t, '1m');
    const files = sentTo('lina', mark).filter((m) => m.msgtype === 'file');
    expect(files).toHaveLength(1);
    expect((files[0]!.file as { media_id: string }).media_id).toMatch(/^media-\d+$/);
    expect(sentTo('lina', mark).some((m) => textOf(m).includes('这是帮助，不是批评'))).toBe(true);
    expect(wecom.uploads).toBe(1);
    // The SOP goes as a PDF laid out from its Markdown source, so it opens on any phone (a CJK font is installed here).
    const body = /^[0-9a-f]+$/.test(wecom.uploadBodies[0]!) ? Buffer.from(wecom.uploadBodies[0]!, 'hex') : Buffer.from(wecom.uploadBodies[0]!);
    expect(body.toString('utf8')).toMatch(/filename="方案撰写SOP\.pdf"/);
    expect(body.toString('latin1')).toContain('Content-Type: application/pdf\r\n\r\n%PDF-');
  });

  it('a proposal submitted one second before the 24 h deadline raises nothing', async () => {
    await say(textXml('lina', '新客户 远东康复'));
    await say(textXml('lina', '远东康复 推进 2'));
    await say(textXml('lina', '远东康复 推进 3'));
    await advance(t, '23h59m59s');
    await say(textXml('lina', '远东康复 推进 4'));
    const mark = wecom.sent.length;
    await advance(t, '2d');
    // No SOP, no overdue note about the proposal (the morning digest, which lists the open pain-point task, aside).
    const about = sentTo('lina', mark).filter((m) => !textOf(m).startsWith('☀️'));
    expect(about.some((m) => m.msgtype === 'file' || textOf(m).includes('远东康复'))).toBe(false);
  });
});

describe('stall flags (R5)', () => {
  it('flags a customer left in negotiation for more than 7 calendar days, once a day, and lists it via the API', async () => {
    const wecom = mockWecom();
    // Monday 10:00 Asia/Shanghai: the daily jobs (08:45 digest, 09:00 stall check) fall on working days in between.
    const t = await startTestBot({ config: { allowTimeTravel: true }, clock: new AdjustableClock(new Date('2026-11-23T10:00:00+08:00')) });
    try {
      await seedOrg(t);
      const say = async (xml: string) => {
        await t.callback(xml);
        await t.bot.runner.runNow('inbox');
      };
      await say(textXml('lina', '新客户 北辰影像'));
      await say(textXml('boss', '北辰影像 强制推进 5 原因 客户已确认报价，资料后补'));
      await say(textXml('lina', '北辰影像 留言 客户说下周内部开会再定'));
      // The owner reads it in the morning digest on working days (one message, not two), in the 09:00 list otherwise.
      const stallMsgs = (who: string) => wecom.sent.filter((m) => m.touser === who && textOf(m).includes('北辰影像') &&
        (textOf(m).includes('超过7天没有更新') || textOf(m).includes('停滞客户')));
      await advance(t, '7d');
      expect(stallMsgs('lina')).toHaveLength(0); // 7 days is not more than 7
      await advance(t, '1d');
      expect(stallMsgs('lina')).toHaveLength(1);
      expect(stallMsgs('zhangwei')).toHaveLength(1);
      expect(textOf(stallMsgs('lina')[0]!)).toContain('客户说下周内部开会再定'); // its last touchpoints
      await advance(t, '2h');
      expect(stallMsgs('lina')).toHaveLength(1); // at most one a day
      const res = await t.get('/api/customers?flag=stalled', { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(JSON.parse(res.body).items.map((c: { name: string }) => c.name)).toEqual(['北辰影像']);
      await say(textXml('lina', '北辰影像 留言 客户同意下周签约'));
      await advance(t, '1d');
      const cleared = await t.get('/api/customers?flag=stalled', { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(JSON.parse(cleared.body).items).toEqual([]);
    } finally {
      await t.stop();
      wecom.done();
    }
  });
});

describe('timer durability', () => {
  it('1,000 pending timers whose Redis wake-ups were flushed all fire once after the sweep', async () => {
    const wecom = mockWecom();
    const t = await startTestBot({ redis: true, config: { allowTimeTravel: true } });
    try {
      await seedOrg(t);
      const now = t.clock.now();
      const due = new Date(now.getTime() + 60_000);
      await t.db.db.transaction(async (tx) => {
        for (let i = 0; i < 1000; i++) {
          const task = await openTask(tx, { kind: 'pain_point', customerId: null, assigneeId: 'lina', trigger: 'test', openedAt: now, dueAt: due });
          await scheduleTimers(tx, [{ kind: 'due', key: `task:${task.id}:v1:due:0`, fireAt: due, taskId: task.id, payload: { level: 0, version: 1 } }], now);
        }
      });
      // Redis loses every delayed wake-up (a restart without AOF): delete this bot's keys.
      const redis = new Redis(TEST_REDIS_URL);
      const prefix = (t.bot as unknown as { redisPrefix?: string }).redisPrefix;
      const keys = await redis.keys(`${prefix ?? 'spbt'}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      t.clock.advance(61_000);
      await waitFor(async () => {
        const [r] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from timers where status = 'fired'`);
        return r!.n === 1000;
      }, 'the sweep fires all 1000', 90_000); // a guard, not a goal: the figure lives in npm run bench:timers
      const [ev] = await t.db.rows<{ n: number; d: number }>(sql`select count(*)::int as n, count(distinct task_id)::int as d from task_events where kind = 'overdue'`);
      expect(ev).toEqual({ n: 1000, d: 1000 });
    } finally {
      await t.stop();
      wecom.done();
    }
  }, 120_000);

  it('a worker killed while firing (claimed, not committed) leaves the timer to fire once after the lease', async () => {
    const wecom = mockWecom();
    const t = await startTestBot({ config: { allowTimeTravel: true }, sweepMs: 60_000 });
    try {
      await seedOrg(t);
      const now = t.clock.now();
      const task = await openTask(t.db.db, { kind: 'pain_point', customerId: null, assigneeId: 'lina', trigger: 'test', openedAt: now, dueAt: now });
      await scheduleTimers(t.db.db, [{ kind: 'escalate', key: `task:${task.id}:v1:escalate:1`, fireAt: now, taskId: task.id, payload: { level: 1, version: 1 } }], now);
      const claimed = await claimDueTimers(t.db, now, 10, 30_000); // the dying worker's claim
      expect(claimed).toHaveLength(1);
      await t.bot.runner.runNow('timers');
      expect(wecom.sent).toHaveLength(0); // leased: nobody else fires it
      t.clock.advance(31_000);
      await t.bot.runner.runNow('timers');
      await t.bot.runner.runNow('timers');
      await t.bot.runner.runNow('outbox');
      expect(wecom.sent.filter((m) => m.touser === 'zhangwei')).toHaveLength(1);
    } finally {
      await t.stop();
      wecom.done();
    }
  });
});

describe('the pain-point record in chat (R3)', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;
  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot({ config: { allowTimeTravel: true } });
    await seedOrg(t);
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });
  async function say(xml: string): Promise<string[]> {
    const mark = wecom.sent.length;
    expect((await t.callback(xml)).status).toBe(200);
    await t.bot.runner.runNow('inbox');
    await t.bot.runner.runNow('timers');
    await t.bot.runner.runNow('outbox');
    return wecom.sent.slice(mark).filter((m) => m.touser === 'lina').map(textOf).filter(Boolean);
  }

  it('one labelled message closes the task; nothing is escalated at the deadline', async () => {
    await say(textXml('lina', '新客户 华夏医疗'));
    await say(textXml('lina', '华夏医疗 推进 2'));
    const replies = await say(textXml('lina', '客户：华夏医疗\n担忧1：售后响应慢\n担忧2，耗材太贵\n担忧3：培训跟不上\n承诺：周五前发配置清单\n下次联系：明天下午3点'));
    expect(replies.join('\n')).toContain('已收到“华夏医疗”的客户痛点记录');
    const [task] = await t.db.rows<{ status: string }>(sql`select status from tasks where kind = 'pain_point'`);
    expect(task!.status).toBe('done');
    const mark = wecom.sent.length;
    await advance(t, '7h');
    expect(wecom.sent.slice(mark).filter((m) => m.touser === 'zhangwei')).toHaveLength(0);
  });

  it('a message with only two worries gets a specific answer and changes nothing', async () => {
    const replies = await say(textXml('lina', '客户：华夏医疗\n担忧：价格高；交期长\n承诺：报价单\n下次联系：后天上午10点'));
    expect(replies.join('\n')).toMatch(/2个担忧|需要正好3个/);
    const [f] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from forms`);
    expect(f!.n).toBe(1);
  });

  it('sending the form again makes version 2 and says what changed', async () => {
    const replies = await say(textXml('lina', '客户：华夏医疗\n担忧1：售后响应慢\n担忧2：耗材太贵\n担忧3：预算审批周期长\n承诺：周五前发配置清单\n下次联系：明天下午3点'));
    expect(replies.join('\n')).toContain('第2版');
    expect(replies.join('\n')).toContain('预算审批周期长');
  });

  it('the guided conversation asks one question at a time, survives a restart, and can be cancelled', async () => {
    await say(textXml('lina', '新客户 远东康复'));
    await say(textXml('lina', '远东康复 推进 2'));
    const first = await say(textXml('lina', '远东康复 填写痛点'));
    expect(first.join('\n')).toMatch(/担忧|焦虑/);
    await say(textXml('lina', '1. 设备占地大 2. 操作复杂 3. 维修要等很久'));
    // A one-word command between two answers is that command, not an answer (the form waits for the next one).
    const before = wecom.sent.length;
    await say(textXml('lina', '我的任务'));
    const tasks = wecom.sent.slice(before).map(textOf).join('\n');
    expect(tasks).not.toMatch(/记下|交付物|下次什么时候联系/); // what the form answers to an answer
    expect(tasks).toContain('远东康复');
    // the bot restarts between two answers
    await t.bot.stop();
    const t2 = await startTestBot({ db: t.db, clock: t.clock, config: { allowTimeTravel: true } });
    const mark = wecom.sent.length;
    await t2.callback(textXml('lina', '下周一前给出场地方案'));
    await t2.bot.runner.runNow('inbox');
    await t2.bot.runner.runNow('outbox');
    expect(wecom.sent.slice(mark).map(textOf).join('\n')).toMatch(/联系/);
    await t2.callback(textXml('lina', '取消'));
    await t2.bot.runner.runNow('inbox');
    await t2.bot.runner.runNow('outbox');
    const [c] = await t2.db.rows<{ n: number }>(sql`select count(*)::int as n from conversations`);
    expect(c!.n).toBe(0);
    await t2.stop({ keepDatabase: true });
    t = await startTestBot({ db: t.db, clock: t.clock, config: { allowTimeTravel: true } });
  });
});
