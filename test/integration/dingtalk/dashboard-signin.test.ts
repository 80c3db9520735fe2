/**
 * Issue 12, item 4: dashboard sign-in inside DingTalk by 免登, on a bot running CHANNEL=dingtalk on the DingTalk
 * sandbox (the fake DingTalk issues the codes). Inside DingTalk with no session the page loads the JSAPI bundle from
 * our server and asks the client for a code; `/dashboard?code=&state=` exchanges it for the userid, and office
 * scoping is the same as WeCom's OAuth. The page's own script is run against a stand-in for the JSAPI.
 */
import type { AddressInfo } from 'node:net';
import vm from 'node:vm';
import express from 'express';
import pino from 'pino';
import { AdjustableClock } from '../../../app/clock';
import { startSandbox, type DemoDriver } from '../../../app/demo-driver';
import { dashboardTexts } from '../../../cards/dashboard-texts';
import { dashboardKeys, dashboardLink } from '../../../dashboard/access';
import { createDashboardRoutes } from '../../../dashboard/routes';
import type { DashboardService } from '../../../dashboard/service';

jest.setTimeout(60_000);

const T = dashboardTexts.page;
const DINGTALK_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.6.10) com.laiwang.DingTalk/32512345 Channel/201200 language/zh-Hans-CN';
const CORP_ID = 'dingfakecorp0001';
const CLIENT_ID = 'dingfakeclientid0001';

describe('dashboard sign-in inside DingTalk (免登)', () => {
  let demo: DemoDriver;
  const fake = () => demo.bot.dingtalk!.fake!;

  beforeAll(async () => {
    demo = await startSandbox({ channel: 'dingtalk' });
    expect(await demo.bot.syncOrg()).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await demo?.stop();
  });

  /** The 免登 page for a DingTalk user agent: its HTML, CSP and the state cookie it set. */
  async function signInPage() {
    const res = await fetch(`${demo.base}/dashboard`, { redirect: 'manual', headers: { 'user-agent': DINGTALK_UA } });
    const cookie = res.headers.get('set-cookie') ?? '';
    return { res, html: await res.text(), csp: res.headers.get('content-security-policy') ?? '', stateCookie: cookie.split(';')[0]!, cookie };
  }

  /** Exchanges a code at `/dashboard?code=&state=`; the session cookie when signed in. */
  async function exchange(code: string, state: string, stateCookie: string) {
    const res = await fetch(`${demo.base}/dashboard?code=${encodeURIComponent(code)}&state=${state}`, { redirect: 'manual', headers: { cookie: stateCookie } });
    const session = (res.headers.get('set-cookie') ?? '').split(',').map((c) => c.trim()).find((c) => c.startsWith('spb_dash='))?.split(';')[0];
    return { status: res.status, location: res.headers.get('location'), session, body: res.status === 303 ? '' : await res.text() };
  }

  it('serves the 免登 page: the JSAPI bundle from our origin, the corpId and clientId, a state cookie, a CSP that allows it', async () => {
    const { res, html, csp, stateCookie, cookie } = await signInPage();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(html).toContain('<script src="/dashboard/assets/dingtalk-auth.js"></script>');
    expect(html).toContain(`"corpId":"${CORP_ID}"`);
    expect(html).toContain(`"clientId":"${CLIENT_ID}"`);
    expect(html).toContain(T.dingtalkSigningIn);
    expect(cookie).toMatch(/^spb_dash_state=[0-9a-f]{24}; Path=\/dashboard; Max-Age=600; HttpOnly; SameSite=Lax$/);
    expect(html).toContain(`"state":"${stateCookie.split('=')[1]}"`);
    // script-src allows our origin (the bundle) and the nonce of the page's inline script, nothing else.
    const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '))!;
    const nonce = /'nonce-([^']+)'/.exec(scriptSrc)![1]!;
    expect(scriptSrc).toBe(`script-src 'self' 'nonce-${nonce}'`);
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(csp).toContain("default-src 'none'");
  });

  it('serves the JSAPI bundle as JavaScript, with both 免登 calls and the platform bridges', async () => {
    const js = await fetch(`${demo.base}/dashboard/assets/dingtalk-auth.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await js.text();
    expect(body).toContain('runtime.permission.requestAuthCodeV2');
    expect(body).toContain('runtime.permission.requestAuthCode"');
    // Outside DingTalk the bundle loads and its call refuses (the page then shows the sign-in text).
    const win: Record<string, unknown> = { navigator: { userAgent: 'Mozilla/5.0' }, location: { href: 'http://x/dashboard' }, document: {} };
    win.window = win;
    win.self = win;
    win.top = win;
    vm.createContext(win);
    vm.runInContext(body, win);
    const dd = win.spbDingtalk as { requestAuthCode(p: object): Promise<unknown>; requestAuthCodeLegacy(p: object): Promise<unknown> };
    await expect(dd.requestAuthCode({ corpId: CORP_ID, clientId: CLIENT_ID })).rejects.toThrow(/notInDingTalk/);
    await expect(dd.requestAuthCodeLegacy({ corpId: CORP_ID })).rejects.toThrow(/notInDingTalk/);
  });

  /** Runs the page's inline script with a stand-in JSAPI; returns where it navigated and the texts it shows. */
  async function runPageScript(html: string, jsapi: Record<string, (p: Record<string, string>) => Promise<unknown>>) {
    const script = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const calls: [string, Record<string, string>][] = [];
    const els: Record<string, { textContent: string }> = { h: { textContent: '' }, p: { textContent: '' } };
    let navigated: string | null = null;
    const spbDingtalk = Object.fromEntries(Object.entries(jsapi).map(([k, f]) => [k, (p: Record<string, string>) => {
      calls.push([k, p]);
      return f(p);
    }]));
    const win: Record<string, unknown> = {
      spbDingtalk, location: { replace: (u: string) => void (navigated = u) }, document: { getElementById: (id: string) => els[id] },
    };
    win.window = win;
    vm.createContext(win);
    vm.runInContext(script, win);
    await new Promise((r) => setTimeout(r, 20));
    return { navigated: navigated as string | null, calls, title: els.h!.textContent, text: els.p!.textContent };
  }

  it('the page asks DingTalk for a code (dd.requestAuthCode, else the older call) and comes back with it; else the sign-in text', async () => {
    const { html, stateCookie } = await signInPage();
    const state = stateCookie.split('=')[1]!;
    const ok = await runPageScript(html, { requestAuthCode: async () => ({ code: 'a b&c' }), requestAuthCodeLegacy: async () => ({ code: 'x' }) });
    expect(ok.calls).toEqual([['requestAuthCode', { corpId: CORP_ID, clientId: CLIENT_ID }]]);
    expect(ok.navigated).toBe(`/dashboard?code=a%20b%26c&state=${state}`);

    const old = await runPageScript(html, { requestAuthCode: () => Promise.reject(new Error('version')), requestAuthCodeLegacy: async () => ({ code: 'C2' }) });
    expect(old.calls.map((c) => c[0])).toEqual(['requestAuthCode', 'requestAuthCodeLegacy']);
    expect(old.calls[1]![1]).toEqual({ corpId: CORP_ID });
    expect(old.navigated).toBe(`/dashboard?code=C2&state=${state}`);

    const refused = await runPageScript(html, { requestAuthCode: () => Promise.reject(new Error('no')), requestAuthCodeLegacy: () => Promise.reject(new Error('no')) });
    expect(refused.navigated).toBeNull();
    expect(refused).toMatchObject({ title: T.signInTitle, text: T.signInDingtalk });
  });

  it('a 免登 code from DingTalk signs a supervisor in, with the offices of the people under them', async () => {
    const { stateCookie } = await signInPage();
    const state = stateCookie.split('=')[1]!;
    const back = await exchange(fake().authCode('zhanghui'), state, stateCookie);
    expect(back).toMatchObject({ status: 303, location: '/dashboard' });
    expect(back.session).toMatch(/^spb_dash=.+/);
    const me = await fetch(`${demo.base}/api/dashboard/me`, { headers: { cookie: back.session! } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { userId: string; name: string; admin: boolean; offices: { id: string; name: string }[] };
    expect(body).toMatchObject({ userId: 'zhanghui', name: '张慧', admin: false });
    expect(body.offices.map((o) => o.name)).toEqual(['华东办事处']);
    const page = await fetch(`${demo.base}/dashboard`, { headers: { cookie: back.session!, 'user-agent': DINGTALK_UA } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/dashboard/assets/echarts.min.js');
    // The admin (销售总监) sees every office.
    const admin = await exchange(fake().authCode('wangjianguo'), state, stateCookie);
    const all = (await (await fetch(`${demo.base}/api/dashboard/me`, { headers: { cookie: admin.session! } })).json()) as { offices: unknown[] };
    expect(all.offices.length).toBeGreaterThanOrEqual(3);
  });

  it('a bad, reused or foreign-state code gets 403 and no session; a rep signs in but may not see the dashboard', async () => {
    const { stateCookie } = await signInPage();
    const state = stateCookie.split('=')[1]!;
    const bad = await exchange('not-a-code', state, stateCookie);
    expect(bad).toMatchObject({ status: 403, session: undefined });
    expect(bad.body).toContain(T.notMember);

    const code = fake().authCode('zhanghui');
    expect((await exchange(code, 'f'.repeat(24), stateCookie))).toMatchObject({ status: 403, session: undefined });
    expect((await exchange(code, state, ''))).toMatchObject({ status: 403, session: undefined });
    expect((await exchange(code, state, stateCookie)).status).toBe(303);
    expect(await exchange(code, state, stateCookie)).toMatchObject({ status: 403, session: undefined });

    const rep = await exchange(fake().authCode('lixiaoming'), state, stateCookie);
    expect(rep.status).toBe(303);
    const page = await fetch(`${demo.base}/dashboard`, { headers: { cookie: rep.session! } });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain(T.noAccess);
    expect((await fetch(`${demo.base}/api/dashboard/heatmap`, { headers: { cookie: rep.session! } })).status).toBe(403);
  });

  it('outside DingTalk (a browser, or WeCom’s user agent) the DingTalk bot asks to open the page in DingTalk', async () => {
    for (const ua of ['Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0', 'Mozilla/5.0 wxwork/4.1.30 MicroMessenger/7.0.1']) {
      const res = await fetch(`${demo.base}/dashboard`, { redirect: 'manual', headers: { 'user-agent': ua } });
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      const html = await res.text();
      expect(html).toContain(T.signInDingtalk);
      expect(html).not.toContain('dingtalk-auth.js');
    }
  });

  it('a stale or broken signed link on the DingTalk bot sends the member back to DingTalk for a new one', async () => {
    const keys = dashboardKeys(demo.bot.config);
    const now = demo.bot.clock.now();
    const old = await dashboardLink(demo.base, 'zhanghui', keys, new Date(now.getTime() - 4 * 86_400_000));
    const expired = await fetch(old, { redirect: 'manual' });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain(T.linkExpiredDingtalk);
    const forged = await fetch((await dashboardLink(demo.base, 'zhanghui', keys, now)).replace('?t=', '?t=x'), { redirect: 'manual' });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain(T.linkInvalidDingtalk);
  });
});

it('without DINGTALK_CORP_ID the DingTalk bot warns at start and serves no 免登 page', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const app = express();
  app.use(createDashboardRoutes({
    service: {} as DashboardService, clock: new AdjustableClock(new Date('2026-11-30T02:00:00Z'), { frozen: true }), log, publicBase: () => 'http://x',
    config: { secret: 's', encodingAesKey: 'k', corpId: '', agentId: 0, channel: 'dingtalk', dingtalk: { clientId: CLIENT_ID } },
    userIdByCode: async () => null,
  }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/dashboard`, { headers: { 'user-agent': DINGTALK_UA } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain(T.signInDingtalk);
    expect(lines.join('')).toContain('DINGTALK_CORP_ID is unset');
  } finally {
    server.close();
  }
});
