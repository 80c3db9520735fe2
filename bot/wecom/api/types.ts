/**
 * Public types of the WeCom REST client. Our side is camelCase; WeCom wire names (`touser`,
 * `response_code`, …) appear only in the files of bot/wecom/api that build or read request bodies.
 */

/** The subset of a pino logger we use; a pino `Logger` satisfies it. Never pass it a token or secret. */
export interface ApiLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type MediaType = 'image' | 'voice' | 'video' | 'file';

export interface FetchedToken {
  accessToken: string;
  /** Seconds, as WeCom reports it (normally 7200). */
  expiresIn: number;
}

export interface SendResult {
  msgId?: string;
  /** Only for button/vote/multiple interaction cards: single use, valid 72 h, for update_template_card. */
  responseCode?: string;
  /** Recipients WeCom refused (outside the app's visible range); WeCom lowercases them. */
  invalidUser: string[];
  invalidParty: string[];
  invalidTag: string[];
  /** Recipients without an interface licence (接口许可). */
  unlicensedUser: string[];
}

/** Low-level message/send body, in WeCom wire names; `agentid` is added by the client. */
export interface SendMessageBody {
  msgtype: string;
  touser?: string;
  toparty?: string;
  totag?: string;
  [field: string]: unknown;
}

export interface TextCard {
  title: string;
  description: string;
  url: string;
  /** At most 4 characters; WeCom shows 详情 when omitted. */
  btntxt?: string;
}

export interface NewsArticle {
  title: string;
  description?: string;
  url?: string;
  picUrl?: string;
  appId?: string;
  pagePath?: string;
}

export interface UpdateTemplateCardArgs {
  userIds?: string[];
  partyIds?: number[];
  tagIds?: number[];
  /** Update every recipient's copy. */
  atAll?: boolean;
  /** From message/send or from the click callback; single use, 72 h. */
  responseCode: string;
  /** Full replacement card (any of the five card types). Exactly one of card / replaceName. */
  card?: Record<string, unknown>;
  /** Grey the buttons out with this text. Exactly one of card / replaceName. */
  replaceName?: string;
}

export interface UploadedMedia {
  mediaId: string;
  /** Unix seconds, as WeCom reports it; media ids live 3 days. */
  createdAt: number;
}

export interface WecomUser {
  userId: string;
  name: string;
  department: number[];
  mainDepartment?: number;
  directLeader: string[];
  position?: string;
  /** 1 active, 2 disabled, 4 not activated, 5 quit. */
  status?: number;
}

export interface WecomDepartment {
  id: number;
  name: string;
  parentId: number;
  order: number;
}

export interface WecomClient {
  /** gettoken; used by the token provider. Callers normally never need it. */
  getToken(): Promise<FetchedToken>;
  sendMessage(body: SendMessageBody): Promise<SendResult>;
  sendText(toUserIds: string[], content: string): Promise<SendResult>;
  sendMarkdown(toUserIds: string[], content: string): Promise<SendResult>;
  sendTextCard(toUserIds: string[], card: TextCard): Promise<SendResult>;
  sendFile(toUserIds: string[], mediaId: string): Promise<SendResult>;
  sendNews(toUserIds: string[], articles: NewsArticle[]): Promise<SendResult>;
  sendTemplateCard(toUserIds: string[], card: Record<string, unknown>): Promise<SendResult>;
  updateTemplateCard(args: UpdateTemplateCardArgs): Promise<void>;
  uploadMedia(type: MediaType, filename: string, data: Buffer, contentType?: string): Promise<UploadedMedia>;
  getUser(userId: string): Promise<WecomUser>;
  listDepartments(id?: number): Promise<WecomDepartment[]>;
  listDepartmentUsers(departmentId: number): Promise<WecomUser[]>;
  /** OAuth2 (snsapi_base) code → the member's userid; null for a visitor who is not a member of the corp. */
  getUserIdByCode(code: string): Promise<string | null>;
}
