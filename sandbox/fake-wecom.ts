/**
 * A fake WeCom server API (https://qyapi.weixin.qq.com/cgi-bin/…) for the sandbox, mounted at /sandbox/wecom on the
 * bot's own server; the bot's WeCom client reaches it through WECOM_API_BASE like the real one. It validates what
 * ../shared/docs/wecom-api.md documents (§3.1–3.8, §4) and answers WeCom's errcodes, so the sandbox shows the bugs
 * that only a real tenant would: a card with 7 buttons, a text_notice without card_action, a 2049-byte text…
 * Over the per-member limit (30/min, 1000/h) messages are answered `ok` and silently dropped, as WeCom does; the
 * console shows them greyed out.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { SANDBOX_AGENT_ID, SANDBOX_CORP_ID, SANDBOX_SECRET } from './identity';
import { INTERACTIVE_CARDS, checkMessage, checkTemplateCard, type WecomError } from './message-rules';
import { boundaryOf, parseMultipart } from './multipart';
import type { ChatMessage, FakeWecomState } from './wecom-state';
import type { DemoUser } from './demo-company';

type Obj = Record<string, unknown>;

const MB = 1024 * 1024;
/** media/upload limits by type (wecom-api.md §3.7): every file > 5 bytes. */
const MEDIA_LIMITS: Record<string, number> = { image: 10 * MB, voice: 2 * MB, video: 10 * MB, file: 20 * MB };

const ok = (extra: Obj = {}) => ({ errcode: 0, errmsg: 'ok', ...extra });
const fail = (res: Response, e: WecomError) => res.json(e);
const q = (req: Request, name: string): string => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
};
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const splitIds = (v: unknown): string[] => str(v).split('|').map((s) => s.trim()).filter(Boolean);

function wireUser(u: DemoUser, state: FakeWecomState) {
  const leads = state.users.some((o) => o.leader === u.userid && o.department === u.department) || u.roles.includes('supervisor');
  return {
    userid: u.userid, name: u.name, department: [u.department], order: [0], position: u.position,
    is_leader_in_dept: [leads ? 1 : 0], direct_leader: u.leader ? [u.leader] : [], main_department: u.department,
    status: 1, alias: '', telephone: '', open_userid: `sbx_open_${u.userid}`,
  };
}

/** The department with this id and every department below it. */
function subtree(state: FakeWecomState, id: number): number[] {
  const out = [id];
  for (let i = 0; i < out.length; i++) for (const d of state.departments) if (d.parentid === out[i]) out.push(d.id);
  return out;
}

export interface FakeWecomOptions {
  state: FakeWecomState;
  /** Called after a message/send or card update changed what members see. */
  onChange?: () => void;
}

export function createFakeWecomRouter({ state, onChange }: FakeWecomOptions): express.Router {
  const r = express.Router();

  // 3.1 gettoken: corpid + the app's secret; no access_token.
  r.get('/cgi-bin/gettoken', (req, res) => {
    const corpid = q(req, 'corpid');
    const secret = q(req, 'corpsecret');
    if (!corpid) return fail(res, { errcode: 41002, errmsg: 'corpid missing' });
    if (corpid !== SANDBOX_CORP_ID) return fail(res, { errcode: 40013, errmsg: 'invalid corpid' });
    if (!secret) return fail(res, { errcode: 41004, errmsg: 'corpsecret missing' });
    if (secret !== SANDBOX_SECRET) return fail(res, { errcode: 40001, errmsg: 'invalid credential: secret does not match the sandbox app' });
    res.json(ok({ access_token: state.issueToken(), expires_in: 7200 }));
  });

  // Every other API: access_token in the query (§3: 41001 when missing, 40014 when not one we issued).
  r.use('/cgi-bin', (req: Request, res: Response, next: NextFunction) => {
    const token = q(req, 'access_token');
    if (!token) return fail(res, { errcode: 41001, errmsg: 'access_token missing (it goes in the URL query, not the body)' });
    if (!state.isToken(token)) return fail(res, { errcode: 40014, errmsg: 'invalid access_token' });
    next();
  });

  const json = express.json({ limit: '2mb', type: () => true });

  function checkAgent(body: Obj): WecomError | null {
    if (body.agentid === undefined || body.agentid === '') return { errcode: 41011, errmsg: 'agentid missing' };
    if (Number(body.agentid) !== SANDBOX_AGENT_ID) {
      return { errcode: 301002, errmsg: `the access_token's app has no right over agentid ${str(body.agentid)} (the sandbox app is ${SANDBOX_AGENT_ID})` };
    }
    return null;
  }

  /** touser / toparty / totag → members (§3.2): invalid ones are listed, all invalid is 81013. */
  function recipients(body: Obj): { users: string[]; invalidUser: string[]; invalidParty: string[]; invalidTag: string[] } | WecomError {
    const touser = splitIds(body.touser);
    const toparty = splitIds(body.toparty);
    const totag = splitIds(body.totag);
    if (!touser.length && !toparty.length && !totag.length) return { errcode: 82001, errmsg: 'touser, toparty and totag are all empty' };
    if (touser.length > 1000) return { errcode: 40032, errmsg: `invalid userid list size: ${touser.length}, at most 1000` };
    if (toparty.length > 100) return { errcode: 82002, errmsg: 'invalid partyid list size: at most 100' };
    if (totag.length > 100) return { errcode: 82003, errmsg: 'invalid tagid list size: at most 100' };
    const users = new Set<string>();
    const invalidUser: string[] = [];
    const invalidParty: string[] = [];
    if (touser.includes('@all')) {
      for (const u of state.users) users.add(u.userid);
    } else {
      for (const id of touser) {
        const u = state.findUser(id);
        if (u) users.add(u.userid);
        else invalidUser.push(id.toLowerCase()); // WeCom lowercases the userids it returns
      }
      for (const id of toparty) {
        const dept = Number(id);
        if (!state.departments.some((d) => d.id === dept)) {
          invalidParty.push(id);
          continue;
        }
        const ids = new Set(subtree(state, dept));
        for (const u of state.users) if (ids.has(u.department)) users.add(u.userid);
      }
    }
    if (!users.size) return { errcode: 81013, errmsg: 'all touser, toparty and totag are invalid or out of the app\'s visible range' };
    return { users: [...users], invalidUser, invalidParty, invalidTag: totag };
  }

  // 3.2 message/send
  r.post('/cgi-bin/message/send', json, (req, res) => {
    const body = (req.body ?? {}) as Obj;
    const agent = checkAgent(body);
    if (agent) return fail(res, agent);
    const to = recipients(body);
    if ('errcode' in to) return fail(res, to);
    const msgtype = str(body.msgtype);
    const problem = checkMessage(body, {
      mediaType: (id) => state.getMedia(id)?.type,
      taskIdTaken: (id) => state.hasTaskId(id),
    });
    const msgid = state.nextMsgId();
    const part = (body[msgtype] && typeof body[msgtype] === 'object' ? JSON.parse(JSON.stringify(body[msgtype])) : {}) as Obj;
    if (problem) {
      // Members see nothing; the console shows the refusal in their chat so the bug is visible.
      for (const userId of to.users) {
        state.record({ msgid, userId, from: 'bot', msgtype: msgtype || 'unknown', content: part, status: 'rejected', ...problem });
      }
      onChange?.();
      return fail(res, problem);
    }
    const taskId = msgtype === 'template_card' ? str(part.task_id) || undefined : undefined;
    if (taskId) state.addTaskId(taskId);
    const delivered: ChatMessage[] = [];
    for (const userId of to.users) {
      // Over the per-member limit WeCom answers ok and drops the message (§4.1).
      const status = state.withinMemberLimit(userId) ? 'delivered' : 'dropped';
      delivered.push(state.record({ msgid, userId, from: 'bot', msgtype, content: JSON.parse(JSON.stringify(part)) as Obj, status, taskId }));
    }
    const interactive = msgtype === 'template_card' && INTERACTIVE_CARDS.has(str(part.card_type));
    const extra: Obj = { msgid };
    if (to.invalidUser.length) extra.invaliduser = to.invalidUser.join('|');
    if (to.invalidParty.length) extra.invalidparty = to.invalidParty.join('|');
    if (to.invalidTag.length) extra.invalidtag = to.invalidTag.join('|');
    if (interactive && taskId) extra.response_code = state.issueResponseCode(taskId, delivered.map((m) => m.userId));
    onChange?.();
    res.json(ok(extra));
  });

  // 3.5 message/update_template_card: one use per response_code; button.replace_name or a whole new card.
  r.post('/cgi-bin/message/update_template_card', json, (req, res) => {
    const body = (req.body ?? {}) as Obj;
    const agent = checkAgent(body);
    if (agent) return fail(res, agent);
    const code = str(body.response_code);
    if (!code) return fail(res, { errcode: 40058, errmsg: 'invalid parameter response_code: required' });
    const hasButton = body.button !== undefined;
    const hasCard = body.template_card !== undefined;
    if (hasButton === hasCard) return fail(res, { errcode: 40058, errmsg: 'invalid parameter: give exactly one of button and template_card' });
    const replaceName = hasButton && typeof body.button === 'object' && body.button ? str((body.button as Obj).replace_name) : '';
    if (hasButton && !replaceName) return fail(res, { errcode: 40058, errmsg: 'invalid parameter button.replace_name: required' });
    if (hasCard) {
      const problem = checkTemplateCard(body.template_card);
      if (problem) return fail(res, problem);
    }
    const userids = Array.isArray(body.userids) ? body.userids.map(str) : [];
    const partyids = Array.isArray(body.partyids) ? body.partyids.map(Number) : [];
    const atall = Number(body.atall ?? 0) === 1;
    if (!atall && !userids.length && !partyids.length && !(Array.isArray(body.tagids) && body.tagids.length)) {
      return fail(res, { errcode: 40058, errmsg: 'invalid parameter: userids, partyids, tagids or atall is required' });
    }
    const taken = state.consumeResponseCode(code);
    if (taken.status === 'unknown') return fail(res, { errcode: 40058, errmsg: 'invalid parameter response_code: unknown or expired (valid 72 h)' });
    if (taken.status === 'used') return fail(res, { errcode: 40058, errmsg: 'invalid parameter response_code: already used (each response_code works once)' });
    const copies = state.cardCopies(taken.taskId);
    const original = copies[0]?.content ?? {};
    const originalType = str(original.card_type);
    const updatable = INTERACTIVE_CARDS.has(originalType) || original.action_menu !== undefined;
    if (copies.length && !updatable) {
      return fail(res, { errcode: 40058, errmsg: `invalid parameter: a ${originalType} card without action_menu cannot be updated` });
    }
    if (hasButton && copies.length && !INTERACTIVE_CARDS.has(originalType)) {
      return fail(res, { errcode: 40058, errmsg: 'invalid parameter button: replace_name works only on button, vote and multiple interaction cards' });
    }
    const wanted = new Set(userids.map((u) => u.toLowerCase()));
    const parties = new Set(partyids.flatMap((p) => subtree(state, p)));
    for (const copy of copies) {
      const u = state.findUser(copy.userId);
      const target = atall || wanted.has(copy.userId.toLowerCase()) || (u !== undefined && parties.has(u.department));
      if (!target) continue;
      if (hasCard) {
        copy.content = JSON.parse(JSON.stringify(body.template_card)) as Obj;
        delete copy.replaceName;
      } else {
        copy.replaceName = replaceName;
      }
      state.touch(copy);
    }
    onChange?.();
    res.json(ok());
  });

  // 3.7 media/upload (multipart, field `media`) and media/get.
  r.post('/cgi-bin/media/upload', express.raw({ type: () => true, limit: 21 * MB }), (req, res) => {
    const type = q(req, 'type');
    if (!MEDIA_LIMITS[type]) return fail(res, { errcode: 40005, errmsg: `invalid type ${JSON.stringify(type)}: image, voice, video or file` });
    const boundary = boundaryOf(req.get('content-type'));
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const part = boundary ? parseMultipart(body, boundary).find((p) => p.name === 'media') : undefined;
    if (!part || !part.data.length) return fail(res, { errcode: 44001, errmsg: 'empty media data: send the file as multipart/form-data field "media"' });
    if (part.data.length <= 5) return fail(res, { errcode: 40006, errmsg: `invalid file size: ${part.data.length} bytes, must be more than 5` });
    if (part.data.length > MEDIA_LIMITS[type]!) {
      return fail(res, { errcode: 45001, errmsg: `media size out of limit: ${part.data.length} bytes, the ${type} limit is ${MEDIA_LIMITS[type]}` });
    }
    const stored = state.addMedia({ type, filename: part.filename || 'media', contentType: part.contentType, bytes: part.data });
    res.json({ errcode: 0, errmsg: '', type, media_id: stored.mediaId, created_at: String(Math.floor(stored.createdAt.getTime() / 1000)) });
  });

  r.get('/cgi-bin/media/get', (req, res) => {
    const id = q(req, 'media_id');
    if (!id) return fail(res, { errcode: 41006, errmsg: 'media_id missing' });
    const m = state.getMedia(id);
    if (!m) return fail(res, { errcode: 40007, errmsg: 'invalid media_id' });
    sendMedia(res, m);
  });

  // 3.8 directory: only the demo company (the app's visible range).
  r.get('/cgi-bin/department/list', (req, res) => {
    const raw = q(req, 'id');
    let ids = state.departments.map((d) => d.id);
    if (raw) {
      const id = Number(raw);
      if (!state.departments.some((d) => d.id === id)) return fail(res, { errcode: 60123, errmsg: `invalid department id ${raw}` });
      ids = subtree(state, id);
    }
    res.json(ok({
      department: state.departments.filter((d) => ids.includes(d.id)).map((d) => ({
        id: d.id, name: d.name, name_en: '', parentid: d.parentid, order: d.order,
        department_leader: state.users.filter((u) => u.department === d.id && u.roles.includes('supervisor')).map((u) => u.userid),
      })),
    }));
  });

  const membersOf = (req: Request, res: Response): DemoUser[] | null => {
    const id = Number(q(req, 'department_id'));
    if (!state.departments.some((d) => d.id === id)) {
      fail(res, { errcode: 60123, errmsg: `invalid department_id ${q(req, 'department_id') || '(missing)'}` });
      return null;
    }
    return state.users.filter((u) => u.department === id);
  };
  r.get('/cgi-bin/user/list', (req, res) => {
    const users = membersOf(req, res);
    if (users) res.json(ok({ userlist: users.map((u) => wireUser(u, state)) }));
  });
  r.get('/cgi-bin/user/simplelist', (req, res) => {
    const users = membersOf(req, res);
    if (users) res.json(ok({ userlist: users.map((u) => ({ userid: u.userid, name: u.name, department: [u.department], open_userid: `sbx_open_${u.userid}` })) }));
  });
  r.get('/cgi-bin/user/get', (req, res) => {
    const u = state.findUser(q(req, 'userid'));
    if (!u) return fail(res, { errcode: 60111, errmsg: `userid not found: ${q(req, 'userid') || '(missing)'}` });
    res.json(ok(wireUser(u, state)));
  });

  // OAuth: the code the (sandbox) redirect carries → the member (single use).
  r.get('/cgi-bin/auth/getuserinfo', (req, res) => {
    const code = q(req, 'code');
    if (!code) return fail(res, { errcode: 41008, errmsg: 'missing code' });
    const userId = state.consumeOauthCode(code);
    if (!userId) return fail(res, { errcode: 40029, errmsg: 'invalid code (used, expired, or never issued)' });
    res.json(ok({ userid: userId, user_ticket: `sbx_ticket_${userId}`, expires_in: 1800 }));
  });

  r.use('/cgi-bin', (req: Request, res: Response) => {
    fail(res, { errcode: 48002, errmsg: `api forbidden: ${req.path} is not part of the sandbox's fake WeCom` });
  });

  // A body that is not JSON: WeCom answers 47001 (data format error).
  r.use((e: { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (!e) return next();
    if (e.type === 'entity.too.large') return fail(res, { errcode: 45002, errmsg: 'request too large' });
    return fail(res, { errcode: 47001, errmsg: 'data format error (the body must be JSON)' });
  });
  return r;
}

export function sendMedia(res: Response, m: { filename: string; contentType: string; bytes: Buffer }): void {
  const ascii = m.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  res.set({
    'content-type': m.contentType || 'application/octet-stream',
    'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(m.filename)}`,
    'cache-control': 'no-store',
  }).send(m.bytes);
}
