/**
 * Issue 6 on PostgreSQL through the real server: dwell on a hand-built history (still in a stage, went back,
 * never entered, before the period), the heatmap API with its red cell and top 3, office scoping (admin, a
 * supervisor, a manager two levels up, a rep, strangers), the stall list, the funnel, objections from chat and the
 * objection words, WeCom OAuth2 sign-in, the 看板 link command, and the two weekly jobs.
 */
import nock from 'nock';
import { sql } from 'drizzle-orm';
import { AdjustableClock } from '../../app/clock';
import { dashboardKeys, dashboardLink, createAccessToken } from '../../dashboard/access';
import { dwellAggregates, dwellAggregatesFullScan } from '../../store/analytics';
import { startTestBot, type TestBot } from '../helpers/bot';
import { ADMIN_TOKEN, API_BASE, AGENT_ID, CORP_ID, mockWecom, testConfig, textXml, waitFor, type SentMessage } from '../helpers/wecom';
import { ago, H, NOW, seedHistory, touch } from './dashboard-fixture';

const STAGES = ['lead', 'first_call', 'demo_done', 'proposal_submitted', 'negotiating', 'contract_pending'];
const textOf = (m: SentMessage) => (m.text as { content: string } | undefined)?.content ?? '';

describe('process health dashboard (issue 6)', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;
  let ids: Record<string, number>;
  const keys = dashboardKeys(testConfig());
  const cookies = new Map<string, string>();

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot({ clock: new AdjustableClock(NOW, { frozen: true }), config: { oauthBase: 'https://oauth.test' } });
    ({ ids } = await seedHistory(t.db));
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  /** Signs in through a signed link and keeps the session cookie. */
  async function login(userId: string): Promise<string> {
    if (cookies.has(userId)) return cookies.get(userId)!;
    const res = await fetch(await dashboardLink(t.base, userId, keys, NOW), { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^spb_dash=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    cookies.set(userId, cookie.split(';')[0]!);
    return cookies.get(userId)!;
  }

  async function api<T = Record<string, unknown>>(userId: string | null, path: string): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = userId ? { cookie: await login(userId) } : {};
    const res = await fetch(t.base + path, { headers });
    return { status: res.status, body: (await res.json()) as T };
  }

  type Cell = { officeId: string; stage: string; hours: number | null; red: boolean; customers: number;
    finished: { customers: number; hours: number | null }; current: { customers: number; hours: number | null };
    top: { customerId: number; name: string; ownerName: string; dwellHours: number; lastTouchpoint: { text: string } | null }[] };
  type Heatmap = { offices: { id: string; name: string }[]; stages: { key: string }[]; cells: Cell[] };
  const cell = (h: Heatmap, office: string, stage: string) => h.cells.find((c) => c.officeId === office && c.stage === stage)!;

  describe('dwell computed on the database', () => {
    const period = { from: ago(720), to: NOW, now: NOW };
    const byCell = async (q: Partial<typeof period> = {}) => {
      const rows = await dwellAggregates(t.db, { scope: { kind: 'all' }, stages: STAGES, ...period, ...q });
      return (office: string, stage: string) => rows.find((r) => r.officeId === office && r.stage === stage);
    };

    it('sums a customer’s stays (went back), keeps finished and current stays apart', async () => {
      const at = await byCell();
      const p = at('east', 'proposal_submitted')!;
      expect(p.finishedCustomers).toBe(2); // A 120 h; B 20 h + 30 h
      expect(p.finishedAvgSeconds! / 3600).toBeCloseTo(85, 6);
      expect(p.currentCustomers).toBe(4); // C 200, F 150, G 100, H 98
      expect(p.currentAvgSeconds! / 3600).toBeCloseTo(137, 6);
      expect(p.customers).toBe(6);
      expect(p.avgSeconds! / 3600).toBeCloseTo(718 / 6, 6);
      const n = at('east', 'negotiating')!; // B 10 + 100 finished; A 50, S1 181, S2 179.5 current
      expect([n.finishedCustomers, n.currentCustomers]).toEqual([1, 3]);
      expect(n.finishedAvgSeconds! / 3600).toBeCloseTo(110, 6);
    });

    it('leaves out stays that ended before the period and stages never entered', async () => {
      const at = await byCell();
      expect(at('east', 'lead')).toMatchObject({ finishedCustomers: 4, currentCustomers: 0 }); // not E's (ended 1990 h ago)
      expect(at('east', 'first_call')!.currentAvgSeconds! / 3600).toBeCloseTo(1990, 6);
      expect(at('north', 'demo_done')!.finishedCustomers).toBe(1);
      expect(at('north', 'first_call')).toMatchObject({ customers: 1 });
      expect(at('north', 'contract_pending')).toBeUndefined();
    });

    it('an earlier end of the period counts the stays open then, up to then', async () => {
      const at = await byCell({ to: ago(100) });
      const p = at('east', 'proposal_submitted')!; // A 70 (current then), B 50 finished, C 100, F 50; G, H not yet
      expect(p.customers).toBe(4);
      expect(p.avgSeconds! / 3600).toBeCloseTo(67.5, 6);
    });

    it('gives the same figures as one window over the whole history, for any period and scope', async () => {
      const sort = <T extends { officeId: string | null; stage: string }>(rows: T[]) =>
        [...rows].sort((a, b) => `${a.officeId}${a.stage}`.localeCompare(`${b.officeId}${b.stage}`));
      const periods = [
        { from: ago(720), to: NOW }, { from: ago(720), to: ago(100) }, { from: ago(260), to: ago(199) }, { from: ago(5000), to: new Date(NOW.getTime() + H) },
      ];
      for (const p of periods) {
        for (const scope of [{ kind: 'all' as const }, { kind: 'offices' as const, offices: ['north'] }]) {
          const q = { scope, stages: STAGES, ...p, now: NOW };
          const fast = sort(await dwellAggregates(t.db, q));
          const full = sort(await dwellAggregatesFullScan(t.db, q));
          expect(fast.length).toBeGreaterThan(0);
          expect(fast.map((r) => ({ ...r, finishedAvgSeconds: Math.round(r.finishedAvgSeconds ?? -1), currentAvgSeconds: Math.round(r.currentAvgSeconds ?? -1), avgSeconds: Math.round(r.avgSeconds ?? -1) })))
            .toEqual(full.map((r) => ({ ...r, finishedAvgSeconds: Math.round(r.finishedAvgSeconds ?? -1), currentAvgSeconds: Math.round(r.currentAvgSeconds ?? -1), avgSeconds: Math.round(r.avgSeconds ?? -1) })));
        }
      }
    });
  });

  describe('GET /api/dashboard/heatmap', () => {
    it('admin: every office, the red cell with its top 3 (longest current stay first, owner, last touchpoint)', async () => {
      const { status, body } = await api<Heatmap>('boss', '/api/dashboard/heatmap');
      expect(status).toBe(200);
      expect(body.offices.map((o) => o.id)).toEqual(['east', 'hq', 'north']);
      expect(body.cells.filter((c) => c.red).map((c) => `${c.officeId}:${c.stage}`)).toEqual(['east:proposal_submitted']);
      const red = cell(body, 'east', 'proposal_submitted');
      expect(red).toMatchObject({ hours: 119.7, finished: { customers: 2, hours: 85 }, current: { customers: 4, hours: 137 } });
      expect(red.top.map((c) => [c.name, c.ownerName, c.dwellHours])).toEqual([['诚信制造', '李娜', 200], ['丰华物流', '李娜', 150], ['国瑞能源', '李娜', 100]]);
      expect(red.top[0]!.lastTouchpoint!.text).toBe('客户还在内部审批');
      expect(cell(body, 'north', 'proposal_submitted')).toMatchObject({ hours: 80, red: false, top: [] });
    });

    it('refuses bad periods', async () => {
      expect((await api('boss', '/api/dashboard/heatmap?from=2026-13-01')).status).toBe(400);
      expect((await api('boss', '/api/dashboard/heatmap?from=2026-11-20&to=2026-11-01')).status).toBe(400);
    });

    it('a date period is whole local days: to is inclusive', async () => {
      const { body } = await api<{ from: string; to: string }>('boss', '/api/dashboard/heatmap?from=2026-11-01&to=2026-11-26');
      expect(body.from).toBe('2026-10-31T16:00:00.000Z');
      expect(body.to).toBe('2026-11-26T16:00:00.000Z');
    });
  });

  describe('office scoping (API and page)', () => {
    it('a supervisor sees only the offices of the people under them', async () => {
      const { body } = await api<Heatmap>('zhang', '/api/dashboard/heatmap');
      expect(body.offices.map((o) => o.id)).toEqual(['east']);
      expect(new Set(body.cells.map((c) => c.officeId))).toEqual(new Set(['east']));
      const north = await api('zhang', '/api/dashboard/heatmap?office=north');
      expect(north.status).toBe(403);
      expect(north.body).toMatchObject({ error: 'office_forbidden' });
      for (const path of ['/api/dashboard/stalled?office=north', '/api/dashboard/funnel?office=north', '/api/dashboard/objections?office=north']) {
        expect((await api('zhang', path)).status).toBe(403);
      }
      const me = await api<{ offices: { id: string }[] }>('zhang', '/api/dashboard/me');
      expect(me.body.offices.map((o) => o.id)).toEqual(['east']);
    });

    it('a manager two levels up sees the offices further down; the other supervisor only theirs', async () => {
      expect((await api<Heatmap>('qian', '/api/dashboard/heatmap')).body.offices.map((o) => o.id)).toEqual(['east']);
      const zhao = await api<Heatmap>('zhao', '/api/dashboard/heatmap?office=north');
      expect(zhao.status).toBe(200);
      expect(zhao.body.offices.map((o) => o.id)).toEqual(['north']);
      expect((await api('zhao', '/api/dashboard/heatmap?office=east')).status).toBe(403);
    });

    it('a rep gets 403 from the API and the page; nobody signed in gets 401; the admin token sees all', async () => {
      expect(await api('lina', '/api/dashboard/heatmap')).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      const page = await fetch(`${t.base}/dashboard`, { headers: { cookie: await login('lina') } });
      expect(page.status).toBe(403);
      expect(await page.text()).toContain('仅对销售主管和管理员开放');
      expect((await api(null, '/api/dashboard/heatmap')).status).toBe(401);
      expect((await fetch(`${t.base}/dashboard`)).status).toBe(401);
      const admin = await fetch(`${t.base}/api/dashboard/stalled`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(admin.status).toBe(200);
    });

    it('refuses forged, expired and over-long links', async () => {
      const link = await dashboardLink(t.base, 'zhang', keys, NOW);
      const forged = link.replace('/dashboard?t=', '/dashboard?t=x');
      expect((await fetch(forged, { redirect: 'manual' })).status).toBe(403);
      const old = await dashboardLink(t.base, 'zhang', keys, new Date(NOW.getTime() - 4 * 24 * H));
      expect((await fetch(old, { redirect: 'manual' })).status).toBe(410);
      await expect(createAccessToken({ userId: 'zhang', issuedAt: NOW, expiresAt: new Date(NOW.getTime() + 8 * 24 * H) }, keys.link)).rejects.toThrow(/7 days/);
      const otherKey = await dashboardLink(t.base, 'boss', dashboardKeys({ secret: 'x', encodingAesKey: 'y' }), NOW);
      expect((await fetch(otherKey, { redirect: 'manual' })).status).toBe(403);
      // A session cookie is not a link, and a link is not a session.
      const token = new URL(link).searchParams.get('t')!;
      expect((await fetch(`${t.base}/api/dashboard/me`, { headers: { cookie: `spb_dash=${token}` } })).status).toBe(401);
    });

    it('serves the page and ECharts from our own server', async () => {
      const page = await fetch(`${t.base}/dashboard`, { headers: { cookie: await login('zhang') } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<script src="/dashboard/assets/echarts.min.js"></script>');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self' 'nonce-");
      const js = await fetch(`${t.base}/dashboard/assets/echarts.min.js`);
      expect(js.status).toBe(200);
      expect((await js.text()).length).toBeGreaterThan(500_000);
    });
  });

  describe('stalled list, funnel', () => {
    it('R5: negotiating with no stage change or touchpoint for more than 7 calendar days (Asia/Shanghai)', async () => {
      const { body } = await api<{ items: { name: string; flag: string; daysSinceUpdate: number; touchpoints: { text: string }[] }[] }>('boss', '/api/dashboard/stalled');
      expect(body.items.map((i) => [i.name, i.daysSinceUpdate, i.flag])).toEqual([['三江水务', 8, '⚠️超期7天']]);
      expect(body.items[0]!.touchpoints.map((x) => x.text)).toEqual(['客户嫌贵', '第一次报价沟通']);
      expect((await api<{ items: unknown[] }>('zhao', '/api/dashboard/stalled')).body.items).toEqual([]);
    });

    it('R8: penetration between consecutive stages, with a window and scoped', async () => {
      type Funnel = { steps: { from: string; to: string; entered: number; advanced: number; rate: number | null }[] };
      const step = (f: Funnel, from: string) => f.steps.find((s) => s.from === from)!;
      const all = (await api<Funnel>('boss', '/api/dashboard/funnel')).body;
      expect(all.steps.map((s) => s.from)).toEqual(STAGES.slice(0, -1));
      expect(step(all, 'demo_done')).toMatchObject({ to: 'proposal_submitted', entered: 5, advanced: 4, rate: 0.8 });
      expect(step(all, 'proposal_submitted')).toMatchObject({ entered: 7, advanced: 2 });
      expect(step((await api<Funnel>('boss', '/api/dashboard/funnel?window=15h')).body, 'demo_done')).toMatchObject({ entered: 5, advanced: 2, rate: 0.4 });
      expect(step((await api<Funnel>('zhang', '/api/dashboard/funnel')).body, 'demo_done')).toMatchObject({ entered: 4, advanced: 3, rate: 0.75 });
      expect((await api('boss', '/api/dashboard/funnel?window=soon')).status).toBe(400);
    });
  });

  describe('objections (R10)', () => {
    async function say(from: string, text: string): Promise<string> {
      const before = wecom.sent.length;
      expect((await t.callback(textXml(from, text))).status).toBe(200);
      await waitFor(() => wecom.sent.length > before, 'a reply');
      return textOf(wecom.sent[before]!);
    }

    it('`<客户> 异议 <内容>` stores an objection touchpoint and answers with its words; other commands still work', async () => {
      const reply = await say('lina', '安达医疗 异议 运维响应慢，价格太贵');
      expect(reply).toContain('已记录“安达医疗”的客户异议');
      expect(reply).toContain('运维');
      const [row] = await t.db.rows<{ kind: string; direction: string; text: string; actor_id: string }>(sql`
        select kind, direction, text, actor_id from touchpoints where customer_id = ${ids.A} order by id desc limit 1`);
      expect(row).toEqual({ kind: 'objection', direction: 'in', text: '运维响应慢，价格太贵', actor_id: 'lina' });
      expect(await say('lina', '安达医疗 异议')).toContain('<客户> 异议 <内容>');
      expect(await say('lina', '我的客户')).toContain('您负责的客户');
    });

    it('the words are counted within the reader’s offices', async () => {
      t.bot.dashboard.clear();
      type Words = { total: number; segmenter: string; terms: { term: string; count: number }[] };
      const east = (await api<Words>('zhang', '/api/dashboard/objections')).body;
      expect(east.segmenter).toBe('jieba');
      expect(east.total).toBe(2);
      expect(east.terms.map((x) => x.term)).toEqual(expect.arrayContaining(['运维响应慢', '价格', '太贵', '嫌贵'])); // the phrase kept whole (config/objection-phrases.txt)
      expect(east.terms.map((x) => x.term)).not.toContain('响应慢');
      expect((await api<Words>('zhao', '/api/dashboard/objections')).body.total).toBe(0);
    });

    it('the weekly alert reports a jump to the managers of that office, once per week', async () => {
      // Last week (W47): 3 of 4 new east objections mention 运维; the week before (W46): none of 4.
      const w47 = [150, 140, 130, 120];
      const w46 = [320, 310, 300, 290];
      for (const [i, h] of w47.entries()) await touch(t.db, ids.C, h, i < 3 ? '运维太慢，工程师不来' : '价格高', 'objection');
      for (const h of w46) await touch(t.db, ids.C, h, '价格高', 'objection');
      const before = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from outbox`);
      const r = await t.bot.dashboardJobs.objectionAlert();
      expect(r.week).toBe('2026-W47');
      expect(r.recipients.sort()).toEqual(['boss', 'qian', 'zhang']);
      const rows = await t.db.rows<{ recipient: string; body: { text: string } }>(sql`
        select recipient, body from outbox where cause = 'dashboard:objections:2026-W47' order by recipient`);
      expect(rows.map((x) => x.recipient)).toEqual(['boss', 'qian', 'zhang']);
      expect(rows[2]!.body.text).toMatch(/华东办事处 2026-W47 有 3\/5 条客户异议提到“运维”（60%，上周 0%）/);
      expect(rows[2]!.body.text).toContain(`${t.base}/dashboard?t=`);
      expect((await t.bot.dashboardJobs.objectionAlert()).skipped).toBe(true);
      const after = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from outbox`);
      expect(after[0]!.n - before[0]!.n).toBe(3);
    });
  });

  describe('sign-in inside WeCom (OAuth2 snsapi_base)', () => {
    it('redirects to the authorize URL, exchanges the code for the userid, then serves the page', async () => {
      const first = await fetch(`${t.base}/dashboard`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 wxwork/4.1.30 MicroMessenger/7.0.1' } });
      expect(first.status).toBe(302);
      const location = first.headers.get('location')!;
      const url = new URL(location);
      expect(`${url.origin}${url.pathname}`).toBe('https://oauth.test/connect/oauth2/authorize');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        appid: CORP_ID, redirect_uri: `${t.base}/dashboard`, response_type: 'code', scope: 'snsapi_base', state: expect.any(String), agentid: String(AGENT_ID),
      });
      expect(url.hash).toBe('#wechat_redirect');
      const stateCookie = first.headers.get('set-cookie')!.split(';')[0]!;
      const state = url.searchParams.get('state')!;

      const scope = nock(API_BASE).get('/cgi-bin/auth/getuserinfo').query((q) => q.code === 'CODE1' && !!q.access_token)
        .reply(200, { errcode: 0, errmsg: 'ok', userid: 'zhao', user_ticket: 'x' });
      const back = await fetch(`${t.base}/dashboard?code=CODE1&state=${state}`, { redirect: 'manual', headers: { cookie: stateCookie } });
      expect(back.status).toBe(303);
      scope.done();
      const session = back.headers.get('set-cookie')!.split(',').map((c) => c.trim()).find((c) => c.startsWith('spb_dash='))!.split(';')[0]!;
      const me = await fetch(`${t.base}/api/dashboard/me`, { headers: { cookie: session } });
      expect(await me.json()).toMatchObject({ userId: 'zhao', name: '赵强', offices: [{ id: 'north', name: '华北办事处' }] });

      const wrongState = await fetch(`${t.base}/dashboard?code=CODE2&state=nope`, { redirect: 'manual', headers: { cookie: stateCookie } });
      expect(wrongState.status).toBe(403);
      nock(API_BASE).get('/cgi-bin/auth/getuserinfo').query(true).reply(200, { errcode: 0, errmsg: 'ok', openid: 'outsider' });
      const outsider = await fetch(`${t.base}/dashboard?code=CODE3&state=${state}`, { redirect: 'manual', headers: { cookie: stateCookie } });
      expect(outsider.status).toBe(403);
      nock(API_BASE).get('/cgi-bin/auth/getuserinfo').query(true).reply(200, { errcode: 40029, errmsg: 'invalid code' });
      const bad = await fetch(`${t.base}/dashboard?code=CODE4&state=${state}`, { redirect: 'manual', headers: { cookie: stateCookie } });
      expect(bad.status).toBe(403);
    });

    it('a WeCom bot offers no DingTalk 免登: DingTalk’s user agent gets the sign-in page', async () => {
      const res = await fetch(`${t.base}/dashboard`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 AliApp(DingTalk/7.6.10) com.laiwang.DingTalk' } });
      expect(res.status).toBe(401);
      const html = await res.text();
      expect(html).toContain('请在企业微信中打开本页面');
      expect(html).not.toContain('dingtalk-auth.js');
    });
  });

  describe('links and pictures in chat', () => {
    it('看板 gives a supervisor a working signed link, and a rep a polite no', async () => {
      let before = wecom.sent.length;
      await t.callback(textXml('zhang', '看板'));
      await waitFor(() => wecom.sent.length > before, 'the link');
      const link = textOf(wecom.sent[before]!).match(/http:\/\/\S+/)![0];
      expect((await fetch(link, { redirect: 'manual' })).status).toBe(303);
      before = wecom.sent.length;
      await t.callback(textXml('lina', '看板'));
      await waitFor(() => wecom.sent.length > before, 'the refusal');
      expect(textOf(wecom.sent[before]!)).toBe('流程健康看板仅对销售主管和管理员开放。');
    });

    it('the weekly picture: one upload per office scope, an image and a summary line to every manager, once a week', async () => {
      const uploadsBefore = wecom.uploadBodies.length;
      const sentBefore = wecom.sent.length;
      const r = await t.bot.dashboardJobs.weeklyHeatmap();
      expect(r).toMatchObject({ week: '2026-W48', skipped: false, images: 3 });
      expect(r.managers.sort()).toEqual(['boss', 'qian', 'zhang', 'zhao']);
      await waitFor(() => wecom.sent.length >= sentBefore + 8, 'the pictures and lines delivered');
      // The channel uploads each picture when it delivers it: once per office scope, whatever the number of managers.
      const uploads = wecom.uploadBodies.slice(uploadsBefore)
        .map((body) => (/89504e470d0a1a0a/i.test(body) || body.includes('\x89PNG') || body.includes('PNG') ? 'png' : 'other'));
      expect(uploads).toEqual(['png', 'png', 'png']);
      const mine = wecom.sent.slice(sentBefore).filter((m) => m.touser === 'zhang');
      expect(mine.map((m) => m.msgtype)).toEqual(['image', 'text']);
      expect((mine[0]!.image as { media_id: string }).media_id).toMatch(/^media-\d+$/);
      expect(textOf(mine[1]!)).toMatch(/^【流程热力图】.*1 个环节超时——华东办事处·方案已提交 120小时\n查看详情：http:\/\/127\.0\.0\.1:\d+\/dashboard\?t=/);
      const zhao = wecom.sent.slice(sentBefore).filter((m) => m.touser === 'zhao');
      expect(textOf(zhao[1]!)).toContain('均未超过阈值');
      expect((await t.bot.dashboardJobs.weeklyHeatmap()).skipped).toBe(true);
    });
  });

  // Last: it moves the clock, which never goes back.
  describe('after the clock moves (the sandbox\'s +1天)', () => {
    it('the stalled list is the one of the new day at once, not a cached answer of the day before', async () => {
      // The admin token (a day later, a dashboard sign-in would have expired).
      const names = async () => {
        const res = await fetch(`${t.base}/api/dashboard/stalled`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(res.status).toBe(200);
        return ((await res.json()) as { items: { name: string }[] }).items.map((i) => i.name).sort();
      };
      expect(await names()).toEqual(['三江水务']);
      t.clock.advance(24 * 3_600_000); // 四海酒店 passes 7 calendar days in 价格谈判中 too
      expect(await names()).toEqual(['三江水务', '四海酒店'].sort());
    });
  });
});
