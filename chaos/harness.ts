/**
 * The pieces a chaos scenario is made of: the real server as a child process (`node dist/app/main.js`,
 * killable with SIGKILL), its storage (a fresh PGlite directory, or a fresh PostgreSQL database with Redis db 13),
 * and a WeCom-like callback sender (encrypted, signed, 5 s timeout, resends what was not acknowledged).
 * Loopback only; every wait is bounded.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createCallbackCrypto } from '../bot/wecom/crypto';
import { createMemberCallbacks } from '../bot/wecom/member-callbacks';

export const CORP_ID = 'wwchaoscorp001';
export const TOKEN = 'ChaosToken1';
export const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
export const ADMIN_TOKEN = 'chaos-admin-token-000001';
const ROOT = path.resolve(__dirname, '..');
const PG_ADMIN_URL = process.env.CHAOS_PG_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** A Redis database of its own, so flushing it never touches anyone else's keys. */
export const CHAOS_REDIS_URL = process.env.CHAOS_REDIS_URL ?? 'redis://127.0.0.1:6379/13';

export type Mode = 'pglite' | 'postgres';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Storage { env: Record<string, string>; dispose(): Promise<void> }

export async function createStorage(mode: Mode, name: string): Promise<Storage> {
  if (mode === 'pglite') {
    const dir = path.join(ROOT, '.chaos', `${name}-${randomBytes(3).toString('hex')}`);
    fs.mkdirSync(dir, { recursive: true });
    return { env: { DATA_DIR: dir }, dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const { Client } = await import('pg');
  const db = `chaos_${name.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${db}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${db}`;
  return {
    env: { DATABASE_URL: url.toString(), REDIS_URL: CHAOS_REDIS_URL },
    async dispose() {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${db} with (force)`);
      await c.end();
    },
  };
}

export interface ServerProcess { port: number; child: ChildProcess; readyAt: number; kill9(): void; stop(): Promise<void> }

/** Compiles to dist/ when a source is newer (the same check as `npm start`): a compiled server restarts fast. */
export function ensureBuilt(): void {
  execFileSync(process.execPath, ['scripts/build-if-needed.js'], { cwd: ROOT, stdio: 'inherit' });
}

/** Starts the real server and waits (≤ 120 s: from source on a loaded machine) until /healthz answers. */
export async function startServer(port: number, apiPort: number, storage: Storage, compiled = true): Promise<ServerProcess> {
  // The test suite runs from source (no build step inside a test); `npm run chaos` runs the compiled server.
  const entry = compiled ? ['dist/app/main.js'] : ['-r', 'ts-node/register/transpile-only', 'app/main.ts'];
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', USER: process.env.USER ?? '',
      ...(process.env.PGUSER ? { PGUSER: process.env.PGUSER } : {}),
      WECOM_CORP_ID: CORP_ID, WECOM_AGENT_ID: '1000002', WECOM_SECRET: 'chaos-secret', WECOM_TOKEN: TOKEN,
      WECOM_ENCODING_AES_KEY: AES_KEY, WECOM_API_BASE: `http://127.0.0.1:${apiPort}`, PORT: String(port),
      ADMIN_TOKEN, LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'silent', ORG_SYNC_ON_START: '0', SANDBOX: '0',
      ...storage.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} during start`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('server did not become ready within 120 s');
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port, child, readyAt: Date.now(),
    kill9: () => child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export interface Message { i: number; user: string; msgId: string; text: string; acked: boolean; ackedAt?: number }

export function makeMessages(prefix: string, n: number): Message[] {
  const base = 7_000_000_000_000_000_000n + BigInt(randomBytes(6).readUIntBE(0, 6)) * 1000n;
  return Array.from({ length: n }, (_, i) => ({
    i, user: `${prefix}${i}`, msgId: (base + BigInt(i)).toString(), text: `今天天气怎么样 ${i}`, acked: false,
  }));
}

/** The member's side of WeCom (bot/wecom/member-callbacks.ts) pointed at the chaos server on `port`. */
function members(port: number) {
  return createMemberCallbacks({
    crypto: createCallbackCrypto({ token: TOKEN, encodingAesKey: AES_KEY, corpId: CORP_ID }), corpId: CORP_ID, agentId: 1000002,
    clock: { now: () => new Date() }, // WeCom's own clock: CreateTime as the platform stamps it
    callbackUrl: () => `http://127.0.0.1:${port}/wecom/callback`,
  });
}

/** One WeCom delivery attempt of a callback: sealed, signed, same MsgId on every attempt, 5 s timeout. True when answered 200. */
export async function deliverCallback(port: number, m: Message): Promise<boolean> {
  try {
    return (await members(port).text(m.user, m.text, { msgId: m.msgId, timeoutMs: 5000 })).status === 200;
  } catch {
    return false;
  }
}

/** Sends messages with `lanes` in parallel; `onAck` after each acknowledgement (a scenario may kill the server there). */
export async function burst(port: number, list: Message[], lanes: number, onAck?: (acked: number) => void): Promise<void> {
  let next = 0;
  let acked = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < list.length) {
      const m = list[next++]!;
      if (await deliverCallback(port, m)) {
        m.acked = true;
        m.ackedAt ??= Date.now();
        onAck?.(++acked);
      }
    }
  }));
}

/** WeCom's resend: every message not acknowledged yet, up to `rounds` rounds one second apart. */
export async function resendUnacked(port: number, list: Message[], rounds = 4): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const rest = list.filter((m) => !m.acked);
    if (!rest.length) return;
    await burst(port, rest, 16);
    await sleep(1000);
  }
}

/** Inbox rows handled (done), read through the admin API. */
export async function handledCount(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/inbox?status=done&limit=1000`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(5000),
  });
  return ((await res.json()) as { items: unknown[] }).items.length;
}
