/**
 * Sandbox mode (沙盒模式): the whole bot without a WeCom tenant. Started by app/server.ts only when the configuration
 * says `sandbox` (no WeCom credentials, or SANDBOX=1 — never with real credentials). It adds, on the bot's own server:
 *   /sandbox/wecom   a fake WeCom API the bot's client talks to (fake-wecom.ts)
 *   /sandbox         the chat console (console-page.ts) and its JSON API (console-api.ts)
 * and seeds a demo company. Members' messages and clicks reach the bot through the real /wecom/callback, encrypted
 * and signed as WeCom does (member-callbacks.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import { isMovableClock, type TimeMachine } from '../schedulers/time-travel';
import type { CallbackCrypto } from '../bot/wecom/crypto';
import type { Clock } from '../domain/clock';
import type { ProcessDefinition } from '../domain/types';
import type { JobRunner } from '../schedulers/runner';
import type { Database } from '../store/db';
import { createConsoleRoutes } from './console-api';
import { createFakeWecomRouter } from './fake-wecom';
import { CONSOLE_PATH, FAKE_API_PATH, FAKE_OAUTH_PATH, SANDBOX_AGENT_ID, SANDBOX_CORP_ID, consoleUrl, fakeApiBase, fakeOauthBase, type SandboxConfig } from './identity';
import { createFakeOauthRouter } from './fake-oauth';
import { createMemberCallbacks, type CallbackResult, type SelectedItemInput } from '../bot/wecom/member-callbacks';
import { restoreClock, seedDemoCompany } from './seed';
import { advance, runDueJobs, type AdvanceSpec } from './time-machine';
import { FakeWecomState, type ChatMessage } from './wecom-state';

export { consoleUrl } from './identity';
export type { ChatMessage } from './wecom-state';

export interface SandboxDeps {
  config: SandboxConfig;
  database: Database;
  clock: Clock;
  runner: JobRunner;
  log: Logger;
  crypto: CallbackCrypto;
  process: ProcessDefinition;
  /** The bot's one time machine (null on the wall clock): the console's and the demo driver's jumps. */
  timeMachine: TimeMachine | null;
}

/** A request the sandbox refuses (unknown member, a button that is not on the card…). */
export class SandboxInputError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'SandboxInputError';
  }
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** The keys a member can press on this card: callback buttons, submit, and the top-right menu. */
function cardKeys(card: Obj): { buttons: Set<string>; submit: string | null; menu: Set<string> } {
  const buttons = new Set<string>();
  for (const b of Array.isArray(card.button_list) ? card.button_list as Obj[] : []) {
    if (Number(b.type ?? 0) === 0 && str(b.key)) buttons.add(str(b.key));
  }
  const submit = card.submit_button && typeof card.submit_button === 'object' ? str((card.submit_button as Obj).key) || null : null;
  const menu = new Set<string>();
  const actions = card.action_menu && typeof card.action_menu === 'object' ? (card.action_menu as Obj).action_list : undefined;
  for (const a of Array.isArray(actions) ? actions as Obj[] : []) if (str(a.key)) menu.add(str(a.key));
  return { buttons, submit, menu };
}

export function createSandbox(deps: SandboxDeps) {
  const { config, clock, runner, log } = deps;
  const state = new FakeWecomState(clock);
  const members = createMemberCallbacks({
    crypto: deps.crypto, corpId: config.corpId, agentId: config.agentId, clock,
    callbackUrl: () => `http://127.0.0.1:${config.port}/wecom/callback`,
  });

  function member(userId: string): string {
    const u = state.findUser(userId);
    if (!u) throw new SandboxInputError(404, `no member ${JSON.stringify(userId)} in the sandbox company`);
    return u.userid;
  }

  /** A member types in the app's chat. */
  async function say(userId: string, text: string): Promise<CallbackResult> {
    const id = member(userId);
    const content = text.trim();
    if (!content) throw new SandboxInputError(400, 'empty message');
    if (Buffer.byteLength(content, 'utf8') > 2048) throw new SandboxInputError(400, 'a message is at most 2048 bytes');
    state.record({ msgid: '', userId: id, from: 'user', msgtype: 'text', content: { content }, status: 'delivered' });
    return members.text(id, content);
  }

  /**
   * A member presses something on a card: a callback button, the submit button (with the selections), or an item
   * of the top-right menu. Only what the member's copy of the card shows can be pressed, and never once greyed out.
   */
  async function press(userId: string, target: { seq?: number; taskId?: string }, key: string, selected?: SelectedItemInput[]): Promise<CallbackResult> {
    const id = member(userId);
    const copies = state.log(id).filter((m) => m.msgtype === 'template_card' && m.status === 'delivered' && m.taskId);
    const card: ChatMessage | undefined = target.seq !== undefined
      ? copies.find((m) => m.seq === target.seq)
      : [...copies].reverse().find((m) => m.taskId === target.taskId);
    if (!card) throw new SandboxInputError(404, 'no such card in this member\'s chat');
    const keys = cardKeys(card.content);
    const isMenu = keys.menu.has(key);
    if (!isMenu && card.replaceName) throw new SandboxInputError(409, `the card's buttons were replaced by “${card.replaceName}”`);
    if (!isMenu && !keys.buttons.has(key) && keys.submit !== key) throw new SandboxInputError(400, `the card has no button with key ${JSON.stringify(key)}`);
    const event = {
      eventKey: key, taskId: card.taskId!, cardType: str(card.content.card_type),
      responseCode: state.issueResponseCode(card.taskId!, [id]),
    };
    return isMenu ? members.menuEvent(id, event) : members.cardEvent(id, { ...event, selected });
  }

  async function moveTime(spec: AdvanceSpec) {
    return advance(deps.timeMachine, spec, config.tz);
  }

  const router = express.Router();
  router.use(FAKE_API_PATH, createFakeWecomRouter({ state }));
  router.use(FAKE_OAUTH_PATH, createFakeOauthRouter({ state, corpId: config.corpId }));
  router.use(CONSOLE_PATH, createConsoleRoutes({ database: deps.database, state, config, say, press, moveTime, log }));

  return {
    router,
    state,
    members,
    say,
    press,
    moveTime,
    /** Runs inbox and outbox (and timers) until idle: what a click or message caused has been sent. */
    settle: () => runDueJobs(runner),
    /** Before the server listens: the time machine's position from the last run, then the demo company. */
    async prepare(): Promise<void> {
      if (isMovableClock(clock)) await restoreClock(deps.database.db, clock);
      await seedDemoCompany(deps.database, clock, deps.process, log);
    },
    url: () => consoleUrl(config.port),
  };
}

export type Sandbox = ReturnType<typeof createSandbox>;

/** A free TCP port on this machine (the fake API's base URL must name the port before the server listens). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The sandbox configuration completed for a port: PORT=0 becomes a free port, and the WeCom client is pointed at
 * this server's fake API. A configuration with real credentials is never turned into a sandbox here.
 */
export async function withSandboxPort<C extends SandboxConfig>(config: C): Promise<C> {
  if (!config.sandbox) return config;
  if (config.corpId !== SANDBOX_CORP_ID || config.agentId !== SANDBOX_AGENT_ID) {
    throw new Error('sandbox mode runs only with the sandbox app, never with real WeCom credentials');
  }
  const port = config.port || (await freePort());
  return { ...config, port, apiBase: fakeApiBase(port), oauthBase: fakeOauthBase(port) };
}
