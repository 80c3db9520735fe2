/**
 * Issue 11, one door: the same action taken through two ways in (chat and the admin API, the upload page and the
 * API) has the same effects — the same history rows, the same tasks opened and closed, the same messages to the
 * same people — and the rules that drifted apart exist once: the stall rule (R5), forced-move notices, one open
 * task per kind when a stage is entered again, one warning per task for a supervisor.
 *
 * Effects are read from the database (customer_events, tasks, outbox rows), so the comparison does not depend on
 * delivery timing. The clock is frozen at Tue 2026-12-01 10:00 (Asia/Shanghai).
 */
import { sql } from 'drizzle-orm';
import { AdjustableClock } from '../../app/clock';
import { createUploadToken, uploadExpiry, uploadKey } from '../../app/upload-link';
import { samplePdf } from '../../app/pdf-check';
import { offices, people } from '../../store/schema';
import { startTestBot, type TestBot } from '../helpers/bot';
import { ADMIN_TOKEN, mockWecom, testConfig, textXml } from '../helpers/wecom';

const START = new Date('2026-12-01T02:00:00Z'); // Tue 10:00 in Asia/Shanghai
const PDF = samplePdf('one door');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface OutRow { id: number; recipient: string; body: Json; kind: string }
interface EventRow { kind: string; from_stage: string | null; to_stage: string | null; actor_id: string; source: string; note: string | null; failures: Json }
interface TaskRow { id: number; kind: string; status: string; assignee_id: string; customer_id: number }

describe('one door: every way in has the same effects (issue 11)', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot({ clock: new AdjustableClock(START, { frozen: true }), config: { allowTimeTravel: true } });
    const now = t.clock.now();
    // 陈总 (admin, director) ← 张伟 (supervisor) ← 李娜, 王芳 (reps)
    await t.db.db.insert(offices).values([{ id: 'east', name: '华东办事处', updatedAt: now }]);
    await t.db.db.insert(people).values([
      { userId: 'boss', name: '陈总', officeId: 'east', roles: ['supervisor', 'admin'], updatedAt: now },
      { userId: 'zhangwei', name: '张伟', officeId: 'east', roles: ['supervisor'], supervisorId: 'boss', updatedAt: now },
      { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
      { userId: 'wangfang', name: '王芳', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
    ]);
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  const say = async (from: string, text: string) => {
    expect((await t.callback(textXml(from, text))).status).toBe(200);
    await t.bot.runner.runNow('inbox');
  };
  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(t.base + path, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as Json };
  }
  const customerId = async (name: string) =>
    (await t.db.rows<{ id: number }>(sql`select id from customers where name = ${name}`))[0]!.id;
  const lastOutboxId = async () => Number((await t.db.rows<{ m: number | null }>(sql`select max(id) as m from outbox`))[0]?.m ?? 0);
  /** Messages written since `after`: recipient and the text a person reads, with the customer's name made neutral. */
  async function messagesSince(after: number, name: string): Promise<string[]> {
    const rows = await t.db.rows<OutRow>(sql`select id, recipient, body, kind from outbox where id > ${after} and kind = 'message' order by id`);
    return rows.map((r) => `${r.recipient}: ${readable(r.body)}`.split(name).join('<客户>')).sort();
  }
  const readable = (b: Json): string => (b.type === 'text' ? b.text : b.card?.title ?? b.type);
  const events = (id: number) => t.db.rows<EventRow>(sql`
    select kind, from_stage, to_stage, actor_id, source, note, failures from customer_events where customer_id = ${id} order by id`);
  const tasks = (id: number) => t.db.rows<TaskRow>(sql`select id, kind, status, assignee_id, customer_id from tasks where customer_id = ${id} order by id`);
  const withoutSource = (rows: EventRow[]) => rows.map(({ source: _s, ...rest }) => rest);

  it('a new customer from 绑定 新客户 is the one door of 新客户: the same checks, history, tasks and stage card', async () => {
    let mark = await lastOutboxId();
    await say('lina', '新客户 绑定甲 医疗');
    const viaNew = await messagesSince(mark, '绑定甲');
    mark = await lastOutboxId();
    await say('lina', '绑定 新客户 绑定乙 医疗');
    const viaBind = await messagesSince(mark, '绑定乙');
    const a = await customerId('绑定甲');
    const b = await customerId('绑定乙');
    expect(withoutSource(await events(b))).toEqual(withoutSource(await events(a)));
    expect((await tasks(b)).map((x) => [x.kind, x.status, x.assignee_id])).toEqual((await tasks(a)).map((x) => [x.kind, x.status, x.assignee_id]));
    // The stage card, as for 新客户 (the bind command also answers about the contact it binds).
    expect(viaBind).toEqual(expect.arrayContaining(viaNew));
    // A name too long for a card is refused the same way, and nothing is created.
    const long = '很'.repeat(60);
    mark = await lastOutboxId();
    await say('lina', `新客户 ${long}`);
    const refusedNew = await messagesSince(mark, long);
    mark = await lastOutboxId();
    await say('lina', `绑定 新客户 ${long}`);
    expect(await messagesSince(mark, long)).toEqual(refusedNew);
    expect(refusedNew.join()).toContain('客户名称');
    expect(await t.db.rows(sql`select id from customers where name = ${long}`)).toEqual([]);
  });

  it('ownership change: chat and POST /api/customers/:id/owner log the same history row and tell both reps', async () => {
    await say('lina', '新客户 转移甲');
    await say('lina', '新客户 转移乙');
    const a = await customerId('转移甲');
    const b = await customerId('转移乙');

    let mark = await lastOutboxId();
    await say('zhangwei', '转移甲 转给 王芳');
    const viaChat = await messagesSince(mark, '转移甲');
    mark = await lastOutboxId();
    const res = await api('POST', `/api/customers/${b}/owner`, { ownerId: 'wangfang', actorId: 'zhangwei' });
    expect(res.status).toBe(200);
    expect(res.json.customer.ownerId).toBe('wangfang');
    const viaApi = await messagesSince(mark, '转移乙');

    // Both reps told, with the same words, either way (the actor, 张伟, also gets the chat reply in chat).
    expect(viaApi).toEqual([
      'lina: 张伟已把客户“<客户>”转给王芳负责。',
      'wangfang: 张伟把客户“<客户>”交给你负责，发送“查看 <客户>”了解当前进展。',
    ]);
    expect(viaChat.filter((m) => !m.startsWith('zhangwei:'))).toEqual(viaApi);
    // The same history row (only the way in differs).
    const [ea, eb] = [(await events(a)).filter((e) => e.kind === 'ownership'), (await events(b)).filter((e) => e.kind === 'ownership')];
    expect(withoutSource(ea)).toEqual(withoutSource(eb));
    expect(ea[0]).toMatchObject({ actor_id: 'zhangwei', source: 'text', failures: { fromOwner: 'lina', toOwner: 'wangfang' } });
    expect(eb[0]).toMatchObject({ actor_id: 'zhangwei', source: 'api' });
  });

  it('a document: the upload page and POST /api/customers/:id/documents both close the tasks it satisfies and tell the uploader', async () => {
    await say('lina', '新客户 文件甲');
    await say('lina', '新客户 文件乙');
    const a = await customerId('文件甲');
    const b = await customerId('文件乙');
    await say('lina', '文件甲 拜访结束');
    await say('lina', '文件乙 拜访结束');
    expect((await tasks(a)).filter((x) => x.kind === 'visit_followup' && x.status === 'open')).toHaveLength(1);
    expect((await tasks(b)).filter((x) => x.kind === 'visit_followup' && x.status === 'open')).toHaveLength(1);
    await t.bot.runner.runNow('timers'); // the at-once reminders of both visits go out before we compare

    let mark = await lastOutboxId();
    const token = await createUploadToken({ customerId: a, userId: 'lina', expiresAt: uploadExpiry(t.clock.now()) }, uploadKey(testConfig()), t.clock.now());
    const page = await fetch(`${t.base}/upload/${token}`, {
      method: 'POST', body: PDF, headers: { 'content-type': 'application/pdf', 'x-file-name': encodeURIComponent('解决方案草稿.pdf') },
    });
    expect(page.status).toBe(201);
    const viaPage = await messagesSince(mark, '文件甲');
    mark = await lastOutboxId();
    const res = await api('POST', `/api/customers/${b}/documents`, {
      name: '解决方案草稿.pdf', mimeType: 'application/pdf', contentBase64: PDF.toString('base64'), uploaderId: 'lina',
    });
    expect(res.status).toBe(201);
    const viaApi = await messagesSince(mark, '文件乙');

    // The 48 h follow-up (closes on a file whose name contains 方案) is done either way.
    const closed = async (id: number) => (await tasks(id)).filter((x) => x.kind === 'visit_followup').map((x) => x.status);
    expect(await closed(a)).toEqual(['done']);
    expect(await closed(b)).toEqual(['done']);
    const done = async (id: number) => t.db.rows<{ kind: string; actor_id: string; data: Json }>(sql`
      select e.kind, e.actor_id, e.data from task_events e join tasks k on k.id = e.task_id where k.customer_id = ${id} and e.kind = 'done'`);
    expect(await done(a)).toEqual(await done(b));
    expect(await done(a)).toEqual([{ kind: 'done', actor_id: 'lina', data: { document: '解决方案草稿.pdf' } }]);
    // The same message to the same person.
    // Honest (issue 14): no stage rule asks for this file, so no promise that the next move will pass.
    expect(viaPage).toEqual(['lina: 已收到“<客户>”的文件《解决方案草稿.pdf》，已存档。']);
    expect(viaApi).toEqual(viaPage);
  });

  it('the stall rule (R5) exists once: a recent upload is activity for the flag API, the dashboard and the daily job alike', async () => {
    await say('lina', '新客户 停滞甲');
    await say('lina', '新客户 停滞乙');
    const quiet = await customerId('停滞甲');
    const uploaded = await customerId('停滞乙');
    const tenDaysAgo = new Date(START.getTime() - 10 * 86_400_000);
    await t.db.db.execute(sql`update customers set stage = 'negotiating', stage_entered_at = ${tenDaysAgo} where id in (${quiet}, ${uploaded})`);
    await t.db.db.execute(sql`delete from touchpoints where customer_id in (${quiet}, ${uploaded})`);
    // 停滞乙 got a document yesterday (through the API); 停滞甲 nothing for ten days.
    await t.db.db.execute(sql`insert into documents (customer_id, name, mime_type, size, sha256, uploader_id, source, content, uploaded_at)
      values (${uploaded}, '补充资料.pdf', 'application/pdf', 1, 'x', 'lina', 'api', ${PDF}, ${new Date(START.getTime() - 86_400_000)})`);

    const flagged = await api('GET', '/api/customers?flag=stalled');
    const flaggedNames = (flagged.json.items as { name: string }[]).map((c) => c.name).filter((n) => n.startsWith('停滞'));
    const dash = await api('GET', '/api/dashboard/stalled');
    const dashNames = (dash.json.items as { name: string }[]).map((c) => c.name).filter((n) => n.startsWith('停滞'));
    expect(flaggedNames).toEqual(['停滞甲']);
    expect(dashNames).toEqual(flaggedNames);
    // The daily job (09:00) flags the same customer and tells its owner and supervisor about it.
    const mark = await lastOutboxId();
    await api('POST', '/api/clock', { advance: '1d' });
    const flags = await t.db.rows<{ customer_id: number }>(sql`select customer_id from customer_flags where kind = 'stalled' and cleared_at is null`);
    expect(flags.map((f) => f.customer_id)).toContain(quiet);
    expect(flags.map((f) => f.customer_id)).not.toContain(uploaded);
    const since = await messagesSince(mark, '停滞甲');
    // A working day: the owner has it in the 08:45 morning digest (issue 14), the 09:00 notice goes to the supervisor.
    const notices = since.filter((m) => m.includes('超过7天没有更新'));
    expect(notices.map((m) => m.split(':')[0])).toEqual(['zhangwei']);
    const digest = since.filter((m) => m.startsWith('lina:') && m.includes('停滞客户'));
    expect(digest).toHaveLength(1);
    expect(digest[0]).toContain('<客户>');
    expect([...notices, ...digest].join('\n')).not.toContain('停滞乙');
  });

  it('a forced move (强制推进) notifies the owner and the supervisor’s supervisor, and every card says it was forced', async () => {
    await say('lina', '新客户 强推甲');
    const id = await customerId('强推甲');
    const mark = await lastOutboxId();
    await say('zhangwei', '强推甲 强制推进 5 原因 客户口头确认报价，资料后补');
    const [row] = await t.db.rows<{ stage: string }>(sql`select stage from customers where id = ${id}`);
    expect(row!.stage).toBe('negotiating');
    const forced = (await events(id)).filter((e) => e.kind === 'override');
    expect(forced).toEqual([expect.objectContaining({ from_stage: 'lead', to_stage: 'negotiating', actor_id: 'zhangwei', source: 'text' })]);
    expect(forced[0]!.note).toContain('客户口头确认报价');
    const sent = await messagesSince(mark, '强推甲');
    // The owner (李娜) and the director (陈总) are told; the one who forced it (张伟) gets his stage card saying so.
    expect(sent.filter((m) => m.includes('【强制推进】<客户>')).map((m) => m.split(':')[0]).sort()).toEqual(['boss', 'lina']);
    const cards = await t.db.rows<OutRow>(sql`select id, recipient, body, kind from outbox where id > ${mark} and recipient = 'zhangwei' order by id`);
    expect(cards.map((c) => c.body.card?.subtitle)).toContain('【强制推进】已从「留资未触达」推进到「价格谈判中」');
    // Delivered to both, each its own copy of the card (WeCom refuses a task_id it has seen: one copy per id).
    await t.bot.runner.runNow('outbox');
    const delivered = wecom.sent.filter((m) => m.msgtype === 'template_card' && JSON.stringify(m.template_card).includes('【强制推进】'));
    expect([...new Set(delivered.map((m) => m.touser))].sort()).toEqual(['boss', 'lina', 'zhangwei']);
    expect(wecom.rejected).toEqual([]);
  });

  it('re-entering a stage never leaves two open tasks of one kind, and the supervisor gets one warning, once', async () => {
    await say('lina', '新客户 反复甲');
    const id = await customerId('反复甲');
    await say('lina', '反复甲 推进 2'); // first_call: opens 客户痛点记录 (due in 2 h)
    await say('lina', '反复甲 推进 1'); // back
    await say('lina', '反复甲 推进 2'); // forward again
    await say('lina', '反复甲 推进 1');
    await say('lina', '反复甲 推进 2');
    const open = (await tasks(id)).filter((x) => x.kind === 'pain_point' && x.status === 'open');
    expect(open).toHaveLength(1);
    const entries = (await events(id)).filter((e) => e.to_stage === 'first_call' && e.kind === 'stage_change');
    expect(entries).toHaveLength(3); // every move is still in the history
    // Past the deadline (2 h) and the next rung (4 h later): 张伟 is warned once about this customer.
    const mark = await lastOutboxId();
    await api('POST', '/api/clock', { advance: '3h' });
    const warnings = (await messagesSince(mark, '反复甲')).filter((m) => m.startsWith('zhangwei:') && m.includes('预警'));
    expect(warnings).toHaveLength(1);
  });

  it('a forced move past 方案已提交 cancels what was due before it (the proposal, the pack), and nothing about them fires later', async () => {
    await say('lina', '新客户 越级乙');
    const id = await customerId('越级乙');
    await say('lina', '越级乙 推进 2');
    await say('lina', '越级乙 推进 3'); // 产品演示完成: the proposal (24 h) and the material pack are due now
    const due = await t.db.rows<{ kind: string }>(sql`select kind from tasks where customer_id = ${id} and status = 'open' order by kind`);
    expect(due.map((r) => r.kind)).toEqual(expect.arrayContaining(['material_pack_send', 'proposal_after_demo']));
    await say('zhangwei', '越级乙 强制推进 5 原因 客户当场拍板进入谈判');
    const tasks = await t.db.rows<{ kind: string; status: string }>(sql`select kind, status from tasks where customer_id = ${id} and kind in ('material_pack_send', 'proposal_after_demo') order by kind`);
    expect(tasks).toEqual([{ kind: 'material_pack_send', status: 'cancelled' }, { kind: 'proposal_after_demo', status: 'cancelled' }]); // not done: nothing was delivered
    const [pending] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from timers t join tasks k on k.id = t.task_id
      where k.customer_id = ${id} and k.kind in ('material_pack_send', 'proposal_after_demo') and t.status = 'pending'`);
    expect(pending!.n).toBe(0); // no SOP push, reminder or warning for them
  });

  it('转给: the new owner hears of the open tasks that came with the customer, in the one notice', async () => {
    await say('lina', '新客户 转移丙');
    await say('lina', '转移丙 推进 2'); // 客户痛点记录 due in 2 h
    const mark = await lastOutboxId();
    await say('zhangwei', '转移丙 转给 王芳');
    const toNew = (await messagesSince(mark, '转移丙')).filter((m) => m.startsWith('wangfang:'));
    expect(toNew).toHaveLength(1);
    expect(toNew[0]).toContain('交给你负责');
    expect(toNew[0]).toMatch(/待办「客户痛点记录」.* 前完成/);
  });
});
