/**
 * Issue 13 end to end (R6): a pack sent from chat, opened on the page in headless Chromium (the beacon after
 * render), the rep told once, the pack task closed; a link-preview GET records nothing; tampered and foreign links
 * refused; concurrent beacons notify once; an external contact bound and its event used as the customer's last
 * message by the 报价单 guard; a duplicate customer of another rep warned and merged with history kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { chromium, type BrowserContext } from 'playwright-core';
import { AdjustableClock } from '../../app/clock';
import { signLink } from '../../app/material-link';
import { offices, people } from '../../store/schema';
import { startTestBot, type TestBot } from '../helpers/bot';
import { seedSmallOrg } from '../helpers/org';
import { ADMIN_TOKEN, AGENT_ID, CORP_ID, cardClickXml, mockWecom, textXml, waitFor, type SentMessage } from '../helpers/wecom';
import { CHROMIUM, itWithChromium } from '../helpers/browser';
import { samplePdf } from '../../app/pdf-check';

const NOW = new Date('2026-12-01T02:00:00Z'); // Tuesday 10:00 in Shanghai
// Chromium's path: test/helpers/browser.ts (CHROMIUM_PATH or /usr/bin/chromium).
const textOf = (m: SentMessage) => (m.text as { content: string } | undefined)?.content ?? '';
type Card = { main_title: { title: string }; button_list?: { text: string; key: string }[] };
const cardOf = (m: SentMessage) => m.template_card as Card;

function contactXml(change: string, member: string, external: string, createTime: number): string {
  return `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>` +
    `<ChangeType><![CDATA[${change}]]></ChangeType><UserID><![CDATA[${member}]]></UserID><ExternalUserID><![CDATA[${external}]]></ExternalUserID>` +
    `<AgentID>${AGENT_ID}</AgentID></xml>`;
}

describe('material packs and the customer\'s side (issue 13)', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;
  const sec = () => Math.floor(t.clock.now().getTime() / 1000);

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot({ clock: new AdjustableClock(NOW, { frozen: true }) });
    await seedSmallOrg(t.db.db, NOW);
    await t.db.db.insert(offices).values([{ id: 'north', name: '华北办事处', updatedAt: NOW }]);
    await t.db.db.insert(people).values([
      { userId: 'zhao', name: '赵强', officeId: 'north', roles: ['supervisor'], supervisorId: 'boss', updatedAt: NOW },
      { userId: 'wangfang', name: '王芳', officeId: 'north', roles: ['rep'], supervisorId: 'zhao', updatedAt: NOW },
    ]);
  });
  afterAll(async () => {
    await t?.stop();
    wecom?.done();
  });

  async function say(xml: string, n = 1): Promise<SentMessage[]> {
    const before = wecom.sent.length;
    expect((await t.callback(xml)).status).toBe(200);
    await waitFor(() => wecom.sent.length >= before + n, `${n} message(s) after a callback`);
    await new Promise((r) => setTimeout(r, 150));
    return wecom.sent.slice(before);
  }
  const taskStatus = async (customerId: number, kind: string) =>
    (await t.db.rows<{ status: string }>(sql`select status from tasks where customer_id = ${customerId} and kind = ${kind} order by id desc limit 1`))[0]?.status;

  let customerId = 0;
  let links: string[] = [];

  it('a rep sends the stage pack from chat: numbered signed links, the send task closes, the open task opens', async () => {
    await say(textXml('lina', '新客户 华夏医疗 医疗', undefined, sec()));
    await say(textXml('lina', '华夏医疗 推进 2', undefined, sec()), 2);
    await say(textXml('lina', '华夏医疗 推进 3', undefined, sec()), 2);
    await waitFor(() => wecom.sent.some((m) => m.touser === 'lina' && cardOf(m)?.main_title?.title === '华夏医疗' && (m.template_card as { main_title: { desc: string } }).main_title.desc.includes('产品演示完成')), 'the stage card at 产品演示完成');
    const card = [...wecom.sent].reverse().find((m) => m.touser === 'lina' && cardOf(m)?.main_title?.title === '华夏医疗');
    expect(cardOf(card!).button_list!.map((b) => b.text)).toContain('资料包');
    [{ id: customerId }] = await t.db.rows<{ id: number }>(sql`select id from customers where name = '华夏医疗'`);
    expect(await taskStatus(customerId, 'material_pack_send')).toBe('open');

    const [reply] = await say(textXml('lina', '华夏医疗 资料包', undefined, sec()));
    const text = textOf(reply!);
    expect(text).toContain('《医疗设备投标资料包》共 6 份');
    expect(text).toMatch(/① 产品手册（第1版）\nhttp:\/\/127\.0\.0\.1:\d+\/m\/\S+/);
    expect(text).toContain('⑥ 投标文件清单（第1版，选读）');
    links = [...text.matchAll(/http:\/\/\S+/g)].map((m) => m[0]);
    expect(links).toHaveLength(6);
    expect(await taskStatus(customerId, 'material_pack_send')).toBe('done');
    expect(await taskStatus(customerId, 'material_pack_open')).toBe('open');
  });

  it('a link-preview GET (page or file, no script run) records nothing and tells nobody', async () => {
    const before = wecom.sent.length;
    const page = await fetch(links[0]!, { headers: { 'user-agent': 'WeChat link preview' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'nonce-");
    expect(await page.text()).toContain('产品手册');
    const file = await fetch(`${links[0]}/file`);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await file.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    await new Promise((r) => setTimeout(r, 300));
    const [row] = await t.db.rows<{ n: number }>(sql`select coalesce(sum(open_count), 0)::int as n from pack_links where customer_id = ${customerId}`);
    expect(row!.n).toBe(0);
    expect(wecom.sent.length).toBe(before);
  });

  it('refuses a tampered or foreign link, page and beacon alike, and records nothing', async () => {
    const token = links[1]!.split('/m/')[1]!;
    const [body, mac] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const tampered = `${Buffer.from(JSON.stringify({ ...claims, i: 1 })).toString('base64url')}.${mac}`;
    const foreign = signLink({ linkId: claims.l, customerId: claims.c, repId: claims.u, itemNo: claims.i }, Buffer.alloc(32, 7));
    for (const bad of [tampered, foreign, 'not-a-token']) {
      expect((await t.get(`/m/${bad}`)).status).toBe(403);
      expect((await t.get(`/m/${bad}/file`)).status).toBe(403);
      expect((await t.post(`/m/${bad}/open`, '', { 'x-material-beacon': '1' })).status).toBe(403);
    }
    const [row] = await t.db.rows<{ n: number }>(sql`select coalesce(sum(open_count), 0)::int as n from pack_links where customer_id = ${customerId}`);
    expect(row!.n).toBe(0);
  });

  it('concurrent beacons of one item: counted each, the rep told exactly once', async () => {
    const token = links[1]!.split('/m/')[1]!;
    const before = wecom.sent.length;
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.post(`/m/${token}/open`, '', { 'x-material-beacon': '1' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((a) => JSON.parse(a.body).first)).toHaveLength(1);
    await waitFor(() => wecom.sent.length > before, 'the open notice');
    await new Promise((r) => setTimeout(r, 400));
    const notices = wecom.sent.slice(before);
    expect(notices.map(textOf)).toEqual(['客户已打开《案例集》（华夏医疗 · 资料②）。']);
    expect(notices[0]!.touser).toBe('lina');
    const [row] = await t.db.rows<{ open_count: number }>(sql`select open_count from pack_links where customer_id = ${customerId} and item_no = 2`);
    expect(row!.open_count).toBe(5);
  });

  itWithChromium('opened on the page in Chromium: rep told once per item, the pack received when every required item is opened', async () => {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-chromium-'));
    let context: BrowserContext | null = null;
    try {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, viewport: { width: 390, height: 844 }, locale: 'zh-CN',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const open = async (url: string) => {
        const page = await context!.newPage();
        await page.goto(url);
        await page.waitForFunction(() => (globalThis as unknown as { __material?: { ready?: boolean } }).__material?.ready === true, null, { timeout: 20_000 });
        const state = await page.evaluate(() => (globalThis as unknown as { __material: { opened: boolean; first: boolean } }).__material);
        expect(await page.locator('h1').textContent()).toBeTruthy();
        await page.close();
        return state;
      };
      const before = wecom.sent.length;
      expect(await open(links[0]!)).toEqual(expect.objectContaining({ opened: true, first: true }));
      expect(await open(links[0]!)).toEqual(expect.objectContaining({ opened: true, first: false }));
      await open(links[2]!);
      expect(await taskStatus(customerId, 'material_pack_open')).toBe('open'); // ④ is still unopened
      await open(links[3]!);
      await waitFor(() => wecom.sent.length >= before + 3, 'three open notices');
      await new Promise((r) => setTimeout(r, 400));
      const notices = wecom.sent.slice(before).map(textOf);
      expect(notices.filter((n) => n.includes('《产品手册》'))).toHaveLength(1);
      expect(notices).toHaveLength(3);
      expect(notices[2]).toContain('《医疗设备投标资料包》的必读资料客户已全部打开：资料已接收。');
      expect(await taskStatus(customerId, 'material_pack_open')).toBe('done');
      const [row] = await t.db.rows<{ open_count: number }>(sql`select open_count from pack_links where customer_id = ${customerId} and item_no = 1`);
      expect(row!.open_count).toBe(2);
    } finally {
      await context?.close();
      fs.rmSync(profile, { recursive: true, force: true });
    }
  }, 60_000);

  it('an external contact bound to a customer: its event is the customer\'s last message for the 报价单 guard', async () => {
    await say(textXml('lina', '新客户 南山中医院', undefined, sec()));
    const [{ id }] = await t.db.rows<{ id: number }>(sql`select id from customers where name = '南山中医院'`);
    await t.db.db.execute(sql`update customers set stage = 'proposal_submitted' where id = ${id}`);
    // A 报价单 uploaded now; no customer message is known yet, so the guard cannot anchor its 72 h window.
    const pdf = samplePdf('quotation').toString('base64');
    const up = await t.post(`/api/customers/${id}/documents`, JSON.stringify({ name: '南山中医院报价单.pdf', mimeType: 'application/pdf', contentBase64: pdf, uploaderId: 'lina' }),
      { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(up.status).toBe(201);
    // The API upload is confirmed to the uploader in chat (one door: as the upload page does); the move is refused.
    await waitFor(() => wecom.sent.some((m) => m.touser === 'lina' && textOf(m).includes('已收到“南山中医院”的《南山中医院报价单.pdf》')), 'the upload confirmation');
    const replies = await say(textXml('lina', '南山中医院 推进 价格谈判中', undefined, sec()));
    expect(replies.map((m) => textOf(m)).join('\n')).toContain('无法将“南山中医院”推进到「价格谈判中」');

    // The customer accepted lina's WeCom friend request an hour ago.
    const [card] = await say(contactXml('add_external_contact', 'lina', 'wmNanshan0001', sec() - 3600));
    expect(card!.touser).toBe('lina');
    const bind = cardOf(card!).button_list!.find((b) => b.text === '南山中医院')!;
    const [bound] = await say(cardClickXml('lina', bind.key, 'task-bind', { createTime: sec() }));
    expect(textOf(bound!)).toContain('已把客户联系人绑定到“南山中医院”');
    const [c] = await t.db.rows<{ at: Date }>(sql`select last_customer_message_at as at from customers where id = ${id}`);
    expect(new Date(c!.at).getTime()).toBe((sec() - 3600) * 1000);

    const sent = await say(textXml('lina', '南山中医院 推进 价格谈判中', undefined, sec()), 2);
    expect(sent.some((m) => m.touser === 'zhangwei')).toBe(true);
    const [after] = await t.db.rows<{ stage: string }>(sql`select stage from customers where id = ${id}`);
    expect(after!.stage).toBe('negotiating');

    // Later events of a bound contact are touchpoints on that customer, without another card.
    const before = wecom.sent.length;
    expect((await t.callback(contactXml('del_follow_user', 'lina', 'wmNanshan0001', sec()))).status).toBe(200);
    await waitFor(async () => (await t.db.rows(sql`select 1 from touchpoints where customer_id = ${id} and channel = 'wecom_contact' and text like '客户删除%'`)).length === 1, 'the touchpoint');
    expect(wecom.sent.length).toBe(before);
  });

  it('a customer another rep already follows: the rep is warned, both supervisors asked, a merge keeps the history', async () => {
    const sent = await say(textXml('wangfang', '新客户 华夏医疗集团 医疗', undefined, sec()), 4);
    const warning = sent.find((m) => m.touser === 'wangfang' && m.msgtype === 'text')!;
    expect(textOf(warning)).toContain('与李娜负责的“华夏医疗”可能是同一客户');
    const cards = sent.filter((m) => m.msgtype === 'template_card' && m.touser !== 'wangfang');
    expect(cards.map((m) => m.touser).sort()).toEqual(['zhangwei', 'zhao']);
    const [{ id: dupId }] = await t.db.rows<{ id: number }>(sql`select id from customers where name = '华夏医疗集团'`);

    // A rep cannot decide; a supervisor can.
    const merge = cardOf(cards[0]!).button_list!.find((b) => b.text === '合并')!;
    const [no] = await say(cardClickXml('lina', merge.key, 'task-dup-1', { createTime: sec() }));
    expect(textOf(no!)).toContain('只有两位负责人的直属上级或管理员');
    const done = await say(cardClickXml('zhao', merge.key, 'task-dup-2', { createTime: sec() }), 2);
    expect(done.some((m) => m.touser === 'zhao' && textOf(m).includes('已将“华夏医疗集团”合并到“华夏医疗”（负责人：李娜）'))).toBe(true);
    expect(done.some((m) => m.touser === 'wangfang' && textOf(m).includes('合并到“华夏医疗”'))).toBe(true);
    const [row] = await t.db.rows<{ merged_into: number }>(sql`select merged_into from customers where id = ${dupId}`);
    expect(row!.merged_into).toBe(customerId);
    const events = await t.db.rows<{ customer_id: number; kind: string }>(sql`
      select customer_id, kind from customer_events where customer_id in (${dupId}, ${customerId}) and kind in ('created', 'merged') order by id`);
    expect(events.filter((e) => e.customer_id === dupId).map((e) => e.kind)).toEqual(['created', 'merged']);
    expect(events.filter((e) => e.customer_id === customerId).map((e) => e.kind)).toEqual(['created', 'merged']);
    // The other supervisor (张伟, lina's) is told it is decided, by whom and how; a click on his card says the same.
    expect(done.some((m) => m.touser === 'zhangwei' && textOf(m).startsWith('赵强已处理疑似重复客户'))).toBe(true);
    const [again] = await say(cardClickXml('zhangwei', merge.key, 'task-dup-3', { createTime: sec() }));
    expect(textOf(again!)).toBe('这条疑似重复已由赵强处理：已合并。');
  });

  it('an admin uploads a new version through the API: a PDF that opens becomes the next version; anything else is refused and stores nothing', async () => {
    const upload = (body: Buffer, name: string, headers: Record<string, string> = {}) =>
      t.post('/api/materials/product_manual/versions?actorId=boss', body, { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/pdf', 'x-file-name': encodeURIComponent(name), ...headers });
    const versions = async () => (await t.db.rows<{ version: number; sha256: string }>(sql`select version, sha256 from material_versions where material_key = 'product_manual' order by version`));
    const before = await versions();

    // Refused, each with its reason in Chinese, and nothing stored.
    const broken = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2000, 0x41)]); // starts as a PDF, does not open
    const refused = [
      [await upload(broken, '产品手册v2.pdf'), 415, '打不开'],
      [await upload(Buffer.from('just text'), '产品手册.txt'), 415, 'PDF'],
      [await upload(samplePdf('x'), '产品手册.pdf', { 'content-encoding': 'gzip' }), 415, '不要压缩'],
      [await upload(Buffer.alloc(0), '产品手册.pdf'), 400, '为空'],
      [await t.post('/api/materials/product_manual/versions', samplePdf('x'), { authorization: 'Bearer wrong', 'x-file-name': 'a.pdf' }), 401, ''],
    ] as const;
    for (const [res, status, says] of refused) {
      expect(res.status).toBe(status);
      if (says) expect((JSON.parse(res.body) as { message: string }).message).toContain(says);
    }
    expect(await versions()).toEqual(before);

    const pdf = samplePdf('product manual v2');
    const ok = await upload(pdf, '产品手册v2.pdf');
    expect(ok.status).toBe(201);
    const after = await versions();
    expect(after).toHaveLength(before.length + 1);
    expect(after[after.length - 1]!.version).toBe((JSON.parse(ok.body) as { version: { version: number } }).version.version);
  });

  it('a duplicate dismissed by one supervisor: the other is told who decided and how', async () => {
    const sent = await say(textXml('wangfang', '新客户 华夏医疗分部 医疗', undefined, sec()), 4);
    const card = sent.find((m) => m.msgtype === 'template_card' && m.touser === 'zhao')!;
    const dismiss = cardOf(card).button_list!.find((b) => b.text === '不是同一客户')!;
    const done = await say(cardClickXml('zhao', dismiss.key, 'task-dup-9', { createTime: sec() }), 2);
    expect(done.filter((m) => m.touser === 'zhangwei').map(textOf)).toEqual([expect.stringMatching(/^赵强已处理疑似重复客户：已确认“华夏医疗分部”与“华夏医疗”不是同一客户/)]);
  });

  it('measures: pack send and open rates per rep through the API', async () => {
    const res = await t.get(`/api/metrics/materials?by=rep&from=2026-11-30T00:00:00Z&to=2026-12-02T00:00:00Z`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { groups: { key: string; entered: number; sent: number; received: number; sendRate: number; openRate: number; avgHoursToSend: number }[] };
    const lina = body.groups.find((g) => g.key === 'lina')!;
    expect(lina).toEqual(expect.objectContaining({ entered: 1, sent: 1, sendRate: 1, avgHoursToSend: 0 }));
    expect(lina.received).toBe(fs.existsSync(CHROMIUM) ? 1 : 0);
  });
});
