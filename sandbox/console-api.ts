/**
 * The chat console's routes, under /sandbox: the page itself and a small JSON API for it (who is who, a member's
 * conversation with the bot, typing, pressing card buttons, moving time, downloading media). Sandbox only: nothing
 * here is mounted when the bot runs with real WeCom credentials.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { SandboxConfig } from './identity';
import type { Database } from '../store/db';
import { listOffices, listPeople } from '../store/org';
import { consolePage } from './console-page';
import { sendMedia } from './fake-wecom';
import type { CallbackResult, SelectedItemInput } from '../bot/wecom/member-callbacks';
import type { AdvanceSpec } from './time-machine';
import type { ChatMessage, FakeWecomState } from './wecom-state';
import { cspNonce, securityHeaders } from '../usecases/security-headers';

export interface ConsoleDeps {
  database: Database;
  state: FakeWecomState;
  config: SandboxConfig;
  log: Logger;
  say(userId: string, text: string): Promise<CallbackResult>;
  press(userId: string, target: { seq?: number }, key: string, selected?: SelectedItemInput[]): Promise<CallbackResult>;
  moveTime(spec: AdvanceSpec): Promise<{ from: Date; to: Date }>;
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const MAX_MESSAGES = 300;

/** A message as the page renders it: file and image messages carry the media's name and size. */
function view(m: ChatMessage, state: FakeWecomState) {
  const mediaId = ['file', 'image', 'voice', 'video'].includes(m.msgtype) ? str(m.content.media_id) : '';
  const media = mediaId ? state.getMedia(mediaId) : undefined;
  return {
    ...m,
    ...(media ? { media: { id: media.mediaId, filename: media.filename, size: media.bytes.length, contentType: media.contentType } } : {}),
  };
}

export function createConsoleRoutes(deps: ConsoleDeps): express.Router {
  const { state } = deps;
  const r = express.Router();
  const json = express.json({ limit: '64kb' });

  r.get('/', securityHeaders('console'), (_req, res) => {
    res.status(200).set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .send(consolePage({ nonce: cspNonce(res), tz: deps.config.tz, corpId: deps.config.corpId }));
  });

  r.get('/api/people', async (_req, res, next) => {
    try {
      const [people, offices] = await Promise.all([listPeople(deps.database.db), listOffices(deps.database.db)]);
      const officeName = new Map(offices.map((o) => [o.id, o.name]));
      res.json({
        people: people.map((p) => ({
          userId: p.userId, name: p.name, roles: p.roles, supervisorId: p.supervisorId,
          office: p.officeId ? (officeName.get(p.officeId) ?? p.officeId) : null,
          position: state.findUser(p.userId)?.position ?? null,
          inWecom: !!state.findUser(p.userId),
        })),
      });
    } catch (err) {
      next(err);
    }
  });

  /** A member's conversation; `since` (the state version the page has) answers `unchanged` cheaply. */
  r.get('/api/chat', (req, res) => {
    const userId = str(req.query.userId);
    const since = Number(req.query.since ?? -1);
    const now = state.now().toISOString();
    const counts = Object.fromEntries(state.users.map((u) => {
      const bot = state.botMessages(u.userid);
      return [u.userid, { count: bot.length, lastSeq: bot.at(-1)?.seq ?? 0 }];
    }));
    if (since === state.version) return res.json({ version: state.version, now, unchanged: true, counts });
    const messages = state.log(state.findUser(userId)?.userid ?? userId).slice(-MAX_MESSAGES).map((m) => view(m, state));
    res.json({ version: state.version, now, messages, counts });
  });

  r.post('/api/say', json, async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Obj;
      const result = await deps.say(str(body.userId), str(body.text));
      res.status(result.status === 200 ? 200 : 502).json({ ok: result.status === 200, callbackStatus: result.status });
    } catch (err) {
      next(err);
    }
  });

  r.post('/api/click', json, async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as Obj;
      const selected = Array.isArray(body.selected)
        ? (body.selected as Obj[]).map((s) => ({ questionKey: str(s.questionKey), optionIds: Array.isArray(s.optionIds) ? s.optionIds.map(str) : [] }))
        : undefined;
      const result = await deps.press(str(body.userId), { seq: Number(body.seq) }, str(body.key), selected);
      res.status(result.status === 200 ? 200 : 502).json({ ok: result.status === 200, callbackStatus: result.status });
    } catch (err) {
      next(err);
    }
  });

  // The time machine. NOTE: the timers work owns POST /api/clock; this minimal one is the sandbox's until they merge.
  r.post('/api/clock', json, async (req, res, next) => {
    try {
      const spec = str(((req.body ?? {}) as Obj).advance);
      const { from, to } = await deps.moveTime(spec as AdvanceSpec);
      res.json({ ok: true, from: from.toISOString(), now: to.toISOString() });
    } catch (err) {
      if (err instanceof RangeError) return res.status(400).json({ error: 'bad_advance', message: err.message });
      next(err);
    }
  });

  r.get('/api/media/:mediaId', (req, res) => {
    const m = state.getMedia(String(req.params.mediaId));
    if (!m) return res.status(404).json({ error: 'not_found', message: 'media_id unknown or older than 3 days' });
    sendMedia(res, m);
  });

  /** A code as WeCom's OAuth redirect would bring it, for pages that identify the member (auth/getuserinfo). */
  r.post('/api/oauth-code', json, (req, res) => {
    const user = state.findUser(str(((req.body ?? {}) as Obj).userId));
    if (!user) return res.status(404).json({ error: 'not_found' });
    res.json({ code: state.issueOauthCode(user.userid) });
  });

  r.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const e = err as { status?: number; message?: string; name?: string; type?: string };
    if (e.name === 'SandboxInputError' && e.status) return res.status(e.status).json({ error: 'refused', message: e.message });
    if (e.type === 'entity.parse.failed') return res.status(400).json({ error: 'bad_request', message: 'the body must be JSON' });
    deps.log.error({ err, path: req.path }, 'sandbox console request failed');
    res.status(500).json({ error: 'internal_error', message: e.message ?? String(err) });
  });
  return r;
}
