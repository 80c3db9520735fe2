/** What the fake DingTalk knows and records (tests and the sandbox read it). */
import type { Clock } from '../../../domain/clock';

export interface FakeUser {
  userid: string;
  name: string;
  dept_id_list: number[];
  manager_userid?: string;
  title?: string;
  active?: boolean;
  leader_in_dept?: { dept_id: number; leader: boolean }[];
}

export interface FakeApp { clientId: string; clientSecret: string; robotCode: string; agentId: string; corpId: string }

export interface FakeDingtalkState {
  app: FakeApp;
  clock: Clock;
  users: Map<string, FakeUser>;
  departments: Map<number, { id: number; name: string; parentId: number | null }>;
  templates: Set<string>;
  tokens: Set<string>;
  tokensIssued: number;
  calls: { family: 'api' | 'oapi'; path: string }[];
  rejects: { code: string; message: string }[];
  failNext: { path: string; times: number; status: number; body: unknown }[];
  robotMessages: { userId: string; msgKey: string; param: Record<string, unknown> }[];
  workNotices: { userId: string; msg: unknown; delivered: boolean; reason?: string }[];
  noticeCount: Map<string, number>;
  noticeContent: Set<string>;
  cards: Map<string, { userId: string; templateId: string; params: Record<string, string>; updates: number; deliveries: number }>;
  media: Map<string, { type: string; name: string; size: number }>;
  authCodes: Map<string, { userId: string; expiresAt: number; used: boolean }>;
  flowControlled: Set<string>;
}

export function createFakeState(app: FakeApp, clock: Clock): FakeDingtalkState {
  return {
    app, clock, users: new Map(), departments: new Map([[1, { id: 1, name: '示例公司', parentId: null }]]), templates: new Set(),
    tokens: new Set(), tokensIssued: 0, calls: [], rejects: [], failNext: [], robotMessages: [], workNotices: [],
    noticeCount: new Map(), noticeContent: new Set(), cards: new Map(), media: new Map(), authCodes: new Map(), flowControlled: new Set(),
  };
}
