/**
 * What the fake WeCom remembers, in memory for the life of the process: issued access tokens, every message it
 * received per member (delivered, silently dropped over the per-member limit, or refused with an errcode), task ids,
 * response codes, uploaded media and OAuth codes. Times come from the one clock, so the time machine moves WeCom too.
 */
import { randomBytes } from 'node:crypto';
import { DEMO_DEPARTMENTS, DEMO_USERS, type DemoDepartment, type DemoUser } from './demo-company';

export type MessageStatus = 'delivered' | 'dropped' | 'rejected';

export interface ChatMessage {
  /** Order across the whole sandbox. */
  seq: number;
  /** WeCom's msgid (shared by the copies of one message/send to several members). */
  msgid: string;
  userId: string;
  /** `bot`: sent through message/send; `user`: what the member typed in the console. */
  from: 'bot' | 'user';
  /** ISO time on the one clock. */
  at: string;
  msgtype: string;
  /** The message part as sent: `{content}` for text, the card for template_card, `{media_id}` for file… */
  content: Record<string, unknown>;
  status: MessageStatus;
  /** For `rejected`: what WeCom answered. */
  errcode?: number;
  errmsg?: string;
  taskId?: string;
  /** Set when update_template_card greyed out the buttons (button.replace_name). */
  replaceName?: string;
  updatedAt?: string;
}

export interface StoredMedia {
  mediaId: string;
  type: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  createdAt: Date;
}

interface ResponseCodeEntry {
  taskId: string;
  /** Whose copies a card update may change by default (the clicker for a click code). */
  userIds: string[];
  used: boolean;
  issuedAt: number;
}

/** Response codes live 72 h (wecom-api.md §3.5). */
export const RESPONSE_CODE_TTL_MS = 72 * 3_600_000;
/** Per app, to one member: 30 a minute and 1000 an hour; beyond that WeCom drops silently (§4.1). */
export const MEMBER_LIMITS = { perMinute: 30, perHour: 1000 };
const MAX_LOG_PER_USER = 2000;

export class FakeWecomState {
  readonly departments: readonly DemoDepartment[] = DEMO_DEPARTMENTS;
  readonly users: readonly DemoUser[] = DEMO_USERS;
  private readonly tokens = new Set<string>();
  private readonly logs = new Map<string, ChatMessage[]>();
  private readonly taskIds = new Set<string>();
  private readonly responseCodes = new Map<string, ResponseCodeEntry>();
  private readonly media = new Map<string, StoredMedia>();
  private readonly oauthCodes = new Map<string, { userId: string; expiresAt: number }>();
  private seq = 0;
  private msgSeq = 0;
  /** Bumped on every change; the console polls it. */
  version = 0;

  constructor(private readonly clock: { now(): Date }) {}

  now(): Date {
    return this.clock.now();
  }

  // --- tokens -----------------------------------------------------------------------------------------------
  issueToken(): string {
    const token = `sbx_${randomBytes(24).toString('hex')}`;
    this.tokens.add(token);
    return token;
  }

  isToken(token: string): boolean {
    return this.tokens.has(token);
  }

  /** Invalidates every token (WeCom may do so early); the next call answers 40014. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  // --- directory ----------------------------------------------------------------------------------------------
  /** WeCom compares userids case-insensitively. */
  findUser(userId: string): DemoUser | undefined {
    const lower = userId.toLowerCase();
    return this.users.find((u) => u.userid.toLowerCase() === lower);
  }

  // --- messages -----------------------------------------------------------------------------------------------
  nextMsgId(): string {
    this.msgSeq += 1;
    return `sbxmsg${Date.now().toString(36)}${this.msgSeq.toString(36)}`;
  }

  log(userId: string): ChatMessage[] {
    return this.logs.get(userId) ?? [];
  }

  /** Messages the bot sent to this member (delivered or dropped; not the refused ones). */
  botMessages(userId: string): ChatMessage[] {
    return this.log(userId).filter((m) => m.from === 'bot' && m.status !== 'rejected');
  }

  record(message: Omit<ChatMessage, 'seq' | 'at'> & { at?: string }): ChatMessage {
    const full: ChatMessage = { ...message, seq: ++this.seq, at: message.at ?? this.now().toISOString() };
    const list = this.logs.get(full.userId) ?? [];
    list.push(full);
    if (list.length > MAX_LOG_PER_USER) list.splice(0, list.length - MAX_LOG_PER_USER);
    this.logs.set(full.userId, list);
    this.version++;
    return full;
  }

  /**
   * Whether one more app message to this member fits WeCom's per-member limit now. Only delivered messages
   * count: the limit is on what reaches the member.
   */
  withinMemberLimit(userId: string): boolean {
    const now = this.now().getTime();
    let minute = 0;
    let hour = 0;
    for (const m of this.log(userId)) {
      if (m.from !== 'bot' || m.status !== 'delivered') continue;
      const age = now - Date.parse(m.at);
      if (age < 0) continue;
      if (age < 60_000) minute++;
      if (age < 3_600_000) hour++;
    }
    return minute < MEMBER_LIMITS.perMinute && hour < MEMBER_LIMITS.perHour;
  }

  // --- template cards -----------------------------------------------------------------------------------------
  hasTaskId(taskId: string): boolean {
    return this.taskIds.has(taskId);
  }

  addTaskId(taskId: string): void {
    this.taskIds.add(taskId);
  }

  issueResponseCode(taskId: string, userIds: string[]): string {
    const code = `RC${randomBytes(12).toString('hex')}`;
    this.responseCodes.set(code, { taskId, userIds, used: false, issuedAt: this.now().getTime() });
    return code;
  }

  /**
   * Takes a response code for one update: 'unknown' (never issued or expired), 'used' (single use), or the
   * task it belongs to.
   */
  consumeResponseCode(code: string): { status: 'unknown' } | { status: 'used' } | { status: 'ok'; taskId: string; userIds: string[] } {
    const entry = this.responseCodes.get(code);
    if (!entry || this.now().getTime() - entry.issuedAt > RESPONSE_CODE_TTL_MS) return { status: 'unknown' };
    if (entry.used) return { status: 'used' };
    entry.used = true;
    return { status: 'ok', taskId: entry.taskId, userIds: entry.userIds };
  }

  /** Every member's copy of the card with this task id. */
  cardCopies(taskId: string): ChatMessage[] {
    const out: ChatMessage[] = [];
    for (const list of this.logs.values()) for (const m of list) if (m.taskId === taskId && m.msgtype === 'template_card') out.push(m);
    return out;
  }

  findMessage(userId: string, seq: number): ChatMessage | undefined {
    return this.log(userId).find((m) => m.seq === seq);
  }

  touch(message: ChatMessage): void {
    message.updatedAt = this.now().toISOString();
    this.version++;
  }

  // --- media --------------------------------------------------------------------------------------------------
  addMedia(input: Omit<StoredMedia, 'mediaId' | 'createdAt'>): StoredMedia {
    const stored: StoredMedia = { ...input, mediaId: `sbxmedia_${randomBytes(16).toString('hex')}`, createdAt: this.now() };
    this.media.set(stored.mediaId, stored);
    return stored;
  }

  /** media_id is valid for 3 days (wecom-api.md §3.7). */
  getMedia(mediaId: string): StoredMedia | undefined {
    const m = this.media.get(mediaId);
    if (!m || this.now().getTime() - m.createdAt.getTime() > 3 * 24 * 3_600_000) return undefined;
    return m;
  }

  // --- OAuth (auth/getuserinfo) -------------------------------------------------------------------------------
  /** A code as WeCom's OAuth redirect would carry it: single use, valid 5 minutes. */
  issueOauthCode(userId: string): string {
    const code = `sbxcode_${randomBytes(12).toString('hex')}`;
    this.oauthCodes.set(code, { userId, expiresAt: Date.now() + 5 * 60_000 });
    return code;
  }

  consumeOauthCode(code: string): string | null {
    const entry = this.oauthCodes.get(code);
    this.oauthCodes.delete(code);
    if (!entry || entry.expiresAt < Date.now()) return null;
    return entry.userId;
  }
}
