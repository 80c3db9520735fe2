/**
 * The sandbox's fake WeCom app: fixed, documented, obviously not real values. They exist so the bot's real code
 * paths (token fetch, callback signature and AES, receiveid check) run unchanged against the built-in fake API.
 * None of them works against the real WeCom, and the sandbox refuses to start when real credentials are set.
 */

/** Looks like a CorpID (ww…) but says what it is. */
export const SANDBOX_CORP_ID = 'wwsandbox000001';
export const SANDBOX_AGENT_ID = 1000002;
export const SANDBOX_SECRET = 'sandbox-secret-not-a-real-wecom-secret';
/** 接收消息 Token: letters and digits, ≤ 32. */
export const SANDBOX_TOKEN = 'SandboxToken2024';
/** 43 letters/digits; Base64-decodes (with "=") to the 32-byte AES key. */
export const SANDBOX_AES_KEY = 'SandboxAesKey000000000000000000000000000000';
/** Opens the admin API (`/api/*`) in the sandbox only, when ADMIN_TOKEN is not set. */
export const SANDBOX_ADMIN_TOKEN = 'sandbox-admin-token-0001';
/** Where the fake WeCom API is mounted on the bot's own server. */
export const FAKE_API_PATH = '/sandbox/wecom';
export const CONSOLE_PATH = '/sandbox';
/** Where the fake OAuth2 authorize page (open.weixin.qq.com/connect/oauth2/authorize) is mounted. */
export const FAKE_OAUTH_PATH = '/sandbox/oauth';

/** The five WeCom variables: all unset (or SANDBOX=1) means sandbox mode. */
export const WECOM_CREDENTIAL_VARS = [
  'WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY',
] as const;

/** The fake API base the bot's WeCom client is pointed at (the bot's own server). */
export function fakeApiBase(port: number): string {
  return `http://127.0.0.1:${port}${FAKE_API_PATH}`;
}

/** The fake OAuth2 base (WECOM_OAUTH_BASE in the sandbox): a page where you pick who signs in. */
export function fakeOauthBase(port: number): string {
  return `http://127.0.0.1:${port}${FAKE_OAUTH_PATH}`;
}

export function consoleUrl(port: number): string {
  return `http://localhost:${port}${CONSOLE_PATH}`;
}

/** What the sandbox reads of the app's configuration (app/config.ts Config has all of it). */
export interface SandboxConfig {
  sandbox?: boolean;
  corpId: string;
  agentId: number;
  port: number;
  tz: string;
  apiBase: string;
  oauthBase?: string;
}
