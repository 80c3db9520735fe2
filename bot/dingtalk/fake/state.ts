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

/** What a member's DingTalk shows, in order: robot messages, work notices and interactive cards. */
export interface FakeChatEntry {
  seq: number;
  /** ISO time on the fake's clock. */
  at: string;
  userId: string;
  via: 'robot' | 'work_notice' | 'card';
  msgKey?: string;
  param?: Record<string, unknown>;
  /** Work notice body. */
  msg?: Record<string, unknown>;
  /** Interactive card: its outTrackId (the current content is in `cards`). */
  outTrackId?: string;
  /** False when DingTalk would drop it silently (work notices). */
  delivered: boolean;
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
  failNext: { path: string; times: number; status: number; body: unknown; after?: boolean }[];
  robotMessages: { userId: string; msgKey: string; param: Record<string, unknown> }[];
  workNotices: { userId: string; msg: unknown; delivered: boolean; reason?: string }[];
  noticeCount: Map<string, number>;
  noticeContent: Set<string>;
  cards: Map<string, { userId: string; templateId: string; params: Record<string, string>; updates: number; deliveries: number }>;
  media: Map<string, { type: string; name: string; size: number }>;
  authCodes: Map<string, { userId: string; expiresAt: number; used: boolean }>;
  flowControlled: Set<string>;
  chat: FakeChatEntry[];
  /** Appends to `chat` with the next seq and the fake clock's time. */
  note(entry: Omit<FakeChatEntry, 'seq' | 'at'>): void;
}

export function createFakeState(app: FakeApp, clock: Clock): FakeDingtalkState {
  const chat: FakeChatEntry[] = [];
  return {
    chat, note: (e) => void chat.push({ ...e, seq: chat.length + 1, at: clock.now().toISOString() }),
    app, clock, users: new Map(), departments: new Map([[1, { id: 1, name: '示例公司', parentId: null }]]), templates: new Set(),
    tokens: new Set(), tokensIssued: 0, calls: [], rejects: [], failNext: [], robotMessages: [], workNotices: [],
    noticeCount: new Map(), noticeContent: new Set(), cards: new Map(), media: new Map(), authCodes: new Map(), flowControlled: new Set(),
  };
}
