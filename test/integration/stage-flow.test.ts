/**
 * Issue 3 end to end through encrypted callbacks: a rep creates a customer, moves it stage by stage, is refused
 * at negotiation without a 报价单, uploads one through the upload page, succeeds by clicking the card; the
 * supervisor is notified of every move; a non-owner is refused; two concurrent clicks → one wins.
 */
import { sql } from 'drizzle-orm';
import { people, offices } from '../../store/schema';
import { startTestBot, type TestBot } from '../helpers/bot';
import { cardClickXml, mockWecom, textXml, waitFor, type SentMessage } from '../helpers/wecom';
import { samplePdf } from '../../app/pdf-check';

type Card = { card_type: string; main_title: { title: string; desc?: string }; button_list?: { text: string; key: string }[] };
const textOf = (m: SentMessage) => (m.text as { content: string } | undefined)?.content ?? '';
const cardOf = (m: SentMessage) => m.template_card as Card;

describe('stage changes from chat (R1, R2)', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot();
    const now = t.clock.now();
    await t.db.db.insert(offices).values([{ id: 'east', name: '华东办事处', updatedAt: now }]);
    await t.db.db.insert(people).values([
      { userId: 'zhangwei', name: '张伟', officeId: 'east', roles: ['supervisor'], updatedAt: now },
      { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
      { userId: 'wangfang', name: '王芳', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
    ]);
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  /** Sends a callback and waits until the bot has delivered `n` more messages. */
  async function say(xml: string, n = 1): Promise<SentMessage[]> {
    const before = wecom.sent.length;
    expect((await t.callback(xml)).status).toBe(200);
    await waitFor(() => wecom.sent.length >= before + n, `${n} message(s) after a callback`);
    await new Promise((r) => setTimeout(r, 150));
    return wecom.sent.slice(before);
  }

  let customerId = 0;

  it('creates a customer from chat and answers with its stage card', async () => {
    const [card] = await say(textXml('lina', '新客户 华夏医疗 医疗'));
    expect(card).toMatchObject({ touser: 'lina', msgtype: 'template_card' });
    expect(cardOf(card!).main_title.title).toBe('华夏医疗');
    // One main button, the next stage forward; 已签约 is never a one-tap button (it sits in the select, with a confirmation).
    expect(cardOf(card!).button_list!.map((b) => b.text)).toEqual(['推进到首次电话沟通', '执行']);
    const [row] = await t.db.rows<{ id: number; office_id: string; owner_id: string; stage: string }>(sql`select * from customers`);
    expect(row).toMatchObject({ office_id: 'east', owner_id: 'lina', stage: 'lead' });
    customerId = row!.id;
  });

  it('moves forward by text with a stage number, and notifies the direct supervisor', async () => {
    const sent = await say(textXml('lina', '华夏医疗 推进 2'), 2);
    const notice = sent.find((m) => m.touser === 'zhangwei')!;
    // No PUBLIC_BASE_URL in tests: the notice carries a 查看客户 button, never a link to WeCom's home page.
    expect(cardOf(notice).card_type).toBe('button_interaction');
    expect(cardOf(notice).button_list!.map((b) => b.text)).toEqual(['查看客户']);
    expect(JSON.stringify(notice)).not.toContain('work.weixin.qq.com');
    expect(cardOf(notice).main_title.desc).toBe('1. 留资未触达 → 2. 首次电话沟通');
    expect(JSON.stringify(notice)).toContain('李娜');
    const reply = sent.find((m) => m.touser === 'lina')!;
    expect(cardOf(reply).main_title.desc).toContain('已从「留资未触达」推进到「首次电话沟通」');
  });

  it('accepts pinyin initials and a stage name fragment', async () => {
    await say(textXml('lina', 'hxyl → 演示'), 2);
    await say(textXml('lina', '华夏医疗 推进到 方案已提交'), 2);
    const [row] = await t.db.rows<{ stage: string }>(sql`select stage from customers where id = ${customerId}`);
    expect(row!.stage).toBe('proposal_submitted');
  });

  it('refuses skipping a stage and says why', async () => {
    const [reply] = await say(textXml('lina', '华夏医疗 推进 合同待签署'));
    expect(textOf(reply!)).toContain('无法将“华夏医疗”推进到「合同待签署」');
  });

  it('refuses negotiation without a 报价单, explains the failed condition and offers an upload link', async () => {
    await say(textXml('lina', '华夏医疗 留言 客户问能否给个正式报价'));
    const [reply] = await say(textXml('lina', '华夏医疗 推进 价格谈判中'));
    const text = textOf(reply!);
    expect(text).toContain('报价单');
    expect(text).toMatch(/http:\/\/127\.0\.0\.1:\d+\/upload\/\S+/);
    const [refusal] = await t.db.rows<{ failures: { code: string; kind: string }[] }>(sql`
      select failures from customer_events where customer_id = ${customerId} and kind = 'refusal' and to_stage = 'negotiating'`);
    expect(refusal!.failures).toEqual([expect.objectContaining({ code: 'guard', kind: 'document' })]);
  });

  it('an upload that does not meet the rule says exactly why — never “现在可以推进”', async () => {
    const [reply] = await say(textXml('lina', '华夏医疗 上传'));
    const link = textOf(reply!).match(/http:\/\/\S+/)![0];
    const before = wecom.sent.length;
    const up = await fetch(link, {
      method: 'POST', body: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(64)]),
      headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'x-file-name': encodeURIComponent('华夏医疗-报价单.docx') },
    });
    expect(up.status).toBeLessThan(300);
    await waitFor(() => wecom.sent.length > before, 'the upload answer');
    const answer = textOf(wecom.sent.slice(before).find((m) => m.touser === 'lina')!);
    expect(answer).toContain('不符合推进到「价格谈判中」所需「报价单」的要求');
    expect(answer).toContain('不是PDF格式');
    expect(answer).not.toContain('现在可以');
  });

  it('after uploading a PDF 报价单 through the upload page, a click on the card moves the customer', async () => {
    const [reply] = await say(textXml('lina', '华夏医疗 上传'));
    const link = textOf(reply!).match(/http:\/\/\S+/)![0];
    const up = await fetch(link, {
      method: 'POST', body: samplePdf('quotation'),
      headers: { 'content-type': 'application/pdf', 'x-file-name': encodeURIComponent('华夏医疗-报价单.pdf') },
    });
    expect(up.status).toBeLessThan(300);
    await waitFor(() => wecom.sent.some((m) => m.touser === 'lina' && textOf(m).includes('已收到“华夏医疗”的《华夏医疗-报价单.pdf》✅ 符合「报价单」的要求')), 'the upload confirmation in chat');

    const [card] = await say(textXml('lina', '查看 华夏医疗'));
    const button = cardOf(card!).button_list!.find((b) => b.text === '推进到价格谈判中')!;
    // The click's answer is the clicked card itself, updated in place: the rep gets no new message, the supervisor one notice.
    const sent = await say(cardClickXml('lina', button.key, 'task-1', { responseCode: 'rc-click-1' }), 1);
    const update = wecom.updates.find((u) => u.response_code === 'rc-click-1') as { template_card?: Card } | undefined;
    expect(update?.template_card?.main_title.desc).toBe('已从「方案已提交」推进到「价格谈判中」');
    expect(sent.filter((m) => m.touser === 'lina')).toEqual([]);
    expect(sent.some((m) => m.touser === 'zhangwei' && cardOf(m).main_title.desc === '4. 方案已提交 → 5. 价格谈判中')).toBe(true);
    const [row] = await t.db.rows<{ stage: string }>(sql`select stage from customers where id = ${customerId}`);
    expect(row!.stage).toBe('negotiating');
  });

  it('refuses a move by someone who is neither the owner, the supervisor nor an admin', async () => {
    const [row] = await t.db.rows<{ version: number }>(sql`select version from customers where id = ${customerId}`);
    const [reply] = await say(cardClickXml('wangfang', `move:${customerId}:contract_pending:${row!.version}`, 'task-2'));
    expect(textOf(reply!)).toContain('由李娜负责');
    const [after] = await t.db.rows<{ stage: string }>(sql`select stage from customers where id = ${customerId}`);
    expect(after!.stage).toBe('negotiating');
  });

  it('two concurrent clicks on the same card: one wins, the other is told the new state', async () => {
    const [row] = await t.db.rows<{ version: number }>(sql`select version from customers where id = ${customerId}`);
    const before = wecom.sent.length;
    const key = `move:${customerId}:contract_pending:${row!.version}`;
    const [a, b] = await Promise.all([
      t.callback(cardClickXml('lina', key, 'task-3', { responseCode: 'rc-a' })),
      t.callback(cardClickXml('zhangwei', key, 'task-3', { responseCode: 'rc-b' })),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // The loser's card is replaced in place by the customer's current state, headed by what happened.
    void before;
    await waitFor(() => wecom.updates.some((u) => JSON.stringify(u).includes('刚刚有了变更（这次操作没有执行）')), 'the loser is told');
    const [moves] = await t.db.rows<{ n: number }>(sql`
      select count(*)::int as n from customer_events where customer_id = ${customerId} and to_stage = 'contract_pending' and kind = 'stage_change'`);
    expect(moves!.n).toBe(1);
  });

  it('a supervisor hands the customer to another rep; the history records the ownership change', async () => {
    await new Promise((r) => setTimeout(r, 300)); // let the previous test's deliveries finish
    const refused = await say(textXml('lina', '华夏医疗 转给 王芳'));
    expect(refused.some((m) => m.touser === 'lina' && textOf(m).includes('只有负责人的直属上级或管理员'))).toBe(true);
    const sent = await say(textXml('zhangwei', '华夏医疗 转给 王芳'), 3);
    expect(sent.some((m) => m.touser === 'wangfang' && textOf(m).includes('交给你负责'))).toBe(true);
    expect(sent.some((m) => m.touser === 'lina' && textOf(m).includes('转给王芳'))).toBe(true);
    const [row] = await t.db.rows<{ owner_id: string }>(sql`select owner_id from customers where id = ${customerId}`);
    expect(row!.owner_id).toBe('wangfang');
    const open = await t.db.rows<{ assignee_id: string }>(sql`select assignee_id from tasks where customer_id = ${customerId} and status = 'open'`);
    expect(open.every((r) => r.assignee_id === 'wangfang')).toBe(true); // open tasks follow the customer
    const [ev] = await t.db.rows<{ failures: unknown; actor_id: string }>(sql`
      select failures, actor_id from customer_events where customer_id = ${customerId} and kind = 'ownership'`);
    expect(ev).toEqual({ actor_id: 'zhangwei', failures: { fromOwner: 'lina', toOwner: 'wangfang', fromOffice: 'east', toOffice: 'east' } });
  });

  it('a message that merely contains 交给 is not taken for a hand-over', async () => {
    const sent = await say(textXml('wangfang', '华夏医疗 留言 客户想把合同交给法务审核'));
    expect(sent.some((m) => textOf(m).includes('已记录“华夏医疗”的客户留言'))).toBe(true);
  });

  it('keeps the full append-only history with the process version', async () => {
    const rows = await t.db.rows<{ kind: string; from_stage: string | null; to_stage: string; source: string; process_version: string | null }>(sql`
      select kind, from_stage, to_stage, source, process_version from customer_events where customer_id = ${customerId} order by id`);
    expect(rows.map((r) => r.kind)).toEqual(['created', 'stage_change', 'stage_change', 'stage_change', 'refusal', 'refusal', 'stage_change', 'stage_change', 'ownership']);
    expect(rows.filter((r) => r.kind === 'stage_change').every((r) => r.process_version === '1')).toBe(true);
    expect(rows[6]).toMatchObject({ source: 'card', from_stage: 'proposal_submitted', to_stage: 'negotiating' });
  });
});
