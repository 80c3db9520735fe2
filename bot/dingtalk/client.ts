/**
 * The DingTalk REST client: what the channel, directory sync and sign-in call. Wire names appear only here and
 * in the renderer. Paths and limits: dingtalk-api.md §6 (sending), §7 (cards), §8 (directory), §9 (免登), media §6.
 */
import { DingtalkApiError, DingtalkPayloadError } from './errors';
import type { CallRunner } from './http';

export interface BatchSendResult {
  processQueryKey?: string;
  invalidStaffIdList: string[];
  flowControlledStaffIdList: string[];
}

export interface CardDelivery {
  cardTemplateId: string;
  outTrackId: string;
  cardParamMap: Record<string, string>;
  /** 1:1 chat with the robot. */
  userId: string;
  callbackType: 'STREAM' | 'HTTP';
  callbackRouteKey?: string;
}

export interface DingtalkUser {
  userId: string;
  name: string;
  deptIds: number[];
  managerUserId?: string;
  leaderInDept: { deptId: number; leader: boolean }[];
  title?: string;
  active: boolean;
  unionId?: string;
}

export interface DingtalkDepartment { id: number; name: string; parentId: number | null }

export type MediaKind = 'image' | 'voice' | 'video' | 'file';

/** batchSend accepts at most 20 userIds a call (§6). */
export const BATCH_SEND_MAX = 20;
/** Work notifications: userid_list ≤ 100, msg ≤ 2048 bytes (§6). */
export const WORK_NOTICE_MAX_USERS = 100;
export const WORK_NOTICE_MAX_BYTES = 2048;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export function createDingtalkClient(runner: CallRunner, app: { robotCode: string; agentId?: string }) {
  return {
    /** Robot 1:1 messages (人与机器人会话). */
    async batchSendOto(userIds: string[], msgKey: string, msgParam: Record<string, unknown>): Promise<BatchSendResult> {
      if (!userIds.length || userIds.length > BATCH_SEND_MAX) throw new DingtalkPayloadError(`batchSend takes 1–${BATCH_SEND_MAX} userIds, got ${userIds.length}`);
      const r = await runner.call<Record<string, unknown>>({
        family: 'api', method: 'POST', path: '/v1.0/robot/oToMessages/batchSend', effectful: true,
        data: { robotCode: app.robotCode, userIds, msgKey, msgParam: JSON.stringify(msgParam) },
      });
      return {
        processQueryKey: r.processQueryKey as string | undefined,
        invalidStaffIdList: strings(r.invalidStaffIdList), flowControlledStaffIdList: strings(r.flowControlledStaffIdList),
      };
    },

    /** 工作通知 (asyncsend_v2). Over DingTalk's limits the call still succeeds and nothing arrives: see work-notice.ts. */
    async sendWorkNotice(userIds: string[], msg: Record<string, unknown>): Promise<{ taskId: string }> {
      if (!app.agentId) throw new DingtalkPayloadError('DINGTALK_AGENT_ID is not set: work notifications are off');
      if (!userIds.length || userIds.length > WORK_NOTICE_MAX_USERS) throw new DingtalkPayloadError(`work notice takes 1–${WORK_NOTICE_MAX_USERS} users`);
      const bytes = Buffer.byteLength(JSON.stringify(msg));
      if (bytes > WORK_NOTICE_MAX_BYTES) throw new DingtalkPayloadError(`work notice message is ${bytes} bytes (max ${WORK_NOTICE_MAX_BYTES})`);
      const r = await runner.call<{ task_id?: number | string }>({
        family: 'oapi', method: 'POST', path: '/topapi/message/corpconversation/asyncsend_v2', effectful: true,
        data: { agent_id: Number(app.agentId), userid_list: userIds.join(','), msg },
      });
      return { taskId: String(r.task_id ?? '') };
    },

    /** Interactive card (互动卡片) into the 1:1 robot chat; outTrackId is the key for every later update. */
    async createAndDeliverCard(d: CardDelivery): Promise<void> {
      await runner.call({
        family: 'api', method: 'POST', path: '/v1.0/card/instances/createAndDeliver', effectful: true,
        data: {
          cardTemplateId: d.cardTemplateId, outTrackId: d.outTrackId, callbackType: d.callbackType,
          ...(d.callbackRouteKey ? { callbackRouteKey: d.callbackRouteKey } : {}),
          cardData: { cardParamMap: d.cardParamMap },
          openSpaceId: `dtv1.card//IM_ROBOT.${d.userId}`,
          imRobotOpenSpaceModel: { supportForward: false },
          imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: app.robotCode },
          userIdType: 1,
        },
      });
    },

    /** Updates a card in place (public data, by key). */
    async updateCard(outTrackId: string, cardParamMap: Record<string, string>): Promise<void> {
      await runner.call({
        family: 'api', method: 'PUT', path: '/v1.0/card/instances',
        data: { outTrackId, cardData: { cardParamMap }, cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true } },
      });
    },

    /**
     * Whether a card instance with this outTrackId exists: an update that changes nothing (no keys, by key).
     * A re-sent card row asks this first, since createAndDeliver with a known outTrackId delivers the card again.
     */
    async cardExists(outTrackId: string): Promise<boolean> {
      try {
        await runner.call({
          family: 'api', method: 'PUT', path: '/v1.0/card/instances',
          data: { outTrackId, cardData: { cardParamMap: {} }, cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true } },
        });
        return true;
      } catch (err) {
        if (err instanceof DingtalkApiError && /not\.?exist|notfound/i.test(err.code)) return false;
        throw err;
      }
    },

    /** media/upload (multipart field `media`); DingTalk media ids do not expire. */
    async uploadMedia(type: MediaKind, filename: string, data: Buffer, contentType = 'application/octet-stream'): Promise<string> {
      const r = await runner.call<{ media_id?: string }>({
        family: 'oapi', method: 'POST', path: '/media/upload', params: { type }, effectful: true,
        data: () => {
          const form = new FormData();
          form.append('media', new Blob([new Uint8Array(data)], { type: contentType }), filename);
          return form;
        },
      });
      if (!r.media_id) throw new DingtalkApiError('oapi', 200, 'no_media_id', 'media/upload returned no media_id', '/media/upload');
      return r.media_id;
    },

    // --- Directory (old API, POST JSON) -----------------------------------------------------------------------
    async listSubDepartments(deptId: number): Promise<DingtalkDepartment[]> {
      const r = await runner.call<{ result?: { dept_id: number; name: string; parent_id?: number }[] }>({
        family: 'oapi', method: 'POST', path: '/topapi/v2/department/listsub', data: { dept_id: deptId },
      });
      return (r.result ?? []).map((d) => ({ id: Number(d.dept_id), name: String(d.name), parentId: d.parent_id ?? deptId }));
    },

    async getDepartment(deptId: number): Promise<DingtalkDepartment> {
      const r = await runner.call<{ result?: { dept_id: number; name: string; parent_id?: number } }>({
        family: 'oapi', method: 'POST', path: '/topapi/v2/department/get', data: { dept_id: deptId },
      });
      return { id: deptId, name: String(r.result?.name ?? ''), parentId: r.result?.parent_id ?? null };
    },

    /** Direct members of one department, all pages. */
    async listDepartmentUsers(deptId: number): Promise<DingtalkUser[]> {
      const out: DingtalkUser[] = [];
      let cursor = 0;
      for (let page = 0; page < 1000; page++) {
        const r = await runner.call<{ result?: { has_more?: boolean; next_cursor?: number; list?: Record<string, unknown>[] } }>({
          family: 'oapi', method: 'POST', path: '/topapi/v2/user/list', data: { dept_id: deptId, cursor, size: 100 },
        });
        for (const u of r.result?.list ?? []) out.push(toUser(u, deptId));
        if (!r.result?.has_more) break;
        cursor = Number(r.result.next_cursor ?? 0);
      }
      return out;
    },

    /** One member with manager_userid (直属主管). */
    async getUser(userId: string): Promise<DingtalkUser> {
      const r = await runner.call<{ result?: Record<string, unknown> }>({
        family: 'oapi', method: 'POST', path: '/topapi/v2/user/get', data: { userid: userId, language: 'zh_CN' },
      });
      return toUser(r.result ?? { userid: userId });
    },

    /** 免登: requestAuthCode's code (5 min, single use) → the member's userid; null when DingTalk refuses the code. */
    async userIdByAuthCode(code: string): Promise<string | null> {
      try {
        const r = await runner.call<{ result?: { userid?: string } }>({
          family: 'oapi', method: 'POST', path: '/topapi/v2/user/getuserinfo', data: { code },
        });
        return r.result?.userid ?? null;
      } catch (err) {
        if (err instanceof DingtalkApiError && err.family === 'oapi' && !['-1', '15', '88', '90020'].includes(err.code)) return null;
        throw err;
      }
    },
  };
}

export type DingtalkClient = ReturnType<typeof createDingtalkClient>;

/** `listedIn`: user/list answers `leader` for the department being listed instead of leader_in_dept. */
function toUser(u: Record<string, unknown>, listedIn?: number): DingtalkUser {
  const leaders = Array.isArray(u.leader_in_dept) ? (u.leader_in_dept as { dept_id: number; leader: boolean }[]) : [];
  if (listedIn !== undefined && typeof u.leader === 'boolean') leaders.push({ dept_id: listedIn, leader: u.leader });
  return {
    userId: String(u.userid ?? ''),
    name: String(u.name ?? ''),
    deptIds: Array.isArray(u.dept_id_list) ? (u.dept_id_list as unknown[]).map(Number) : [],
    managerUserId: typeof u.manager_userid === 'string' && u.manager_userid ? u.manager_userid : undefined,
    leaderInDept: leaders.map((l) => ({ deptId: Number(l.dept_id), leader: !!l.leader })),
    title: typeof u.title === 'string' ? u.title : undefined,
    active: u.active !== false,
    unionId: typeof u.unionid === 'string' ? u.unionid : undefined,
  };
}
