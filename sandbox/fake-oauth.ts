/**
 * The fake of WeCom's OAuth2 authorize step (open.weixin.qq.com/connect/oauth2/authorize, WECOM_OAUTH_BASE in the
 * sandbox). Inside the real WeCom app the member is already known; here a page asks who signs in, then redirects to
 * `redirect_uri?code=…&state=…` like WeCom. The code is single use and resolves through the fake auth/getuserinfo.
 */
import express from 'express';
import type { FakeWecomState } from './wecom-state';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const q = (v: unknown) => (typeof v === 'string' ? v : '');

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(title)}</title><style>body{font:15px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f2f3f5;margin:0}` +
    `main{max-width:420px;margin:24px auto;background:#fff;border-radius:12px;padding:16px}p.s{background:#fff4d6;color:#7a5200;padding:6px 10px;border-radius:6px;font-size:13px}` +
    `a{display:block;padding:10px;border-bottom:1px solid #eff0f1;color:#1f2329;text-decoration:none}a small{color:#8f959e;margin-left:8px}</style></head>` +
    `<body><main><h1 style="font-size:18px">${esc(title)}</h1><p class="s">沙盒模式：模拟企业微信的网页授权，不连接真实企业微信。</p>${body}</main></body></html>`;
}

export function createFakeOauthRouter(opts: { state: FakeWecomState; corpId: string }): express.Router {
  const r = express.Router();
  r.get('/connect/oauth2/authorize', (req, res) => {
    const appid = q(req.query.appid);
    const redirect = q(req.query.redirect_uri);
    const state = q(req.query.state);
    res.set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    if (appid !== opts.corpId || !/^https?:\/\//i.test(redirect)) {
      return res.status(400).send(page('授权失败', `<p>appid 必须是 ${esc(opts.corpId)}，redirect_uri 必须是 http(s) 地址。</p>`));
    }
    const links = opts.state.users.map((u) => {
      const href = `authorize/pick?${new URLSearchParams({ userid: u.userid, redirect_uri: redirect, state }).toString()}`;
      return `<a href="${esc(href)}">${esc(u.name)}<small>${esc(u.position)}</small></a>`;
    }).join('');
    res.send(page('以谁的身份登录？', links));
  });
  r.get('/connect/oauth2/authorize/pick', (req, res) => {
    const user = opts.state.findUser(q(req.query.userid));
    const redirect = q(req.query.redirect_uri);
    if (!user || !/^https?:\/\//i.test(redirect)) return res.status(400).type('text/plain').send('bad request');
    const target = new URL(redirect);
    target.searchParams.set('code', opts.state.issueOauthCode(user.userid));
    target.searchParams.set('state', q(req.query.state));
    res.redirect(302, target.toString());
  });
  return r;
}
