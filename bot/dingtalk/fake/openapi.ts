/**
 * The fake DingTalk OpenAPI (both families) for tests and the sandbox. It validates requests the way
 * shared/docs/dingtalk-api.md says DingTalk does and answers in DingTalk's two error shapes, so the real client
 * code runs unchanged against it. Work notifications apply DingTalk's silent drops (identical content once a
 * day per member, 500 a day): the call succeeds, `delivered` says whether a person would have seen it.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { localDate } from '../../../domain/business-time';
import type { FakeDingtalkState } from './state';

const id = (n = 12) => randomBytes(n).toString('hex');

export function createFakeOpenApi(state: FakeDingtalkState): express.Router {
  const r = express.Router();
  const json = express.json({ limit: '1mb' });

  const newErr = (res: Response, status: number, code: string, message: string) => {
    state.rejects.push({ code, message });
    res.status(status).json({ code, message, requestid: id(8) });
  };
  const oldErr = (res: Response, errcode: number, errmsg: string) => {
    state.rejects.push({ code: String(errcode), message: errmsg });
    res.status(200).json({ errcode, errmsg, request_id: id(8) });
  };
  /**
   * Injected failures (tests): the next call to `path` answers this instead — or, with `after`, is carried out and
   * then answered with this (DingTalk did it, the answer says otherwise: a lost or garbled answer).
   */
  const injected = (req: Request, res: Response): boolean => {
    const i = state.failNext.findIndex((f) => req.path === f.path);
    if (i < 0) return false;
    const f = state.failNext[i]!;
    if (--f.times <= 0) state.failNext.splice(i, 1);
    if (f.after) {
      const send = res.json.bind(res);
      res.json = () => send.call(res.status(f.status), f.body);
      return false;
    }
    res.status(f.status).json(f.body);
    return true;
  };
  const newAuth = (req: Request, res: Response) => {
    state.calls.push({ family: 'api', path: req.path });
    if (injected(req, res)) return false;
    const t = req.get('x-acs-dingtalk-access-token');
    if (!t || !state.tokens.has(t)) {
      newErr(res, 401, 'InvalidAuthentication', '不合法的access_token');
      return false;
    }
    return true;
  };
  const oldAuth = (req: Request, res: Response) => {
    state.calls.push({ family: 'oapi', path: req.path });
    if (injected(req, res)) return false;
    const t = req.query.access_token;
    if (typeof t !== 'string' || !state.tokens.has(t)) {
      oldErr(res, 40014, '不合法的access_token');
      return false;
    }
    return true;
  };

  // --- tokens -------------------------------------------------------------------------------------------------
  r.post('/v1.0/oauth2/accessToken', json, (req, res) => {
    state.calls.push({ family: 'api', path: req.path });
    if (req.body?.appKey !== state.app.clientId || req.body?.appSecret !== state.app.clientSecret) return newErr(res, 400, 'invalidClientIdOrSecret', '无效的clientId或者clientSecret');
    const t = `api_${id()}`;
    state.tokens.add(t);
    state.tokensIssued += 1;
    res.json({ accessToken: t, expireIn: 7200 });
  });
  r.get('/gettoken', (req, res) => {
    state.calls.push({ family: 'oapi', path: req.path });
    if (req.query.appkey !== state.app.clientId || req.query.appsecret !== state.app.clientSecret) return oldErr(res, 40089, '不合法的corpid或corpsecret');
    const t = `oapi_${id()}`;
    state.tokens.add(t);
    state.tokensIssued += 1;
    res.json({ errcode: 0, errmsg: 'ok', access_token: t, expires_in: 7200 });
  });

  // --- robot 1:1 ----------------------------------------------------------------------------------------------
  const MSG_KEYS: Record<string, string[]> = {
    sampleText: ['content'], sampleMarkdown: ['title', 'text'], sampleImageMsg: ['photoURL'], sampleLink: ['text', 'title', 'messageUrl'],
    sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'], sampleFile: ['mediaId', 'fileName', 'fileType'],
    sampleActionCard2: ['title', 'text', 'actionTitle1', 'actionURL1', 'actionTitle2', 'actionURL2'],
    sampleActionCard3: ['title', 'text', 'actionTitle3', 'actionURL3'], sampleActionCard4: ['title', 'text', 'actionTitle4', 'actionURL4'],
    sampleActionCard5: ['title', 'text', 'actionTitle5', 'actionURL5'],
  };
  r.post('/v1.0/robot/oToMessages/batchSend', json, (req, res) => {
    if (!newAuth(req, res)) return;
    const { robotCode, userIds, msgKey, msgParam } = req.body ?? {};
    if (robotCode !== state.app.robotCode) return newErr(res, 400, 'robot.notExisted', 'robotCode 不存在');
    if (!Array.isArray(userIds) || !userIds.length) return newErr(res, 400, 'param.userIdsEmpty', 'userIds 不能为空');
    if (userIds.length > 20) return newErr(res, 400, 'param.userIdsExceedLimit', 'userIds 最多 20 个');
    if (typeof msgParam !== 'string') return newErr(res, 400, 'param.msgParamInvalid', 'msgParam 须为 JSON 字符串');
    const required = MSG_KEYS[msgKey as string];
    if (!required) return newErr(res, 400, 'param.msgKeyInvalid', `msgKey ${String(msgKey)} 不支持`);
    let param: Record<string, unknown>;
    try {
      param = JSON.parse(msgParam) as Record<string, unknown>;
    } catch {
      return newErr(res, 400, 'param.msgParamInvalid', 'msgParam 不是合法 JSON');
    }
    const missing = required.filter((k) => typeof param[k] !== 'string' || param[k] === '');
    if (missing.length) return newErr(res, 400, 'param.msgParamInvalid', `msgParam 缺少 ${missing.join(',')}`);
    if (msgKey === 'sampleFile' || msgKey === 'sampleImageMsg') {
      const mid = String(param.mediaId ?? param.photoURL);
      if (!state.media.has(mid) && !/^https?:/.test(mid)) return newErr(res, 400, 'param.mediaIdInvalid', 'mediaId 不存在');
    }
    const invalid: string[] = [];
    const flow: string[] = [];
    for (const u of userIds as string[]) {
      if (!state.users.has(u) || state.users.get(u)!.active === false) invalid.push(u);
      else if (state.flowControlled.has(u)) flow.push(u);
      else {
        state.robotMessages.push({ userId: u, msgKey, param });
        state.note({ userId: u, via: 'robot', msgKey, param, delivered: true });
      }
    }
    res.json({ processQueryKey: id(), invalidStaffIdList: invalid, flowControlledStaffIdList: flow });
  });

  // --- work notifications (silent drops) ---------------------------------------------------------------------
  r.post('/topapi/message/corpconversation/asyncsend_v2', json, (req, res) => {
    if (!oldAuth(req, res)) return;
    const { agent_id: agentId, userid_list: list, msg } = req.body ?? {};
    if (String(agentId) !== state.app.agentId) return oldErr(res, 40056, '不合法的agentid');
    if (typeof list !== 'string' || !list) return oldErr(res, 40035, 'userid_list 不能为空');
    const users = list.split(',');
    if (users.length > 100) return oldErr(res, 40035, 'userid_list 最多 100 个');
    if (!msg || typeof msg !== 'object' || typeof msg.msgtype !== 'string') return oldErr(res, 40035, 'msg 不合法');
    if (Buffer.byteLength(JSON.stringify(msg)) > 2048) return oldErr(res, 40035, 'msg 超过 2048 字节');
    const day = localDate(state.clock.now(), 'Asia/Shanghai'); // DingTalk's day
    const content = JSON.stringify(msg);
    for (const u of users) {
      const key = `${day}|${u}`;
      const n = state.noticeCount.get(key) ?? 0;
      const dup = state.noticeContent.has(`${key}|${content}`);
      const delivered = state.users.has(u) && !dup && n < 500;
      state.noticeCount.set(key, n + 1);
      state.noticeContent.add(`${key}|${content}`);
      state.workNotices.push({ userId: u, msg, delivered, reason: delivered ? undefined : dup ? 'identical_today' : n >= 500 ? 'daily_limit' : 'unknown_user' });
      state.note({ userId: u, via: 'work_notice', msg, delivered });
    }
    res.json({ errcode: 0, errmsg: 'ok', task_id: Math.floor(Math.random() * 1e9), request_id: id(8) });
  });

  // --- interactive cards --------------------------------------------------------------------------------------
  const stringMap = (m: unknown) => !!m && typeof m === 'object' && Object.values(m).every((v) => typeof v === 'string');
  r.post('/v1.0/card/instances/createAndDeliver', json, (req, res) => {
    if (!newAuth(req, res)) return;
    const b = req.body ?? {};
    if (!b.cardTemplateId) return newErr(res, 400, 'param.cardTemplateIdEmpty', 'cardTemplateId 不能为空');
    if (!state.templates.has(b.cardTemplateId)) return newErr(res, 400, 'template.notExisted', '卡片模板不存在');
    if (!b.outTrackId) return newErr(res, 400, 'param.outTrackIdEmpty', 'outTrackId 不能为空');
    if (!stringMap(b.cardData?.cardParamMap)) return newErr(res, 400, 'param.cardParamMapInvalid', 'cardParamMap 的值必须是字符串');
    const m = /^dtv1\.card\/\/IM_ROBOT\.(.+)$/.exec(String(b.openSpaceId ?? ''));
    if (!m) return newErr(res, 400, 'param.openSpaceIdInvalid', 'openSpaceId 不合法');
    if (b.imRobotOpenDeliverModel?.spaceType !== 'IM_ROBOT') return newErr(res, 400, 'param.deliverModelInvalid', 'imRobotOpenDeliverModel.spaceType 须为 IM_ROBOT');
    if (!['STREAM', 'HTTP'].includes(b.callbackType)) return newErr(res, 400, 'param.callbackTypeInvalid', 'callbackType 不合法');
    if (!state.users.has(m[1]!)) return newErr(res, 400, 'staffId.notExisted', '员工不存在');
    const prev = state.cards.get(b.outTrackId);
    state.cards.set(b.outTrackId, { userId: m[1]!, templateId: b.cardTemplateId, params: { ...b.cardData.cardParamMap }, updates: prev?.updates ?? 0, deliveries: (prev?.deliveries ?? 0) + 1 });
    state.note({ userId: m[1]!, via: 'card', outTrackId: b.outTrackId, delivered: true });
    res.json({ success: true, result: { outTrackId: b.outTrackId, deliverResults: [{ spaceType: 'IM_ROBOT', spaceId: m[1], success: true }] } });
  });
  r.put('/v1.0/card/instances', json, (req, res) => {
    if (!newAuth(req, res)) return;
    const b = req.body ?? {};
    if (!b.outTrackId) return newErr(res, 400, 'param.outTrackIdEmpty', 'outTrackId 不能为空');
    const card = state.cards.get(b.outTrackId);
    if (!card) return newErr(res, 400, 'card.notExisted', '卡片实例不存在');
    if (!stringMap(b.cardData?.cardParamMap)) return newErr(res, 400, 'param.cardParamMapInvalid', 'cardParamMap 的值必须是字符串');
    card.params = b.cardUpdateOptions?.updateCardDataByKey ? { ...card.params, ...b.cardData.cardParamMap } : { ...b.cardData.cardParamMap };
    card.updates += 1;
    res.json({ success: true, result: true });
  });

  // --- media --------------------------------------------------------------------------------------------------
  r.post('/media/upload', express.raw({ type: 'multipart/form-data', limit: '25mb' }), (req, res) => {
    if (!oldAuth(req, res)) return;
    const type = req.query.type;
    if (!['image', 'voice', 'video', 'file'].includes(String(type))) return oldErr(res, 40004, '不合法的媒体文件类型');
    const body = Buffer.isBuffer(req.body) ? req.body.toString('latin1') : '';
    const m = /name="media"; filename="([^"]*)"/.exec(body);
    if (!m) return oldErr(res, 40035, '缺少 media 字段');
    const mediaId = `@lA${id(10)}`;
    state.media.set(mediaId, { type: String(type), name: Buffer.from(m[1]!, 'latin1').toString('utf8'), size: body.length });
    res.json({ errcode: 0, errmsg: 'ok', type, media_id: mediaId, created_at: state.clock.now().getTime() });
  });

  // --- directory and 免登 -------------------------------------------------------------------------------------
  r.post('/topapi/v2/department/get', json, (req, res) => {
    if (!oldAuth(req, res)) return;
    const d = state.departments.get(Number(req.body?.dept_id));
    if (!d) return oldErr(res, 60003, '部门不存在');
    res.json({ errcode: 0, errmsg: 'ok', result: { dept_id: d.id, name: d.name, parent_id: d.parentId ?? undefined } });
  });
  r.post('/topapi/v2/department/listsub', json, (req, res) => {
    if (!oldAuth(req, res)) return;
    const parent = Number(req.body?.dept_id);
    if (!state.departments.has(parent)) return oldErr(res, 60003, '部门不存在');
    const result = [...state.departments.values()].filter((d) => d.parentId === parent).map((d) => ({ dept_id: d.id, name: d.name, parent_id: parent }));
    res.json({ errcode: 0, errmsg: 'ok', result });
  });
  r.post('/topapi/v2/user/list', json, (req, res) => {
    if (!oldAuth(req, res)) return;
    const dept = Number(req.body?.dept_id);
    const size = Number(req.body?.size);
    const cursor = Number(req.body?.cursor ?? 0);
    if (!(size >= 1 && size <= 100)) return oldErr(res, 40035, 'size 须为 1–100');
    const members = [...state.users.values()].filter((u) => u.dept_id_list[0] === dept || u.dept_id_list.includes(dept));
    const page = members.slice(cursor, cursor + size);
    res.json({ errcode: 0, errmsg: 'ok', result: {
      has_more: cursor + size < members.length, next_cursor: cursor + size,
      list: page.map((u) => ({ userid: u.userid, name: u.name, dept_id_list: u.dept_id_list, title: u.title, active: u.active, leader: (u.leader_in_dept ?? []).some((l) => l.dept_id === dept && l.leader) })),
    } });
  });
  r.post('/topapi/v2/user/get', json, (req, res) => {
    if (!oldAuth(req, res)) return;
    const u = state.users.get(String(req.body?.userid));
    if (!u) return oldErr(res, 60121, '找不到该用户');
    res.json({ errcode: 0, errmsg: 'ok', result: { ...u, unionid: `union_${u.userid}` } });
  });
  r.post('/topapi/v2/user/getuserinfo', json, (req, res) => {
    if (!oldAuth(req, res)) return;
    const code = state.authCodes.get(String(req.body?.code));
    if (!code || code.used || code.expiresAt < state.clock.now().getTime()) return oldErr(res, 40078, '不存在的临时授权码');
    code.used = true;
    const u = state.users.get(code.userId)!;
    res.json({ errcode: 0, errmsg: 'ok', result: { userid: u.userid, name: u.name, unionid: `union_${u.userid}` } });
  });
  return r;
}
