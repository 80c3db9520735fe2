/**
 * Routes of the process health dashboard:
 *   GET /dashboard                      the page (sign-in by signed link `?t=`, WeCom OAuth2 or DingTalk 免登 `?code=`,
 *                                       or the session cookie)
 *   GET /dashboard/assets/echarts.min.js ECharts from node_modules (no CDN)
 *   GET /dashboard/assets/dingtalk-auth.js the DingTalk JSAPI's 免登 calls (dashboard/vendor, no CDN)
 *   GET /api/dashboard/me               who is signed in and which offices they may see
 *   GET /api/dashboard/heatmap?from=&to=&office=            R4 dwell per office × stage, red cells with their top 3
 *   GET /api/dashboard/funnel?from=&to=&office=&window=     R8 penetration between consecutive stages
 *   GET /api/dashboard/stalled?office=                      R5 stalled customers (negotiating, > 7 calendar days)
 *   GET /api/dashboard/objections?from=&to=&office=         R10 objection words
 * The API answers the session cookie (or the admin bearer token, which sees everything) and enforces the same
 * office scoping as the page: a supervisor sees the offices of the people under them, an admin all, anyone
 * else gets 403. `from`/`to` are dates (YYYY-MM-DD, business time zone; `to` inclusive) or ISO date-times.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { dashboardTexts } from '../cards/dashboard-texts';
import type { Clock } from '../domain/clock';
import { addLocalDays, parseLocal } from '../domain/business-time';
import { defaultPeriod, narrowScope, type Scope } from '../domain/dashboard';
import { parseDuration } from '../domain/duration';
import {
  cookieHeader, dashboardKeys, insideDingtalk, insideWecom, oauthAuthorizeUrl, parseCookies, SESSION_COOKIE, SESSION_TTL_MS, STATE_COOKIE,
  createAccessToken, verifyAccessToken,
} from './access';
import { dashboardPage, dingtalkSignInPage, messagePage } from './page';
import { projectRoot } from '../store/paths';
import type { DashboardService, Period } from './service';
import { cspNonce, securityHeaders } from '../usecases/security-headers';

const T = dashboardTexts.page;
export const ECHARTS_ASSET = '/dashboard/assets/echarts.min.js';
export const DINGTALK_AUTH_ASSET = '/dashboard/assets/dingtalk-auth.js';
const MAX_SPAN_MS = 400 * 86_400_000;

export interface DashboardRouteDeps {
  service: DashboardService;
  clock: Clock;
  config: {
    secret: string; encodingAesKey: string; corpId: string; agentId: number; oauthBase?: string; adminToken?: string; publicBaseUrl?: string;
    /** dingtalk: sign-in inside DingTalk by 免登 (the app's CorpId and ClientID) instead of WeCom's OAuth. */
    channel?: 'wecom' | 'dingtalk'; dingtalk?: { corpId?: string; clientId: string };
  };
  log: Logger;
  /** OAuth2 / 免登 code → userid (the WeCom client's getUserIdByCode, or DingTalk's createDingtalkSignIn). */
  userIdByCode(code: string): Promise<string | null>;
  /** This server's public base URL (for the OAuth redirect_uri). */
  publicBase(): string;
  /** Material pack measures (R6) per office in scope and period; absent when no materials are configured. */
  materials?(scope: Scope, period: Period): Promise<unknown>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function echartsFile(): string {
  return path.join(path.dirname(require.resolve('echarts/package.json')), 'dist', 'echarts.min.js');
}

/** dingtalk-jsapi ships no browser build: scripts/build-dingtalk-auth.sh bundles the calls we use into this file. */
function dingtalkAuthFile(): string {
  return path.join(projectRoot(), 'dashboard', 'vendor', 'dingtalk-auth.js');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `from`/`to` → a period; the default is the last 30 local days up to now (to the next 10 s mark, so answers cache). */
export function parsePeriod(query: Record<string, unknown>, now: Date, tz: string): Period {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string' || v.length > 40) throw new HttpError(400, 'bad_query', `${name} 只能出现一次，格式如 2026-11-01`);
    return v;
  };
  const instant = (name: string, v: string, endOfDay: boolean): Date => {
    if (DATE.test(v)) {
      const start = parseLocal(v, tz);
      if (!start) throw new HttpError(400, 'bad_query', `${name} 不是有效日期：${v}`);
      return endOfDay ? addLocalDays(start, 1, tz) : start;
    }
    const t = Date.parse(v);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(t)) throw new HttpError(400, 'bad_query', `${name} 应为日期（2026-11-01）或带时区的时间`);
    return new Date(t);
  };
  // The end of the default period is the next 10 s mark: now is inside it, and answers can be cached.
  const rounded = new Date(Math.floor(now.getTime() / 10_000) * 10_000 + 10_000);
  const f = one('from');
  const t = one('to');
  const to = t ? instant('to', t, true) : rounded;
  // `days=N`: the last N local days on the bot's clock (the page's 7/30/90 choices; the browser's clock and zone
  // play no part).
  const d = one('days');
  const days = d === undefined ? 30 : Number(d);
  if (!Number.isInteger(days) || days < 1 || days > 400) throw new HttpError(400, 'bad_query', 'days 应为 1–400 的整数');
  const from = f ? instant('from', f, false) : defaultPeriod(rounded, days, tz).from;
  if (from.getTime() >= to.getTime()) throw new HttpError(400, 'bad_query', '开始时间应早于结束时间');
  if (to.getTime() - from.getTime() > MAX_SPAN_MS) throw new HttpError(400, 'bad_query', '时间段最长 400 天');
  return { from, to };
}

function officeParam(query: Record<string, unknown>): string | undefined {
  const v = query.office;
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || v.length > 64) throw new HttpError(400, 'bad_query', 'office 只能出现一次');
  return v;
}

function windowParam(query: Record<string, unknown>): number | null {
  const v = query.window;
  if (v === undefined || v === '') return null;
  const ms = typeof v === 'string' ? parseDuration(v) : null;
  if (ms === null || ms <= 0 || ms > MAX_SPAN_MS) throw new HttpError(400, 'bad_query', 'window 应为时长，如 72h、3d');
  return Math.round(ms / 1000);
}

interface Reader {
  userId: string;
  name: string;
  admin: boolean;
  scope: Scope;
}

export function createDashboardRoutes(deps: DashboardRouteDeps): express.Router {
  const { service, clock } = deps;
  const keys = dashboardKeys(deps.config);
  const adminToken = deps.config.adminToken ? Buffer.from(deps.config.adminToken) : null;
  const logOf = (req: Request) => (req as Request & { log?: Logger }).log ?? deps.log;
  const r = express.Router();
  // On DingTalk the sign-in inside the client is 免登 and the texts name DingTalk; WeCom's OAuth is not offered.
  const onDingtalk = deps.config.channel === 'dingtalk';
  const dingtalkApp = onDingtalk && deps.config.dingtalk?.corpId ? { corpId: deps.config.dingtalk.corpId, clientId: deps.config.dingtalk.clientId } : null;
  if (onDingtalk && !dingtalkApp) deps.log.warn('DINGTALK_CORP_ID is unset: the dashboard cannot sign members in inside DingTalk (免登); signed links still work');
  const signInText = onDingtalk ? T.signInDingtalk : T.signIn;
  const codeFailedText = onDingtalk ? T.dingtalkFailed : T.oauthFailed;
  const linkExpiredText = onDingtalk ? T.linkExpiredDingtalk : T.linkExpired;
  const linkInvalidText = onDingtalk ? T.linkInvalidDingtalk : T.linkInvalid;

  /** A dashboard page; its security headers (CSP with the nonce) come from `securityHeaders('dashboard')`. */
  function sendHtml(res: Response, status: number, render: (nonce: string) => string): void {
    res.status(status).set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).send(render(cspNonce(res)));
  }

  const secure = (req: Request) => req.protocol === 'https';

  async function startSession(req: Request, res: Response, userId: string): Promise<void> {
    const now = clock.now();
    const token = await createAccessToken({ userId, issuedAt: now, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) }, keys.session, SESSION_TTL_MS, 'dashboard-session');
    res.append('set-cookie', cookieHeader(SESSION_COOKIE, token, { maxAgeSec: SESSION_TTL_MS / 1000, secure: secure(req) }));
  }

  async function sessionUser(req: Request): Promise<string | null> {
    const raw = parseCookies(req.get('cookie'))[SESSION_COOKIE];
    if (!raw) return null;
    const v = await verifyAccessToken(raw, keys.session, clock.now(), SESSION_TTL_MS, 'dashboard-session');
    return v.ok ? v.token.userId : null;
  }

  function bearerIsAdmin(req: Request): boolean {
    const header = req.get('authorization') ?? '';
    if (!adminToken || !header.startsWith('Bearer ')) return false;
    const given = Buffer.from(header.slice(7).trim());
    return given.length === adminToken.length && timingSafeEqual(given, adminToken);
  }

  async function reader(req: Request): Promise<Reader | null> {
    if (bearerIsAdmin(req)) return { userId: 'admin-token', name: '管理令牌', admin: true, scope: { kind: 'all' } };
    const userId = await sessionUser(req);
    if (!userId) return null;
    const { person, scope } = await service.access(userId);
    return { userId, name: person?.name ?? userId, admin: !!person?.roles.includes('admin'), scope };
  }

  r.get(ECHARTS_ASSET, securityHeaders('file'), (_req: Request, res: Response) => {
    res.sendFile(echartsFile(), { maxAge: '7d', headers: { 'content-type': 'application/javascript; charset=utf-8' } });
  });

  r.get(DINGTALK_AUTH_ASSET, securityHeaders('file'), (_req: Request, res: Response) => {
    res.sendFile(dingtalkAuthFile(), { maxAge: '1d', headers: { 'content-type': 'application/javascript; charset=utf-8' } });
  });

  r.get('/dashboard', securityHeaders('dashboard'), async (req: Request, res: Response) => {
    const q = req.query as Record<string, unknown>;
    const log = logOf(req);
    if (typeof q.t === 'string') {
      const v = await verifyAccessToken(q.t, keys.link, clock.now());
      if (!v.ok) {
        const expired = v.reason === 'expired';
        sendHtml(res, expired ? 410 : 403, (n) => messagePage(expired ? T.linkExpiredTitle : T.linkInvalidTitle, expired ? linkExpiredText : linkInvalidText, n));
        return;
      }
      await startSession(req, res, v.token.userId);
      log.info({ userId: v.token.userId, via: 'link' }, 'dashboard sign-in');
      res.redirect(303, '/dashboard');
      return;
    }
    if (typeof q.code === 'string') {
      const expected = parseCookies(req.get('cookie'))[STATE_COOKIE];
      if (!expected || typeof q.state !== 'string' || q.state !== expected) {
        sendHtml(res, 403, (n) => messagePage(T.oauthFailedTitle, codeFailedText, n));
        return;
      }
      let userId: string | null;
      try {
        userId = await deps.userIdByCode(q.code);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'dashboard oauth: code exchange failed');
        sendHtml(res, 403, (n) => messagePage(T.oauthFailedTitle, codeFailedText, n));
        return;
      }
      res.append('set-cookie', cookieHeader(STATE_COOKIE, '', { maxAgeSec: 0, secure: secure(req), path: '/dashboard' }));
      if (!userId) {
        sendHtml(res, 403, (n) => messagePage(T.noAccessTitle, T.notMember, n));
        return;
      }
      await startSession(req, res, userId);
      log.info({ userId, via: onDingtalk ? 'dingtalk' : 'oauth' }, 'dashboard sign-in');
      res.redirect(303, '/dashboard');
      return;
    }
    const userId = await sessionUser(req);
    if (!userId) {
      const newState = () => {
        const state = randomBytes(12).toString('hex');
        res.append('set-cookie', cookieHeader(STATE_COOKIE, state, { maxAgeSec: 600, secure: secure(req), path: '/dashboard' }));
        return state;
      };
      if (dingtalkApp && insideDingtalk(req.get('user-agent'))) {
        const state = newState();
        sendHtml(res, 200, (n) => dingtalkSignInPage(n, { asset: DINGTALK_AUTH_ASSET, ...dingtalkApp, state }));
        return;
      }
      if (!onDingtalk && insideWecom(req.get('user-agent'))) {
        const state = newState();
        res.redirect(302, oauthAuthorizeUrl({
          oauthBase: deps.config.oauthBase, corpId: deps.config.corpId, agentId: deps.config.agentId,
          redirectUri: `${deps.publicBase().replace(/\/+$/, '')}/dashboard`, state,
        }));
        return;
      }
      sendHtml(res, 401, (n) => messagePage(T.signInTitle, signInText, n));
      return;
    }
    const { scope } = await service.access(userId);
    if (scope.kind === 'none') {
      sendHtml(res, 403, (n) => messagePage(T.noAccessTitle, T.noAccess, n));
      return;
    }
    sendHtml(res, 200, (n) => dashboardPage(n, ECHARTS_ASSET, service.tz));
  });

  const api = express.Router();
  api.use(async (req: Request, res: Response, next: NextFunction) => {
    res.set('cache-control', 'no-store');
    const who = await reader(req);
    if (!who) throw new HttpError(401, 'unauthorized', signInText);
    if (who.scope.kind === 'none') throw new HttpError(403, 'forbidden', T.noAccess);
    const office = officeParam(req.query as Record<string, unknown>);
    const scope = narrowScope(who.scope, office);
    if (scope.kind === 'none') throw new HttpError(403, 'office_forbidden', `无权查看办事处 ${office}`);
    res.locals.reader = who;
    res.locals.scope = scope;
    next();
  });
  const scopeOf = (res: Response) => res.locals.scope as Scope;

  api.get('/me', async (_req: Request, res: Response) => {
    const who = res.locals.reader as Reader;
    const names = await service.officeNames(who.scope);
    res.json({ userId: who.userId, name: who.name, admin: who.admin, offices: [...names].map(([id, name]) => ({ id, name })) });
  });

  api.get('/heatmap', async (req: Request, res: Response) => {
    const now = clock.now();
    res.json(await service.heatmap(scopeOf(res), parsePeriod(req.query as Record<string, unknown>, now, service.tz), now));
  });

  api.get('/funnel', async (req: Request, res: Response) => {
    const q = req.query as Record<string, unknown>;
    const period = parsePeriod(q, clock.now(), service.tz);
    const windowSeconds = windowParam(q);
    res.json({ from: period.from.toISOString(), to: period.to.toISOString(), windowSeconds, steps: await service.funnel(scopeOf(res), period, windowSeconds) });
  });

  api.get('/materials', async (req: Request, res: Response) => {
    if (!deps.materials) throw new HttpError(404, 'not_configured', '未配置资料包');
    res.json(await deps.materials(scopeOf(res), parsePeriod(req.query as Record<string, unknown>, clock.now(), service.tz)));
  });

  api.get('/stalled', async (_req: Request, res: Response) => {
    res.json({ items: await service.stalled(scopeOf(res), clock.now()) });
  });

  api.get('/objections', async (req: Request, res: Response) => {
    res.json(await service.objections(scopeOf(res), parsePeriod(req.query as Record<string, unknown>, clock.now(), service.tz)));
  });

  api.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.code, message: err.message });
      return;
    }
    logOf(req).error({ err }, 'dashboard api failed');
    res.status(500).json({ error: 'internal_error', message: T.failed });
  });
  r.use('/api/dashboard', api);
  return r;
}
