/**
 * Issue 14, "a quiet bot": one reply per command. For each command a rep or supervisor sends, the number of
 * messages the sender receives (and the supervisor's notices), with the timers that a command opens run too — the
 * task prompt is folded into the stage card, not sent on its own. Real PostgreSQL, encrypted callbacks; WeCom nock'd.
 */
import { sql } from 'drizzle-orm';
import { AdjustableClock } from '../../app/clock';
import { startTestBot, type TestBot } from '../helpers/bot';
import { seedSmallOrg } from '../helpers/org';
import { mockWecom, textXml, type SentMessage } from '../helpers/wecom';

const textOf = (m: SentMessage) => (m.text as { content: string } | undefined)?.content ?? '';
type Card = { main_title: { title: string; desc?: string }; button_list?: { text: string }[]; quote_area?: { title: string; quote_text?: string } };
const cardOf = (m: SentMessage) => m.template_card as Card;

/** [who, what they type, messages to them, messages to the supervisor 张伟, what their one reply must show]. */
const COMMANDS: [string, string, number, number, (m: SentMessage) => boolean][] = [
  ['lina', '新客户 华夏医疗 医疗', 1, 0, (m) => cardOf(m).main_title.title === '华夏医疗'],
  ['lina', '新客户 东华人民医院', 1, 0, (m) => cardOf(m).main_title.title === '东华人民医院'],
  ['lina', '华夏医疗 推进 2', 1, 1, (m) => !!cardOf(m).quote_area?.title.includes('客户痛点记录')],
  // Entering 产品演示完成 opens two tasks (the proposal and the material pack): the one card names both.
  ['lina', '华夏医疗 下一步', 1, 1, (m) => cardOf(m).main_title.desc === '已从「首次电话沟通」推进到「产品演示完成」' &&
    cardOf(m).quote_area?.title === '📝 新待办 2 项' && /演示后24小时内提交方案[\s\S]*发送资料包[\s\S]*发送“华夏医疗 资料包”/.test(cardOf(m).quote_area?.quote_text ?? '')],
  ['lina', '退回', 1, 1, (m) => cardOf(m).main_title.desc === '已从「产品演示完成」退回到「首次电话沟通」'],
  ['lina', '推到演示', 1, 1, (m) => cardOf(m).main_title.desc === '已从「首次电话沟通」推进到「产品演示完成」'],
  ['lina', '华夏', 1, 0, (m) => cardOf(m).main_title.title === '华夏医疗'],
  ['lina', '华夏医疗 签约', 1, 0, (m) => !!cardOf(m).button_list?.some((b) => b.text === '确认已签约')],
  ['lina', '华夏医疗 留言 客户问能否分期', 1, 0, (m) => textOf(m).includes('已记录')],
  ['lina', '华夏医疗 上传', 1, 0, (m) => textOf(m).includes('/upload/')],
  ['lina', '华夏 拜访完了', 1, 0, (m) => textOf(m).includes('拜访后48小时跟进')],
  ['lina', '华夏医疗 异议 运维响应慢，担心售后', 1, 0, (m) => textOf(m).includes('运维响应慢')],
  ['lina', '我的任务', 1, 0, (m) => textOf(m).includes('你的待办')],
  ['lina', '待办', 1, 0, (m) => textOf(m).includes('你的待办')],
  ['lina', '东华，填写痛点', 1, 0, (m) => textOf(m).includes('东华人民医院')],
  ['lina', '取消', 1, 0, (m) => textOf(m).length > 0],
  ['lina', '取消', 1, 0, (m) => textOf(m).includes('没有进行中的操作')],
  // Without a name: the customer last worked on (华夏医疗, just named), not "which customer?" — though two customers'
  // records are due now (东华人民医院's too).
  ['lina', '东华人民医院 推进 2', 1, 1, (m) => cardOf(m).main_title.title === '东华人民医院'],
  ['lina', '华夏医疗 留言 客户问能否分三期', 1, 0, (m) => textOf(m).includes('已记录')],
  ['lina', '填写痛点', 1, 0, (m) => textOf(m).includes('开始填写“华夏医疗”的客户痛点记录')],
  ['lina', '取消', 1, 0, (m) => textOf(m).length > 0],
  ['lina', '帮助', 1, 0, (m) => textOf(m).includes('常用指令')],
  ['lina', '你好', 1, 0, (m) => textOf(m).startsWith('你好，我是销售流程助手') && textOf(m).includes('常用指令')],
  ['lina', '菜单', 1, 0, (m) => textOf(m).startsWith('你好，我是销售流程助手') && !textOf(m).includes('没有看懂')],
  ['lina', '华夏医疗推近谈判', 1, 0, (m) => textOf(m).includes('你是不是想：“华夏医疗 推进 价格谈判中”')],
  ['zhangwei', '团队', 1, 0, (m) => textOf(m).includes('团队客户')],
  // A colleague's customer (张伟's, not in 李娜's list): whose it is, not "not found, create it" (a duplicate).
  ['zhangwei', '新客户 北辰体检中心', 1, 0, (m) => cardOf(m).main_title.title === '北辰体检中心'],
  ['lina', '北辰体检中心 下一步', 1, 0, (m) => textOf(m).includes('由张伟负责') && !textOf(m).includes('新客户')],
  // A bare name too, typed otherwise than it is stored (海天-物流): still whose it is (lina stays under WeCom's 30 a minute).
  ['zhangwei', '新客户 海天-物流', 1, 0, (m) => cardOf(m).main_title.title === '海天-物流'],
  ['lina', '海天物流', 1, 0, (m) => textOf(m).includes('“海天-物流”由张伟负责') && !textOf(m).includes('没有看懂')],
  // A closed customer: nothing comes next, and the reply says so (not "send 签约 or 丢单").
  // Refusals give examples ready to send, with the customer's name.
  ['lina', '东华人民医院 丢单', 1, 0, (m) => textOf(m).includes('变更为「已丢单」') && textOf(m).includes('例如：东华人民医院 丢单 ')],
  ['lina', '东华人民医院 丢单 预算被砍', 1, 1, (m) => JSON.stringify(m).includes('已丢单')],
  ['lina', '东华人民医院 下一步', 1, 0, (m) => textOf(m).includes('的流程已结束（已丢单）') && !textOf(m).includes('签约')],
  ['zhangwei', '停滞', 1, 0, (m) => textOf(m).length > 0],
  ['zhangwei', '待评分', 1, 0, (m) => textOf(m).length > 0],
];

describe('one reply per command', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeAll(async () => {
    wecom = mockWecom();
    // Monday 23 Nov 2026, 10:00 Asia/Shanghai; the clock stands still so no deadline falls due during the run.
    t = await startTestBot({ clock: new AdjustableClock(new Date('2026-11-23T10:00:00+08:00'), { frozen: true }) });
    await seedSmallOrg(t.db.db, t.clock.now());
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  it.each(COMMANDS.map((c, i) => [i + 1, ...c] as const))('%i. %s: “%s” → %i message(s) to them, %i to the supervisor', async (_i, who, text, toThem, toSupervisor, check) => {
    const mark = wecom.sent.length;
    expect((await t.callback(textXml(who, text))).status).toBe(200);
    for (let k = 0; k < 2; k++) {
      await t.bot.runner.runNow('inbox');
      await t.bot.runner.runNow('timers'); // at-open reminders a command might have scheduled
      await t.bot.runner.runNow('outbox');
    }
    const sent = wecom.sent.slice(mark);
    const mine = sent.filter((m) => m.touser === who);
    expect(mine).toHaveLength(toThem);
    if (who !== 'zhangwei') expect(sent.filter((m) => m.touser === 'zhangwei')).toHaveLength(toSupervisor);
    expect(check(mine[0]!)).toBe(true);
  });

  it('签约 by text changed nothing until the confirming tap', async () => {
    const [row] = await t.db.rows<{ stage: string }>(sql`select stage from customers where name = '华夏医疗'`);
    expect(row!.stage).toBe('demo_done');
  });
});
