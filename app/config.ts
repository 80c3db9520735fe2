/**
 * Configuration from the environment, validated with zod. Fails fast, naming the variable. Secrets are never
 * logged: `redactedConfig()` is what the start-up log prints.
 */
import { DEFAULT_BUSINESS_ZONE, isValidZone } from '../domain/business-time';
import path from 'node:path';
import { z } from 'zod';
import type { ChannelName } from '../bot/channel';
import { DINGTALK_CREDENTIAL_VARS, DingtalkConfigError, loadDingtalkConfig, redactDingtalk, sandboxDingtalkConfig, type DingtalkConfig } from '../bot/dingtalk/config';
import { SANDBOX_ADMIN_TOKEN, SANDBOX_AES_KEY, SANDBOX_AGENT_ID, SANDBOX_CORP_ID, SANDBOX_SECRET, SANDBOX_TOKEN, WECOM_CREDENTIAL_VARS, fakeApiBase, fakeOauthBase } from '../sandbox/identity';

const optionalUrl = z.string().trim().optional().transform((v) => (v ? v : undefined));

const schema = z.object({
  WECOM_CORP_ID: z.string().trim().min(1, 'is required (企业ID, from 我的企业 → 企业信息)'),
  WECOM_AGENT_ID: z.string().trim().regex(/^\d+$/, 'must be the numeric AgentId of the self-built app'),
  WECOM_SECRET: z.string().trim().min(1, 'is required (the app’s Secret)'),
  WECOM_TOKEN: z.string().trim().regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1–32 letters or digits (接收消息 → Token)'),
  WECOM_ENCODING_AES_KEY: z.string().trim().regex(/^[A-Za-z0-9]{43}$/, 'must be exactly 43 letters or digits (EncodingAESKey)'),
  WECOM_API_BASE: z.string().trim().url('must be a URL').default('https://qyapi.weixin.qq.com'),
  WECOM_OAUTH_BASE: z.string().trim().url('must be a URL').default('https://open.weixin.qq.com'),
  DATABASE_URL: optionalUrl,
  DATA_DIR: z.string().trim().default('./data'),
  REDIS_URL: optionalUrl,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ADMIN_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  TZ: z.string().trim().optional(),
  BUSINESS_TZ: z.string().trim().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CALLBACK_MAX_SKEW_SEC: z.coerce.number().int().min(0).default(300),
  INBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  PUBLIC_BASE_URL: optionalUrl,
  PROCESS_CONFIG: z.string().trim().optional(),
  ALLOW_TIME_TRAVEL: z.enum(['0', '1', '']).optional().transform((v) => v === '1'),
  ORG_SYNC_ON_START: z.enum(['0', '1'], 'must be 0 or 1').default('1').transform((v) => v === '1'),
  TOKEN_SIGNING_KEYS: z.string().trim().optional().transform((v) => (v ? v.split(',').map((k) => k.trim()).filter(Boolean) : undefined))
    .refine((keys) => !keys || keys.every((k) => k.length >= 32), 'every key must be at least 32 characters (comma-separated; the first signs)'),
  METRICS_LISTEN: z.string().trim().regex(/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464').optional(),
  SANDBOX: z.enum(['0', '1', 'dingtalk'], 'must be 0, 1 or dingtalk (1: the built-in sandbox of the CHANNEL; dingtalk: the DingTalk one; 0: never)').optional(),
  CHANNEL: z.enum(['wecom', 'dingtalk'], 'must be wecom or dingtalk').default('wecom'),
});

export type Config = {
  /** The chat platform this instance serves (CHANNEL; absent = wecom). With dingtalk the WeCom fields are empty. */
  channel?: ChannelName;
  /** CHANNEL=dingtalk: the DingTalk app (bot/dingtalk/config.ts). */
  dingtalk?: DingtalkConfig;
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
  apiBase: string;
  /** WeCom OAuth2 authorize base (the dashboard's sign-in inside WeCom); the sandbox points it elsewhere. */
  oauthBase?: string;
  databaseUrl?: string;
  dataDir: string;
  redisUrl?: string;
  port: number;
  adminToken?: string;
  tz: string;
  logLevel: string;
  callbackMaxSkewSec: number;
  inboxMaxAttempts: number;
  outboxMaxAttempts: number;
  publicBaseUrl?: string;
  processConfig: string;
  allowTimeTravel: boolean;
  /** Sync offices, people and supervisors from WeCom's directory once at start (in the background). */
  orgSyncOnStart: boolean;
  /** `host:port` for a separate, unauthenticated /metrics listener; unset: /metrics on PORT behind ADMIN_TOKEN. */
  metricsListen?: string;
  /** Keys for signed links and sessions (usecases/signed-token.ts); the first signs, all verify. Unset: derived from the secrets. */
  tokenSigningKeys?: string[];
  /** Sandbox mode (sandbox/): fake WeCom app and API on this server, demo company, time machine. Never with real credentials. */
  sandbox?: boolean;
};

export class ConfigError extends Error {}

/**
 * Sandbox mode (README "Try it without WeCom"): all five WeCom variables unset (unless SANDBOX=0), or SANDBOX=1.
 * SANDBOX=1 next to real credentials refuses to start: the sandbox never runs with real credentials.
 */
function sandboxMode(present: Record<string, string | undefined>): boolean {
  const set = WECOM_CREDENTIAL_VARS.filter((k) => present[k] !== undefined);
  if (present.SANDBOX === '1' && set.length) {
    throw new ConfigError(`SANDBOX=1 but WeCom credentials are set (${set.join(', ')}). The sandbox never runs with real ` +
      'credentials: unset SANDBOX to run against WeCom, or unset the WeCom variables to try the sandbox.');
  }
  return set.length === 0 && present.SANDBOX !== '0';
}

/** What the sandbox changes unless the environment says otherwise: admin API open with a known token, time machine on, no directory sync. */
const sandboxDefaults = (present: Record<string, string | undefined>) => ({
  ADMIN_TOKEN: SANDBOX_ADMIN_TOKEN, ALLOW_TIME_TRAVEL: '1', ORG_SYNC_ON_START: '0', SANDBOX: present.SANDBOX ?? '1',
});

/** The sandbox's fixed fake app (sandbox/identity.ts); the WeCom client is pointed at this server's fake API. */
const sandboxCredentials = () => ({
  WECOM_CORP_ID: SANDBOX_CORP_ID, WECOM_AGENT_ID: String(SANDBOX_AGENT_ID), WECOM_SECRET: SANDBOX_SECRET,
  WECOM_TOKEN: SANDBOX_TOKEN, WECOM_ENCODING_AES_KEY: SANDBOX_AES_KEY,
});

/** The business time zone: BUSINESS_TZ, else TZ, else Asia/Shanghai; must be an IANA zone (see business-time.ts). */
function businessTz(businessTzVar: string | undefined, tzVar: string | undefined): string {
  const tz = businessTzVar ?? tzVar ?? DEFAULT_BUSINESS_ZONE;
  if (!isValidZone(tz)) {
    throw new ConfigError(`Invalid configuration (see .env.example):\n  ${businessTzVar ? 'BUSINESS_TZ' : 'TZ'} must be an IANA time zone such as Asia/Shanghai (got "${tz}")`);
  }
  return tz;
}

const WECOM_KEYS = { WECOM_CORP_ID: true, WECOM_AGENT_ID: true, WECOM_SECRET: true, WECOM_TOKEN: true, WECOM_ENCODING_AES_KEY: true, WECOM_API_BASE: true, WECOM_OAUTH_BASE: true } as const;

function invalid(issues: { path: PropertyKey[]; message: string }[]): ConfigError {
  const lines = issues.map((i) => `  ${String(i.path[0] ?? '?')} ${i.message}`);
  return new ConfigError(`Invalid configuration (see .env.example):\n${lines.join('\n')}`);
}

/**
 * CHANNEL=dingtalk (or SANDBOX=dingtalk): the WeCom variables are not read. Sandbox when SANDBOX=dingtalk, or when
 * neither DINGTALK_CLIENT_ID nor DINGTALK_CLIENT_SECRET is set (unless SANDBOX=0); never next to real credentials.
 */
function loadDingtalkChannel(present: Record<string, string | undefined>, cwd: string): Config {
  const set = DINGTALK_CREDENTIAL_VARS.filter((k) => present[k] !== undefined);
  if ((present.SANDBOX === 'dingtalk' || present.SANDBOX === '1') && set.length) {
    throw new ConfigError(`SANDBOX=${present.SANDBOX} but DingTalk credentials are set (${set.join(', ')}). The sandbox never runs with real ` +
      'credentials: unset SANDBOX to run against DingTalk, or unset the DingTalk variables to try the sandbox.');
  }
  const sandbox = present.SANDBOX === 'dingtalk' || (set.length === 0 && present.SANDBOX !== '0');
  const parsed = schema.omit(WECOM_KEYS).safeParse(sandbox ? { ...sandboxDefaults(present), ...present } : present);
  let dingtalk: DingtalkConfig | undefined;
  let dingtalkError: string[] = [];
  try {
    dingtalk = sandbox ? sandboxDingtalkConfig() : loadDingtalkConfig(present);
  } catch (err) {
    if (!(err instanceof DingtalkConfigError)) throw err;
    dingtalkError = err.message.split('\n').slice(1).map((l) => l.trim());
  }
  if (!parsed.success || dingtalkError.length) {
    const issues = [...(parsed.success ? [] : parsed.error.issues),
      ...dingtalkError.map((l) => ({ path: [l.split(' ')[0] ?? '?'], message: l.split(' ').slice(1).join(' ') }))];
    throw invalid(issues);
  }
  const e = parsed.data;
  return {
    channel: 'dingtalk', dingtalk,
    // The app's secrets key the signed links and sessions (uploadKey, dashboardKeys): DingTalk's stand in for WeCom's.
    corpId: '', agentId: 0, secret: dingtalk!.clientSecret, token: '', encodingAesKey: dingtalk!.eventAesKey ?? '', apiBase: '',
    databaseUrl: e.DATABASE_URL, dataDir: path.resolve(cwd, e.DATA_DIR), redisUrl: e.REDIS_URL, port: e.PORT, adminToken: e.ADMIN_TOKEN,
    tz: businessTz(e.BUSINESS_TZ, e.TZ), logLevel: e.LOG_LEVEL, callbackMaxSkewSec: e.CALLBACK_MAX_SKEW_SEC, inboxMaxAttempts: e.INBOX_MAX_ATTEMPTS,
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS, publicBaseUrl: e.PUBLIC_BASE_URL,
    processConfig: path.resolve(cwd, e.PROCESS_CONFIG ?? 'config/process.yaml'), allowTimeTravel: e.ALLOW_TIME_TRAVEL,
    orgSyncOnStart: e.ORG_SYNC_ON_START, sandbox,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // An empty value (`PORT=` in a .env file) means "not set", so the default applies.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  if (present.CHANNEL === 'dingtalk' || present.SANDBOX === 'dingtalk') return loadDingtalkChannel(present, cwd);
  const sandbox = sandboxMode(present);
  const parsed = schema.safeParse(sandbox ? { ...sandboxDefaults(present), ...present, ...sandboxCredentials() } : present);
  if (!parsed.success) throw invalid(parsed.error.issues);
  const e = parsed.data;
  return {
    channel: 'wecom',
    corpId: e.WECOM_CORP_ID,
    agentId: Number(e.WECOM_AGENT_ID),
    secret: e.WECOM_SECRET,
    token: e.WECOM_TOKEN,
    encodingAesKey: e.WECOM_ENCODING_AES_KEY,
    apiBase: sandbox ? fakeApiBase(e.PORT) : e.WECOM_API_BASE.replace(/\/+$/, ''),
    oauthBase: sandbox ? fakeOauthBase(e.PORT) : e.WECOM_OAUTH_BASE.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    redisUrl: e.REDIS_URL,
    port: e.PORT,
    adminToken: e.ADMIN_TOKEN,
    tz: businessTz(e.BUSINESS_TZ, e.TZ),
    logLevel: e.LOG_LEVEL,
    callbackMaxSkewSec: e.CALLBACK_MAX_SKEW_SEC,
    inboxMaxAttempts: e.INBOX_MAX_ATTEMPTS,
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    processConfig: path.resolve(cwd, e.PROCESS_CONFIG ?? 'config/process.yaml'),
    allowTimeTravel: e.ALLOW_TIME_TRAVEL,
    orgSyncOnStart: e.ORG_SYNC_ON_START,
    metricsListen: e.METRICS_LISTEN,
    tokenSigningKeys: e.TOKEN_SIGNING_KEYS,
    sandbox,
  };
}

/** The configuration as it may appear in logs: secrets replaced, URLs without credentials. */
export function redactedConfig(c: Config): Record<string, unknown> {
  const stripAuth = (u?: string) => (u ? u.replace(/\/\/[^@/]*@/, '//***@') : undefined);
  return {
    ...c,
    secret: '***', token: '***', encodingAesKey: '***', adminToken: c.adminToken ? '***' : undefined,
    databaseUrl: stripAuth(c.databaseUrl), redisUrl: stripAuth(c.redisUrl),
    dingtalk: c.dingtalk ? redactDingtalk(c.dingtalk) : undefined,
  };
}
