/**
 * Issue 14, "safe cards": the next stage forward is the one main button; 退回, 已签约 and 丢单 sit in the select;
 * 已签约 takes a second tap within the card, 丢单 a reason; a backward move says 退回; the choice card tells two
 * customers of the same name apart. Through encrypted callbacks on real PostgreSQL; WeCom nock'd.
 */
import { sql } from 'drizzle-orm';
import { people } from '../../store/schema';
import { startTestBot, type TestBot } from '../helpers/bot';
import { seedSmallOrg } from '../helpers/org';
import { cardClickXml, mockWecom, textXml, type SentMessage } from '../helpers/wecom';

type Card = {
  task_id: string; main_title: { title: string; desc?: string }; sub_title_text?: string;
  button_list?: { text: string; key: string }[]; button_selection?: { question_key: string; option_list: { id: string; text: string }[] };
  horizontal_content_list?: { keyname: string; value: string }[];
};
const cardOf = (m: SentMessage) => m.template_card as Card;
const textOf = (m: SentMessage) => (m.text as { content: string } | undefined)?.content ?? '';

describe('safe stage cards', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot();
    await seedSmallOrg(t.db.db, t.clock.now());
    await t.db.db.insert(people).values({ userId: 'wangfang', name: '王芳', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: t.clock.now() });
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  async function act(xml: string): Promise<SentMessage[]> {
    const mark = wecom.sent.length;
    expect((await t.callback(xml)).status).toBe(200);
    await t.bot.runner.runNow('inbox');
    await t.bot.runner.runNow('outbox');
    return wecom.sent.slice(mark);
  }
  const stage = async () => (await t.db.rows<{ stage: string }>(sql`select stage from customers where name = '华夏医疗'`))[0]!.stage;
  const lastUpdate = (rc: string) => wecom.updates.find((u) => u.response_code === rc) as { template_card: Card } | undefined;
  let card: Card;

  it('one main button — the next stage forward; the rest in a select; never a one-tap 已签约', async () => {
    await act(textXml('lina', '新客户 华夏医疗 医疗'));
    [card] = (await act(textXml('lina', '华夏医疗 下一步'))).filter((m) => m.touser === 'lina').map(cardOf) as [Card];
    expect(card.button_list!.map((b) => b.text)).toEqual(['推进到产品演示完成', '执行']);
    expect(card.button_selection!.option_list.map((o) => o.text)).toEqual(['请选择…', '退回到留资未触达', '已签约（需确认）', '已丢单（需写原因）']);
  });

  it('已签约 from the select asks again within the same card; nothing changes until the second tap', async () => {
    await act(cardClickXml('lina', card.button_list![1]!.key, card.task_id, { responseCode: 'rc-won-1', selected: [{ q: 'stage_target', ids: ['won'] }] }));
    const confirm = lastUpdate('rc-won-1')!.template_card;
    expect(confirm.task_id).toBe(card.task_id);
    expect(confirm.main_title.desc).toBe('确认标记为「已签约」？');
    expect(confirm.button_list!.map((b) => b.text)).toEqual(['确认已签约', '取消']);
    expect(await stage()).toBe('first_call');
    await act(cardClickXml('lina', confirm.button_list![1]!.key, card.task_id, { responseCode: 'rc-won-cancel' }));
    expect(lastUpdate('rc-won-cancel')!.template_card.button_list!.map((b) => b.text)).toEqual(['推进到产品演示完成', '执行']);
    expect(await stage()).toBe('first_call');
  });

  it('丢单 from the select asks for the reason instead of closing the customer', async () => {
    const sent = await act(cardClickXml('lina', card.button_list![1]!.key, card.task_id, { selected: [{ q: 'stage_target', ids: ['lost'] }] }));
    expect(textOf(sent[0]!)).toContain('华夏医疗 丢单 <原因>');
    expect(await stage()).toBe('first_call');
  });

  it('a backward move is worded 退回, on the card and in the supervisor’s notice', async () => {
    const sent = await act(cardClickXml('lina', card.button_list![1]!.key, card.task_id, { responseCode: 'rc-back', selected: [{ q: 'stage_target', ids: ['lead'] }] }));
    expect(lastUpdate('rc-back')!.template_card.main_title.desc).toBe('已从「首次电话沟通」退回到「留资未触达」');
    expect(cardOf(sent.find((m) => m.touser === 'zhangwei')!).main_title.title).toBe('【阶段退回】华夏医疗');
    expect(await stage()).toBe('lead');
  });

  it('the choice card tells two customers of the same name apart (owner, stage, office)', async () => {
    await act(textXml('lina', '新客户 南山中医院'));
    await act(textXml('wangfang', '新客户 南山中医院'));
    await act(textXml('wangfang', '南山中医院 下一步'));
    const [choice] = (await act(textXml('zhangwei', '查看 南山'))).map(cardOf);
    expect(choice!.button_list!.map((b) => b.text)).toEqual(['1. 李娜', '2. 王芳']);
    expect(choice!.horizontal_content_list!.map((h) => h.value)).toEqual([
      '南山中医院 · 李娜 · 留资未触达 · 华东办事处', '南山中医院 · 王芳 · 首次电话沟通 · 华东办事处',
    ]);
  });
});
