/**
 * Issue 14, "my work": a rep asks 我的任务 / 待办 and sees what is overdue and due today; a supervisor asks 团队, 停滞,
 * 待评分; each rep gets one morning digest on working days (08:45), none on the weekend. Through encrypted callbacks
 * and the time machine, on real PostgreSQL; WeCom nock'd.
 */
import { AdjustableClock } from '../../app/clock';
import { startTestBot, type TestBot } from '../helpers/bot';
import { seedSmallOrg } from '../helpers/org';
import { ADMIN_TOKEN, mockWecom, textXml, type SentMessage } from '../helpers/wecom';

const textOf = (m: SentMessage) => (m.text as { content: string } | undefined)?.content ?? '';

describe('my work in chat', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeAll(async () => {
    wecom = mockWecom();
    // Monday 23 Nov 2026, 10:00 Asia/Shanghai.
    t = await startTestBot({ config: { allowTimeTravel: true }, clock: new AdjustableClock(new Date('2026-11-23T10:00:00+08:00')) });
    await seedSmallOrg(t.db.db, t.clock.now());
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  async function ask(user: string, text: string): Promise<string[]> {
    const mark = wecom.sent.length;
    expect((await t.callback(textXml(user, text))).status).toBe(200);
    await t.bot.runner.runNow('inbox');
    await t.bot.runner.runNow('outbox');
    return wecom.sent.slice(mark).filter((m) => m.touser === user).map((m) => textOf(m));
  }
  async function advance(by: string) {
    const res = await t.post('/api/clock', JSON.stringify({ advance: by }), { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' });
    expect(res.status).toBe(200);
  }

  it('我的任务 lists the task due today with its deadline; 待办 says it is overdue once the deadline passed', async () => {
    await ask('lina', '新客户 华夏医疗 医疗');
    await ask('lina', '华夏医疗 推进 2');
    const [today] = await ask('lina', '我的任务');
    expect(today).toContain('📅 今天到期（1）');
    expect(today).toContain('• 客户痛点记录 · 华夏医疗 — 11月23日 12:00 截止（还剩2小时）');
    expect(today).toContain('华夏医疗 填写痛点'); // the foot's examples name a customer of the list, ready to send
    expect(today).not.toContain('<客户>');
    await advance('2h30m');
    const [late] = await ask('lina', '待办');
    expect(late).toContain('⚠️ 已超时（1）');
    expect(late).toContain('客户痛点记录 · 华夏医疗 — 已超时30分钟');
  });

  it('团队 shows a supervisor the team’s customers by stage; a rep is told these are supervisors’ commands', async () => {
    const [team] = await ask('zhangwei', '团队');
    expect(team).toContain('团队客户（共 1 个）');
    expect(team).toContain('• 首次电话沟通：1 个（华夏医疗）');
    const [rep] = await ask('lina', '团队');
    expect(rep).toContain('主管和管理者的指令');
  });

  it('停滞 and 待评分 answer in one line when there is nothing', async () => {
    expect(await ask('zhangwei', '停滞')).toEqual(['团队目前没有停滞的客户 👍']);
    expect(await ask('zhangwei', '待评分')).toEqual(['目前没有待你评分的抽查。']);
    expect((await ask('lina', '待评分'))[0]).toContain('评分人'); // a rep is told whose command it is
    expect((await ask('zhangwei', '我的任务'))[0]).toContain('“团队”“停滞”'); // a supervisor with none of his own
  });

  it('the morning digest reaches the rep at 08:45 on a working day with the overdue task, and not on Saturday', async () => {
    const mark = wecom.sent.length;
    await advance('22h'); // Tuesday 10:30
    const digests = wecom.sent.slice(mark).filter((m) => m.touser === 'lina' && textOf(m).startsWith('☀️ 李娜，早上好'));
    expect(digests).toHaveLength(1);
    expect(textOf(digests[0]!)).toContain('客户痛点记录 · 华夏医疗 — 已超时');
    expect(wecom.sent.slice(mark).some((m) => m.touser === 'zhangwei' && textOf(m).startsWith('☀️'))).toBe(false); // nothing due for him
    await ask('lina', '客户：华夏医疗\n担忧1：价格\n担忧2：交付\n担忧3：售后\n承诺：周五前发方案\n下次联系：下周一上午10点');
    const [none] = await ask('lina', '我的任务');
    expect(none).toContain('没有待办');
    await advance('3d'); // Friday 10:30 → Saturday comes next
    await ask('lina', '新客户 东华医院');
    await ask('lina', '东华医院 推进 2'); // a task open over the weekend
    const beforeWeekend = wecom.sent.length;
    await advance('1d'); // Saturday 10:30: the 08:45 run skipped the weekend
    expect(wecom.sent.slice(beforeWeekend).some((m) => textOf(m).startsWith('☀️'))).toBe(false);
  });
});
