/**
 * Sandbox mode end to end, through the same path as `npm start` without credentials: loadConfig → createBot → start.
 * The demo company is seeded, the fake WeCom API refuses what WeCom documents as invalid (with WeCom's errcodes),
 * drops what exceeds the per-member limit, and a member's typing and clicks reach the bot as real callbacks.
 */
import { loadConfig, ConfigError } from '../../app/config';
import { createBot, type Bot } from '../../app/server';
import { SANDBOX_ADMIN_TOKEN, SANDBOX_CORP_ID, SANDBOX_SECRET } from '../../sandbox/identity';
import { withSandboxPort } from '../../sandbox';
import { startSandbox, type DemoDriver } from '../../app/demo-driver';
import { nextMonday0900 } from '../../sandbox/time-machine';
import { waitFor } from '../helpers/wecom';
import { samplePdf } from '../../app/pdf-check';

const REAL = {
  WECOM_CORP_ID: 'ww123', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 's3cret-value', WECOM_TOKEN: 'Tok123',
  WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

describe('sandbox configuration', () => {
  it('starts the sandbox when no WeCom credentials are set', () => {
    const c = loadConfig({ PORT: '3100' }, '/srv/bot');
    expect(c).toMatchObject({
      sandbox: true, corpId: SANDBOX_CORP_ID, apiBase: 'http://127.0.0.1:3100/sandbox/wecom', allowTimeTravel: true, orgSyncOnStart: false,
    });
  });

  it('never runs the sandbox with real credentials', () => {
    expect(loadConfig(REAL).sandbox).toBe(false);
    expect(() => loadConfig({ ...REAL, SANDBOX: '1' })).toThrow(ConfigError);
    expect(() => loadConfig({ WECOM_SECRET: 'real-secret', SANDBOX: '1' })).toThrow(/SANDBOX=1 but WeCom credentials are set \(WECOM_SECRET\)/);
    // Some credentials but not all: the normal error naming the missing ones, not a sandbox.
    expect(() => loadConfig({ WECOM_CORP_ID: 'ww1' })).toThrow(/WECOM_SECRET/);
    // SANDBOX=0 without credentials: asks for them.
    expect(() => loadConfig({ SANDBOX: '0' })).toThrow(/WECOM_CORP_ID/);
  });

  it('refuses to turn a configuration with real credentials into a sandbox', async () => {
    const real = { ...loadConfig(REAL), sandbox: true };
    await expect(withSandboxPort(real)).rejects.toThrow(/never with real WeCom credentials/);
  });

  it('computes next Monday 09:00 in the business time zone', () => {
    // 2025-01-08 is a Wednesday; Monday 2025-01-13 09:00 Shanghai = 01:00Z.
    expect(nextMonday0900(new Date('2025-01-08T10:00:00Z'), 'Asia/Shanghai').toISOString()).toBe('2025-01-13T01:00:00.000Z');
    // From a Monday afternoon: the Monday after.
    expect(nextMonday0900(new Date('2025-01-13T08:00:00Z'), 'Asia/Shanghai').toISOString()).toBe('2025-01-20T01:00:00.000Z');
    // Sunday 23:30 Shanghai (15:30Z): tomorrow.
    expect(nextMonday0900(new Date('2025-01-12T15:30:00Z'), 'Asia/Shanghai').toISOString()).toBe('2025-01-13T01:00:00.000Z');
  });
});

describe('sandbox mode', () => {
  let bot: Bot;
  let base: string;

  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent' });
    bot = await createBot({ ...config, dataDir: 'memory://' });
    const port = await bot.start();
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await bot?.stop();
  });

  const getJson = async (path: string) => (await fetch(base + path)).json() as Promise<Record<string, unknown>>;
  const postJson = async (path: string, body: unknown) => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json() as Record<string, unknown> };
  };
  const token = async () => {
    const j = await getJson(`/sandbox/wecom/cgi-bin/gettoken?corpid=${SANDBOX_CORP_ID}&corpsecret=${SANDBOX_SECRET}`);
    expect(j.errcode).toBe(0);
    return String(j.access_token);
  };
  const send = async (body: Record<string, unknown>, accessToken?: string) =>
    (await postJson(`/sandbox/wecom/cgi-bin/message/send${accessToken === undefined ? '' : `?access_token=${accessToken}`}`, { agentid: 1000002, ...body })).json;
  const card = (extra: Record<string, unknown>) => ({
    touser: 'zhaolei', msgtype: 'template_card',
    template_card: { card_type: 'button_interaction', task_id: `t-${Math.random().toString(36).slice(2)}`, main_title: { title: '测试' }, button_list: [{ text: '好', key: 'ok' }], ...extra },
  });

  it('seeds the demo company and serves the console', async () => {
    const { people } = await getJson('/sandbox/api/people') as { people: { userId: string; roles: string[]; office: string }[] };
    expect(people.length).toBeGreaterThanOrEqual(10);
    expect(people.find((p) => p.userId === 'wangjianguo')?.roles).toContain('admin');
    expect(people.find((p) => p.userId === 'sunli')?.roles).toContain('reviewer');
    expect(people.filter((p) => p.roles.includes('rep')).length).toBeGreaterThanOrEqual(4);
    expect(new Set(people.map((p) => p.office))).toEqual(expect.objectContaining({ size: 4 }));
    const page = await fetch(`${base}/sandbox`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('沙盒模式');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)/); // no CDN, no external assets
    const customers = await bot.database.rows<{ n: number }>(
      (await import('drizzle-orm')).sql`select count(*)::int as n from customers`);
    expect(customers[0]!.n).toBeGreaterThanOrEqual(6);
  });

  it('seeds idempotently', async () => {
    await bot.sandbox!.prepare();
    const customers = await bot.database.rows<{ n: number }>((await import('drizzle-orm')).sql`select count(*)::int as n from customers where name = '南山中医院'`);
    expect(customers[0]!.n).toBe(1);
  });

  it('refuses calls without a valid access_token', async () => {
    expect(await send({ touser: 'zhaolei', msgtype: 'text', text: { content: 'hi' } })).toMatchObject({ errcode: 41001 });
    expect(await send({ touser: 'zhaolei', msgtype: 'text', text: { content: 'hi' } }, 'not-a-token')).toMatchObject({ errcode: 40014 });
    expect(await getJson(`/sandbox/wecom/cgi-bin/gettoken?corpid=${SANDBOX_CORP_ID}&corpsecret=wrong`)).toMatchObject({ errcode: 40001 });
  });

  it('validates message/send as WeCom documents it', async () => {
    const t = await token();
    expect(await send({ msgtype: 'text', text: { content: 'hi' } }, t)).toMatchObject({ errcode: 82001 });
    expect(await send({ touser: 'nobody|ghost', msgtype: 'text', text: { content: 'hi' } }, t)).toMatchObject({ errcode: 81013 });
    expect(await send({ touser: 'zhaolei|ghost', msgtype: 'text', text: { content: 'hi' } }, t)).toMatchObject({ errcode: 0, invaliduser: 'ghost' });
    expect(await send({ touser: 'zhaolei', msgtype: 'text', text: { content: '字'.repeat(683) } }, t)).toMatchObject({ errcode: 45002 }); // 2049 bytes
    expect(await send({ touser: 'zhaolei', msgtype: 'text', text: { content: '字'.repeat(682) } }, t)).toMatchObject({ errcode: 0 }); // 2046 bytes
    expect(await send({ touser: 'zhaolei', msgtype: 'markdown', markdown: { content: '' } }, t)).toMatchObject({ errcode: 44004 });
    expect(await send({ touser: 'zhaolei', msgtype: 'textcard', textcard: { title: '标题', url: 'https://x' } }, t)).toMatchObject({ errcode: 41033 });
    expect(await send({ touser: 'zhaolei', msgtype: 'textcard', textcard: { title: '标'.repeat(43), description: 'd', url: 'https://x' } }, t)).toMatchObject({ errcode: 45002 });
    expect(await send({ touser: 'zhaolei', msgtype: 'file', file: { media_id: 'nope' } }, t)).toMatchObject({ errcode: 40007 });
    expect(await send({ touser: 'zhaolei', msgtype: 'voicemail' }, t)).toMatchObject({ errcode: 40008 });
  });

  it('applies the template card rules (§3.3)', async () => {
    const t = await token();
    const seven = Array.from({ length: 7 }, (_, i) => ({ text: `按钮${i}`, key: `k${i}` }));
    const tooMany = await send(card({ button_list: seven }), t);
    expect(tooMany).toMatchObject({ errcode: 40058 });
    expect(String(tooMany.errmsg)).toContain('button_list');
    const notice = await send({ touser: 'zhaolei', msgtype: 'template_card', template_card: { card_type: 'text_notice', main_title: { title: '通知' } } }, t);
    expect(notice).toMatchObject({ errcode: 42045 });
    expect(await send(card({ task_id: 'bad task/id' }), t)).toMatchObject({ errcode: 40058 });
    expect(await send(card({ task_id: 'x'.repeat(129) }), t)).toMatchObject({ errcode: 40058 });
    expect(await send(card({ task_id: undefined }), t)).toMatchObject({ errcode: 40058 });
    expect(await send(card({ button_list: [{ text: '无键' }] }), t)).toMatchObject({ errcode: 40058 });
    expect(await send(card({ button_list: [{ text: 'a', key: 'same' }, { text: 'b', key: 'same' }] }), t)).toMatchObject({ errcode: 40058 });
    expect(await send(card({ horizontal_content_list: Array.from({ length: 7 }, () => ({ keyname: 'k', value: 'v' })) }), t)).toMatchObject({ errcode: 40058 });
    expect(await send(card({ jump_list: Array.from({ length: 4 }, () => ({ title: 'j', type: 1, url: 'https://x' })) }), t)).toMatchObject({ errcode: 40058 });
    expect(await send(card({ card_type: 'poster' }), t)).toMatchObject({ errcode: 40058 });
    // The refusal is visible in the member's chat in the console.
    const chat = await getJson('/sandbox/api/chat?userId=zhaolei') as { messages: { status: string; errcode?: number }[] };
    expect(chat.messages.some((m) => m.status === 'rejected' && m.errcode === 42045)).toBe(true);
  });

  it('accepts a good card with a single-use response_code', async () => {
    const t = await token();
    const good = card({ task_id: 'good-card_01@sbx' });
    const sent = await send(good, t);
    expect(sent).toMatchObject({ errcode: 0, errmsg: 'ok' });
    expect(typeof sent.response_code).toBe('string');
    // task_id is unique per app.
    expect(await send(good, t)).toMatchObject({ errcode: 40058 });
    const update = (code: unknown) => postJson(`/sandbox/wecom/cgi-bin/message/update_template_card?access_token=${t}`, {
      userids: ['zhaolei'], agentid: 1000002, response_code: code, button: { replace_name: '已处理' },
    });
    expect((await update(sent.response_code)).json).toMatchObject({ errcode: 0 });
    expect((await update(sent.response_code)).json).toMatchObject({ errcode: 40058 });
    const copy = bot.sandbox!.state.log('zhaolei').find((m) => m.taskId === 'good-card_01@sbx');
    expect(copy?.replaceName).toBe('已处理');
    // A text_notice with card_action is fine and gets no response_code.
    const notice = await send({ touser: 'zhaolei', msgtype: 'template_card', template_card: {
      card_type: 'text_notice', main_title: { title: '通知' }, card_action: { type: 1, url: 'https://work.weixin.qq.com/' },
    } }, t);
    expect(notice).toMatchObject({ errcode: 0 });
    expect(notice.response_code).toBeUndefined();
  });

  it('uploads and serves media (multipart field "media")', async () => {
    const t = await token();
    const form = new FormData();
    form.append('media', new Blob([Buffer.from('%PDF-1.4 sandbox')], { type: 'application/pdf' }), '方案撰写SOP.pdf');
    const up = await (await fetch(`${base}/sandbox/wecom/cgi-bin/media/upload?access_token=${t}&type=file`, { method: 'POST', body: form })).json() as Record<string, unknown>;
    expect(up).toMatchObject({ errcode: 0, type: 'file' });
    const got = await fetch(`${base}/sandbox/wecom/cgi-bin/media/get?access_token=${t}&media_id=${String(up.media_id)}`);
    expect(Buffer.from(await got.arrayBuffer()).toString()).toBe('%PDF-1.4 sandbox');
    expect(got.headers.get('content-disposition')).toContain(encodeURIComponent('方案撰写SOP.pdf'));
    expect(await send({ touser: 'zhaolei', msgtype: 'file', file: { media_id: up.media_id } }, t)).toMatchObject({ errcode: 0 });
    const small = new FormData();
    small.append('media', new Blob([Buffer.from('tiny')]), 'a.txt');
    expect(await (await fetch(`${base}/sandbox/wecom/cgi-bin/media/upload?access_token=${t}&type=file`, { method: 'POST', body: small })).json()).toMatchObject({ errcode: 40006 });
  });

  it('answers the directory calls from the demo company', async () => {
    const t = await token();
    const depts = await getJson(`/sandbox/wecom/cgi-bin/department/list?access_token=${t}`) as { department: { name: string }[] };
    expect(depts.department.map((d) => d.name)).toEqual(expect.arrayContaining(['华东办事处', '华南办事处', '华北办事处']));
    const users = await getJson(`/sandbox/wecom/cgi-bin/user/list?access_token=${t}&department_id=2`) as { userlist: { userid: string; direct_leader: string[] }[] };
    expect(users.userlist.find((u) => u.userid === 'lixiaoming')?.direct_leader).toEqual(['zhanghui']);
    expect(await getJson(`/sandbox/wecom/cgi-bin/user/get?access_token=${t}&userid=nobody`)).toMatchObject({ errcode: 60111 });
    const { json } = await postJson('/sandbox/api/oauth-code', { userId: 'zhanghui' });
    const who = await getJson(`/sandbox/wecom/cgi-bin/auth/getuserinfo?access_token=${t}&code=${String(json.code)}`);
    expect(who).toMatchObject({ errcode: 0, userid: 'zhanghui' });
    expect(await getJson(`/sandbox/wecom/cgi-bin/auth/getuserinfo?access_token=${t}&code=${String(json.code)}`)).toMatchObject({ errcode: 40029 });
    // The bot's own client reads it the same way.
    expect((await bot.client.listDepartmentUsers(4)).map((u) => u.userId)).toEqual(expect.arrayContaining(['liuyang', 'zhaolei']));
  });

  it('silently drops the 31st message to one member within a minute, as WeCom does', async () => {
    const t = await token();
    const answers = [];
    for (let i = 1; i <= 31; i++) answers.push(await send({ touser: 'sunli', msgtype: 'text', text: { content: `第${i}条` } }, t));
    expect(answers.every((a) => a.errcode === 0)).toBe(true); // WeCom reports no error
    const log = bot.sandbox!.state.log('sunli').filter((m) => m.from === 'bot');
    expect(log.filter((m) => m.status === 'delivered')).toHaveLength(30);
    expect(log.at(-1)).toMatchObject({ status: 'dropped', content: { content: '第31条' } });
    // A minute later (the one clock) the budget is back.
    await postJson('/sandbox/api/clock', { advance: '61s' });
    await send({ touser: 'sunli', msgtype: 'text', text: { content: '一分钟后' } }, t);
    expect(bot.sandbox!.state.log('sunli').at(-1)).toMatchObject({ status: 'delivered' });
  });

  it('carries a member through the bot: typing and a card click are real callbacks, the supervisor gets the notice', async () => {
    const said = await postJson('/sandbox/api/say', { userId: 'lixiaoming', text: '新客户 沙盒测试医院 医疗' });
    expect(said).toMatchObject({ status: 200, json: { ok: true } });
    const state = bot.sandbox!.state;
    const cardOf = () => state.botMessages('lixiaoming').find((m) => m.msgtype === 'template_card' && (m.content.main_title as { title?: string })?.title === '沙盒测试医院');
    await waitFor(() => !!cardOf(), 'the stage card');
    const c = cardOf()!;
    const button = (c.content.button_list as { key: string; text: string }[])[0]!;
    const before = state.botMessages('zhanghui').length;
    const clicked = await postJson('/sandbox/api/click', { userId: 'lixiaoming', seq: c.seq, key: button.key });
    expect(clicked.status).toBe(200);
    await waitFor(() => state.botMessages('zhanghui').length > before, 'the supervisor notice');
    const notice = state.botMessages('zhanghui').at(-1)!;
    // No PUBLIC_BASE_URL in the sandbox: the notice opens the customer with a button, not a link to nowhere.
    expect(notice).toMatchObject({ msgtype: 'template_card', status: 'delivered', content: { card_type: 'button_interaction', button_list: [{ text: '查看客户' }] } });
    expect(JSON.stringify(notice.content)).toContain('沙盒测试医院');
    // The clicked card was updated in place through the click's response code.
    await waitFor(() => !!state.log('lixiaoming').find((m) => m.seq === c.seq)?.updatedAt, 'the card update');
    // A button that is not on the card cannot be pressed.
    expect((await postJson('/sandbox/api/click', { userId: 'lixiaoming', seq: c.seq, key: 'move:999:won:1' })).status).toBe(400);
    expect((await postJson('/sandbox/api/say', { userId: 'nobody', text: 'hi' })).status).toBe(404);
  });

  it('moves the one clock with the time machine', async () => {
    const before = bot.clock.now().getTime();
    const { status, json } = await postJson('/sandbox/api/clock', { advance: '1d' });
    expect(status).toBe(200);
    expect(Date.parse(String(json.now)) - before).toBeGreaterThanOrEqual(86_400_000);
    expect((await postJson('/sandbox/api/clock', { advance: 'yesterday' })).status).toBe(400);
    const { json: monday } = await postJson('/sandbox/api/clock', { advance: 'next monday' });
    expect(new Date(String(monday.now)).getUTCDay()).toBe(1);
    expect(new Date(String(monday.now)).getUTCHours()).toBe(1); // 09:00 Asia/Shanghai
  });

  it('one time machine behind every door: API and console jumps queue behind each other, and each is remembered', async () => {
    const asAdmin = { 'content-type': 'application/json', authorization: `Bearer ${SANDBOX_ADMIN_TOKEN}` };
    const viaApi = () => fetch(`${base}/api/clock`, { method: 'POST', headers: asAdmin, body: JSON.stringify({ advance: '2h' }) });
    const before = bot.clock.now().getTime();
    // Three presses at once, two of them through the admin API: each moves two hours from where the one before left it.
    const [a, b, c] = await Promise.all([viaApi(), postJson('/sandbox/api/clock', { advance: '2h' }), viaApi()]);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    const moved = bot.clock.now().getTime() - before;
    expect(moved).toBeGreaterThanOrEqual(6 * 3_600_000);
    expect(moved).toBeLessThan(6 * 3_600_000 + 60_000); // not 2 h + 2 h (two API jumps from the same start)
    // The last jump is the sandbox's remembered position, whichever door it came in by (restored at the next start).
    const saved = await bot.database.rows<{ value: { now: string } }>((await import('drizzle-orm')).sql`select value from app_state where key = 'sandbox.clock'`);
    const ends = [Date.parse(String(((await a.json()) as { now: string }).now)), Date.parse(String(b.json.now)), Date.parse(String(((await c.json()) as { now: string }).now))];
    expect(Date.parse(saved[0]!.value.now)).toBe(Math.max(...ends));
    // Backwards is refused by the API too, and moves nothing.
    const back = await fetch(`${base}/api/clock`, { method: 'POST', headers: asAdmin, body: JSON.stringify({ to: '2020-01-01T00:00:00Z' }) });
    expect(back.status).toBe(400);
    expect(bot.clock.now().getTime() - before).toBeLessThan(6 * 3_600_000 + 60_000);
  });
});

describe('demo driver (the API `npm run demo` plays the story with)', () => {
  let demo: DemoDriver;
  beforeAll(async () => {
    demo = await startSandbox();
  });
  afterAll(async () => {
    await demo?.stop();
  });

  it('says, clicks, uploads and moves time, reading what each member received on the one clock', async () => {
    await demo.say('lixiaoming', '新客户 驱动测试医院 医疗');
    const card = demo.lastCard('lixiaoming', 'button_interaction')!;
    expect(card.text).toContain('驱动测试医院');
    expect(card.keys.length).toBeGreaterThan(0);
    await demo.click('lixiaoming', card.keys.find((k) => k.includes(':first_call:'))!, card.taskId!);
    expect(demo.inbox('zhanghui').at(-1)!.text).toMatch(/驱动测试医院[\s\S]*首次电话沟通/);

    // The 报价单 guard: refused with an upload link, upload, then moved.
    await demo.say('huangwei', '南山中医院 推进 价格谈判中');
    const refusal = demo.inbox('huangwei').at(-1)!.text;
    const link = /https?:\/\/\S+\/upload\/\S+/.exec(refusal)?.[0];
    expect(link).toBeDefined();
    const up = await demo.upload(link!, '南山中医院报价单.pdf', samplePdf('quotation'));
    expect(up.status).toBe(201);
    expect(demo.inbox('huangwei').at(-1)!.text).toContain('南山中医院报价单.pdf');
    await demo.say('huangwei', '南山中医院 推进 价格谈判中');
    expect(demo.inbox('chenzhiqiang').at(-1)!.text).toContain('价格谈判中');

    const before = demo.now();
    const monday = await demo.advance('next monday');
    expect(monday.getTime()).toBeGreaterThan(before.getTime());
    expect(monday.getUTCDay()).toBe(1);
    for (const m of demo.inbox('chenzhiqiang')) expect(Date.parse(m.at)).toBeLessThanOrEqual(demo.now().getTime());
  });
});
