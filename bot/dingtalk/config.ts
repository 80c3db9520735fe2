/**
 * DingTalk (钉钉) configuration from the environment, validated with zod. Ready to be merged into app/config.ts:
 * `CHANNEL=dingtalk` selects it. Fails fast naming the variable; secrets are never logged (`redactDingtalk`).
 * Facts: shared/docs/dingtalk-api.md §1 (credentials), §3/§4 (receive modes).
 */
import { z } from 'zod';

export const CHANNELS = ['wecom', 'dingtalk'] as const;

const trimmed = z.string().trim();
const optional = trimmed.optional().transform((v) => (v ? v : undefined));

export const dingtalkEnvSchema = z.object({
  CHANNEL: z.enum(CHANNELS, 'must be wecom or dingtalk').default('wecom'),
  DINGTALK_CLIENT_ID: trimmed.min(1, 'is required (ClientID / AppKey, 开发者后台 → 应用 → 凭证与基础信息)'),
  DINGTALK_CLIENT_SECRET: trimmed.min(1, 'is required (ClientSecret / AppSecret). Never logged.'),
  /** For an internal app the robotCode equals the ClientID; defaults to it. */
  DINGTALK_ROBOT_CODE: optional,
  DINGTALK_AGENT_ID: trimmed.regex(/^\d+$/, 'must be the numeric AgentId (needed for work notifications 工作通知)').optional(),
  DINGTALK_CORP_ID: trimmed.regex(/^ding[0-9a-zA-Z]+$/, 'must be the CorpId (starts with "ding"; needed for 免登)').optional(),
  DINGTALK_RECEIVE_MODE: z.enum(['stream', 'http'], 'must be stream or http').default('stream'),
  DINGTALK_API_BASE: trimmed.url('must be a URL').default('https://api.dingtalk.com'),
  DINGTALK_OAPI_BASE: trimmed.url('must be a URL').default('https://oapi.dingtalk.com'),
  /** HTTP event subscription (事件订阅) Token and aes_key: required only with DINGTALK_RECEIVE_MODE=http. */
  DINGTALK_EVENT_TOKEN: optional,
  DINGTALK_EVENT_AES_KEY: trimmed.regex(/^[A-Za-z0-9]{43}$/, 'must be exactly 43 letters or digits (加密 aes_key)').optional(),
  /** 互动卡片 template id from the card platform (xxxx.schema); unset → ActionCard/markdown fallback. */
  DINGTALK_CARD_TEMPLATE_ID: optional,
  /** Monthly quota of metered API calls (free/standard plan: 10000); 0 disables the warning. */
  DINGTALK_MONTHLY_QUOTA: z.coerce.number().int().min(0).default(10_000),
  /** Send alerts as 工作通知 when the robot reports the member flow-controlled (needs DINGTALK_AGENT_ID). */
  DINGTALK_WORK_NOTICE_FALLBACK: z.enum(['0', '1'], 'must be 0 or 1').default('1').transform((v) => v === '1'),
});

export interface DingtalkConfig {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  agentId?: string;
  corpId?: string;
  receiveMode: 'stream' | 'http';
  apiBase: string;
  oapiBase: string;
  eventToken?: string;
  eventAesKey?: string;
  cardTemplateId?: string;
  monthlyQuota: number;
  workNoticeFallback: boolean;
}

export class DingtalkConfigError extends Error {}

/** Both unset (and SANDBOX≠0) means the DingTalk sandbox. */
export const DINGTALK_CREDENTIAL_VARS = ['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET'] as const;

/** The sandbox's fake DingTalk app (the same values as bot/dingtalk/fake FAKE_APP); bases are set when the fake starts. */
export function sandboxDingtalkConfig(): DingtalkConfig {
  return {
    clientId: 'dingfakeclientid0001', clientSecret: 'fake-client-secret-0001', robotCode: 'dingfakeclientid0001', agentId: '3000001',
    corpId: 'dingfakecorp0001', receiveMode: 'stream', apiBase: 'http://127.0.0.1:0', oapiBase: 'http://127.0.0.1:0',
    cardTemplateId: 'sandbox-sales-card.schema', monthlyQuota: 10_000, workNoticeFallback: true,
  };
}

/** The channel the environment asks for (default wecom); only CHANNEL is read. */
export function channelFromEnv(env: NodeJS.ProcessEnv = process.env): 'wecom' | 'dingtalk' {
  const v = env.CHANNEL?.trim();
  if (!v) return 'wecom';
  if (v !== 'wecom' && v !== 'dingtalk') throw new DingtalkConfigError(`Invalid configuration (see .env.example):\n  CHANNEL must be wecom or dingtalk`);
  return v;
}

export function loadDingtalkConfig(env: NodeJS.ProcessEnv = process.env): DingtalkConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = dingtalkEnvSchema.safeParse(present);
  const lines = parsed.success ? [] : parsed.error.issues.map((i) => `  ${String(i.path[0] ?? '?')} ${i.message}`);
  if (parsed.success && parsed.data.DINGTALK_RECEIVE_MODE === 'http') {
    if (!parsed.data.DINGTALK_EVENT_TOKEN) lines.push('  DINGTALK_EVENT_TOKEN is required with DINGTALK_RECEIVE_MODE=http (事件订阅 → 加密 token)');
    if (!parsed.data.DINGTALK_EVENT_AES_KEY) lines.push('  DINGTALK_EVENT_AES_KEY is required with DINGTALK_RECEIVE_MODE=http (事件订阅 → 加密 aes_key)');
  }
  if (!parsed.success || lines.length) throw new DingtalkConfigError(`Invalid configuration (see .env.example):\n${lines.join('\n')}`);
  const e = parsed.data;
  return {
    clientId: e.DINGTALK_CLIENT_ID,
    clientSecret: e.DINGTALK_CLIENT_SECRET,
    robotCode: e.DINGTALK_ROBOT_CODE ?? e.DINGTALK_CLIENT_ID,
    agentId: e.DINGTALK_AGENT_ID,
    corpId: e.DINGTALK_CORP_ID,
    receiveMode: e.DINGTALK_RECEIVE_MODE,
    apiBase: e.DINGTALK_API_BASE.replace(/\/+$/, ''),
    oapiBase: e.DINGTALK_OAPI_BASE.replace(/\/+$/, ''),
    eventToken: e.DINGTALK_EVENT_TOKEN,
    eventAesKey: e.DINGTALK_EVENT_AES_KEY,
    cardTemplateId: e.DINGTALK_CARD_TEMPLATE_ID,
    monthlyQuota: e.DINGTALK_MONTHLY_QUOTA,
    workNoticeFallback: e.DINGTALK_WORK_NOTICE_FALLBACK && !!e.DINGTALK_AGENT_ID,
  };
}

/** The configuration as it may appear in logs. */
export function redactDingtalk(c: DingtalkConfig): Record<string, unknown> {
  return { ...c, clientSecret: '***', eventToken: c.eventToken ? '***' : undefined, eventAesKey: c.eventAesKey ? '***' : undefined };
}
