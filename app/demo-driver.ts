/**
 * Drives a headless sandbox from code: the API `npm run demo` (and end-to-end tests) play the story with. It starts
 * the bot exactly as `npm start` does without credentials (loadConfig → createBot), then acts as members would —
 * every message and click is a real encrypted callback — and reads what the fake WeCom received. Each action waits
 * until the bot has handled it and delivered what it caused, so a script reads like the story it tells.
 *
 *   const demo = await startSandbox();
 *   await demo.say('lixiaoming', '新客户 华夏医疗 医疗');
 *   const card = demo.lastCard('lixiaoming');
 *   await demo.click('lixiaoming', card.keys[0]!, card.taskId);
 *   await demo.advance('2h');
 *   demo.inbox('zhanghui'); // what the bot sent the supervisor, with times on the one clock
 *   await demo.stop();
 */
import { AdjustableClock } from '../app/clock';
import type { Logger } from 'pino';
import { loadConfig } from './config';
import { createBot, type Bot } from './server';
import type { Sandbox } from '../sandbox/index';
import type { AdvanceSpec } from '../sandbox/time-machine';
import { describeMessage, isCard, keysOf, mediaIdOf } from '../bot/wecom/member-view';

export interface StartOptions {
  /** Default: a free port. */
  port?: number;
  /** Default `memory://`: an in-memory embedded database, gone at stop. */
  dataDir?: string;
  /** Extra environment (never WeCom credentials: the sandbox refuses them). */
  env?: Record<string, string>;
  logLevel?: string;
  log?: Logger;
  /** Where the sandbox's clock starts (it then ticks on and the time machine moves it). Default: the wall clock. */
  start?: Date;
  /** The chat platform the members use: the WeCom sandbox (default) or the DingTalk one (fake DingTalk, Stream). */
  channel?: 'wecom' | 'dingtalk';
}

/** A message the bot sent to a member, as the member's WeCom would show it. */
export interface InboxMessage {
  /** ISO time on the one clock. */
  at: string;
  msgtype: string;
  /** `dropped`: over WeCom's per-member limit, never shown to the member. */
  status: 'delivered' | 'dropped';
  /** One readable line: the text, the card's title and description, the file name… */
  text: string;
  /** For cards: the task id and the keys of the buttons that can still be pressed. */
  taskId?: string;
  keys: string[];
  /** The message part as sent (`{content}`, the template card, …). */
  content: Record<string, unknown>;
  /** Set when the card's buttons were greyed out (the label they show instead). */
  replaceName?: string;
}

export interface DemoDriver {
  bot: Bot;
  channel: 'wecom' | 'dingtalk';
  /** The WeCom sandbox (null on DingTalk). */
  sandbox: Sandbox | null;
  /** http://127.0.0.1:PORT */
  base: string;
  /** The chat console. */
  consoleUrl: string;
  /** The one clock. */
  now(): Date;
  /** A member types in the app's chat; resolves when the bot has answered. */
  say(userId: string, text: string): Promise<void>;
  /** A member presses a button (or submit / menu item) on the card with this task id. */
  click(userId: string, eventKey: string, taskId: string, selected?: { questionKey: string; optionIds: string[] }[]): Promise<void>;
  /** Uploads a file through an upload link the bot sent (the upload page's own request). */
  upload(link: string, fileName: string, bytes: Buffer): Promise<{ status: number; body: unknown }>;
  /** Moves the one clock ('2h', '1d', '90m', 'next monday' = Monday 09:00) and runs what fell due. */
  advance(spec: AdvanceSpec): Promise<Date>;
  /** What the bot sent to this member, oldest first. */
  inbox(userId: string): InboxMessage[];
  /** The newest card the member received (optionally of this platform card type). */
  lastCard(userId: string, cardType?: string): InboxMessage | undefined;
  /** Runs inbox, outbox and timers until what is due is done. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const MIME: Record<string, string> = {
  pdf: 'application/pdf', doc: 'application/msword', xls: 'application/vnd.ms-excel', ppt: 'application/vnd.ms-powerpoint',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

export async function startSandbox(opts: StartOptions = {}): Promise<DemoDriver> {
  const env: Record<string, string> = {
    ...opts.env, PORT: String(opts.port ?? 0), LOG_LEVEL: opts.logLevel ?? 'silent', SANDBOX: opts.channel === 'dingtalk' ? 'dingtalk' : '1',
  };
  const loaded = loadConfig(env);
  const bot = await createBot({ ...loaded, dataDir: opts.dataDir ?? 'memory://' }, {
    ...(opts.log ? { log: opts.log } : {}), ...(opts.start ? { clock: new AdjustableClock(opts.start) } : {}),
  });
  if (opts.channel === 'dingtalk') return dingtalkDriver(bot);
  const sandbox = bot.sandbox;
  if (!sandbox) throw new Error('the bot did not start in sandbox mode');
  const port = await bot.start();
  const base = `http://127.0.0.1:${port}`;

  const expectAccepted = (what: string, r: { status: number; body: string }) => {
    if (r.status !== 200) throw new Error(`${what}: the callback was refused (HTTP ${r.status} ${r.body})`);
  };

  const inbox = (userId: string): InboxMessage[] => sandbox.state.botMessages(userId).map((m) => {
    const mediaId = mediaIdOf(m);
    const media = mediaId ? sandbox.state.getMedia(mediaId) : undefined;
    return {
      at: m.at, msgtype: m.msgtype, status: m.status === 'dropped' ? 'dropped' : 'delivered',
      text: describeMessage(m, media?.filename), taskId: m.taskId, keys: keysOf(m), content: m.content, replaceName: m.replaceName,
    };
  });

  const driver: DemoDriver = {
    bot, channel: 'wecom', sandbox, base, consoleUrl: sandbox.url(),
    now: () => bot.clock.now(),
    async say(userId, text) {
      expectAccepted(`say ${text}`, await sandbox.say(userId, text));
      await sandbox.settle();
    },
    async click(userId, eventKey, taskId, selected) {
      expectAccepted(`click ${eventKey}`, await sandbox.press(userId, { taskId }, eventKey, selected));
      await sandbox.settle();
    },
    upload: (link, fileName, bytes) => uploadThrough(base, link, fileName, bytes, () => sandbox.settle()),
    async advance(spec) {
      const { to } = await sandbox.moveTime(spec);
      await sandbox.settle();
      return to;
    },
    inbox,
    lastCard(userId, cardType) {
      return inbox(userId).reverse().find((m) => isCard(m, cardType));
    },
    settle: () => sandbox.settle(),
    stop: () => bot.stop(),
  };
  return driver;
}

/** The upload page's own request, for a link the bot sent. */
async function uploadThrough(base: string, link: string, fileName: string, bytes: Buffer, settle: () => Promise<void>) {
  const ext = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  const url = new URL(link);
  const res = await fetch(`${base}${url.pathname}`, {
    method: 'POST', body: bytes,
    headers: { 'content-type': MIME[ext] ?? 'application/octet-stream', 'x-file-name': encodeURIComponent(fileName) },
  });
  const body: unknown = await res.json().catch(() => null);
  await settle();
  return { status: res.status, body };
}

/** The same driver on the DingTalk sandbox: members type to the robot and press cards through the fake DingTalk. */
async function dingtalkDriver(bot: Bot): Promise<DemoDriver> {
  const dt = bot.dingtalk?.sandbox;
  if (!dt) throw new Error('the bot did not start in the DingTalk sandbox');
  const port = await bot.start();
  const base = `http://127.0.0.1:${port}`;
  const inbox = (userId: string): InboxMessage[] => dt.inbox(userId);
  return {
    bot, channel: 'dingtalk', sandbox: null, base, consoleUrl: `${base}/healthz`,
    now: () => bot.clock.now(),
    async say(userId, text) {
      await dt.say(userId, text);
      await dt.settle();
    },
    async click(userId, eventKey, taskId, selected) {
      const values = Object.fromEntries((selected ?? []).map((s) => [s.questionKey, s.optionIds[0] ?? '']));
      await dt.press(userId, taskId, eventKey, values);
      await dt.settle();
    },
    upload: (link, fileName, bytes) => uploadThrough(base, link, fileName, bytes, () => dt.settle()),
    async advance(spec) {
      const { to } = await dt.moveTime(spec);
      await dt.settle();
      return to;
    },
    inbox,
    lastCard: (userId) => inbox(userId).reverse().find((m) => m.msgtype === 'card'),
    settle: () => dt.settle(),
    stop: () => bot.stop(),
  };
}
