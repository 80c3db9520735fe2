/**
 * The DingTalk sandbox (SANDBOX=dingtalk): the fake DingTalk (bot/dingtalk/fake) on a loopback port, its directory
 * the demo company, and what members do there — type to the robot (a Stream frame), press a card button (a card
 * callback frame with the card's current version), read their chat. Each action resolves once the bot stored it
 * (the frame is acknowledged); the caller then settles the workers.
 */
import { parseFallbackAction } from '../bot/dingtalk/renderer';
import { startFakeDingtalk, type FakeDingtalk } from '../bot/dingtalk/fake';
import type { FakeChatEntry } from '../bot/dingtalk/fake/state';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock';
import type { ProcessDefinition } from '../domain/types';
import type { JobRunner } from '../schedulers/runner';
import { isMovableClock, type TimeMachine } from '../schedulers/time-travel';
import type { Database } from '../store/db';
import { restoreClock, seedDemoCompany } from './seed';
import { advance, runDueJobs, type AdvanceSpec } from './time-machine';
import { DEMO_COMPANY_NAME, DEMO_DEPARTMENTS, DEMO_USERS } from './demo-company';

export const SANDBOX_DINGTALK_TEMPLATE = 'sandbox-sales-card.schema';

export async function startSandboxDingtalk(clock: Clock): Promise<FakeDingtalk> {
  const supervisors = new Set(DEMO_USERS.map((u) => u.leader).filter(Boolean));
  return startFakeDingtalk({
    clock, templates: [SANDBOX_DINGTALK_TEMPLATE], redeliverMs: 60_000,
    departments: DEMO_DEPARTMENTS.map((d) => ({ id: d.id, name: d.id === 1 ? DEMO_COMPANY_NAME : d.name, parentId: d.parentid || null })),
    users: DEMO_USERS.map((u) => ({
      userid: u.userid, name: u.name, dept_id_list: [u.department], title: u.position, manager_userid: u.leader ?? undefined,
      leader_in_dept: supervisors.has(u.userid) ? [{ dept_id: u.department, leader: true }] : [],
    })),
  });
}

/** A message as the member's DingTalk shows it (the same shape as the WeCom sandbox's InboxMessage). */
export interface DingtalkInboxMessage {
  at: string;
  msgtype: string;
  status: 'delivered' | 'dropped';
  text: string;
  /** Cards: the card id (outTrackId) and the keys that can still be pressed. */
  taskId?: string;
  keys: string[];
  content: Record<string, unknown>;
  replaceName?: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function fallbackKeys(param: Record<string, unknown>): { cardId?: string; keys: string[] } {
  const keys: string[] = [];
  let cardId: string | undefined;
  for (const m of JSON.stringify(param).matchAll(/dtmd:\/\/dingtalkclient\/sendMessage\?content=([^)"\\]+)/g)) {
    const a = parseFallbackAction(decodeURIComponent(m[1]!));
    if (a) {
      cardId = a.cardId;
      keys.push(a.key);
    }
  }
  return { cardId, keys };
}

export function describeDingtalk(fake: FakeDingtalk, e: FakeChatEntry): DingtalkInboxMessage {
  const base = { at: e.at, status: e.delivered ? 'delivered' as const : 'dropped' as const, keys: [] as string[] };
  if (e.via === 'card') {
    const p = fake.state.cards.get(e.outTrackId!)?.params ?? {};
    const fields = (() => {
      try {
        return (JSON.parse(p.fields ?? '[]') as { label: string; value: string }[]).map((f) => `${f.label}:${f.value}`).join('，');
      } catch {
        return '';
      }
    })();
    const keys = [1, 2, 3, 4].filter((n) => p[`btn${n}_show`] === 'true').map((n) => p[`btn${n}_action`]!)
      .concat(p.has_select === 'true' && p.select_submit_action ? [p.select_submit_action] : []);
    return {
      ...base, msgtype: 'card', taskId: e.outTrackId, keys, content: p, replaceName: p.status || undefined,
      text: [`[card] ${p.title ?? ''}`, p.subtitle, fields, p.note, p.status ? `（${p.status}）` : ''].filter(Boolean).join(' · '),
    };
  }
  if (e.via === 'work_notice') {
    const m = e.msg ?? {};
    const body = (m[str(m.msgtype)] ?? {}) as Record<string, unknown>;
    return { ...base, msgtype: str(m.msgtype), content: m, text: `[工作通知] ${str(body.content ?? body.text ?? body.title)}` };
  }
  const p = e.param ?? {};
  switch (e.msgKey) {
    case 'sampleText':
      return { ...base, msgtype: 'text', content: p, text: str(p.content) };
    case 'sampleMarkdown':
    case 'sampleActionCard':
    case 'sampleActionCard2':
    case 'sampleActionCard3':
    case 'sampleActionCard4':
    case 'sampleActionCard5': {
      const { cardId, keys } = fallbackKeys(p);
      return { ...base, msgtype: cardId ? 'card' : 'markdown', taskId: cardId, keys, content: p, text: `${str(p.title)}\n${str(p.text)}` };
    }
    case 'sampleFile': {
      const name = str(p.fileName);
      return { ...base, msgtype: 'file', content: p, text: `[file] ${name}` };
    }
    case 'sampleImageMsg':
      return { ...base, msgtype: 'image', content: p, text: `[image] ${fake.state.media.get(str(p.photoURL))?.name ?? str(p.photoURL)}` };
    case 'sampleLink':
      return { ...base, msgtype: 'link', content: p, text: `${str(p.title)} — ${str(p.text)} ${str(p.messageUrl)}` };
    default:
      return { ...base, msgtype: str(e.msgKey), content: p, text: `[${str(e.msgKey)}]` };
  }
}

export class DingtalkSandboxError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** What members do in the DingTalk sandbox. Every action resolves when the bot acknowledged the frame. */
export function createDingtalkMembers(fake: FakeDingtalk) {
  let n = 0;
  async function acked(messageId: string) {
    const deadline = Date.now() + 10_000;
    while (!fake.gateway.acked(messageId)) {
      if (Date.now() > deadline) throw new DingtalkSandboxError(504, 'the bot did not acknowledge the frame within 10 s (is the Stream connection up?)');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  function member(userId: string) {
    if (!fake.state.users.has(userId)) throw new DingtalkSandboxError(404, `no member ${JSON.stringify(userId)} in the sandbox company`);
    return userId;
  }
  const inbox = (userId: string) => fake.state.chat.filter((e) => e.userId === userId).map((e) => describeDingtalk(fake, e));

  async function say(userId: string, text: string): Promise<void> {
    const id = member(userId);
    const content = text.trim();
    if (!content) throw new DingtalkSandboxError(400, 'empty message');
    const now = fake.state.clock.now().getTime();
    n += 1;
    await acked(fake.gateway.pushRobotMessage({
      msgId: `sandbox${now}${n}`, msgtype: 'text', text: { content }, senderStaffId: id, senderNick: fake.state.users.get(id)!.name,
      conversationType: '1', createAt: now, robotCode: fake.state.app.robotCode, senderCorpId: fake.state.app.corpId,
    }));
  }

  /** Presses a button (or a select's submit with `values`) on the newest copy of the card the member can see. */
  async function press(userId: string, cardId: string, key: string, values: Record<string, string> = {}): Promise<void> {
    const id = member(userId);
    const copy = [...inbox(id)].reverse().find((m) => m.taskId === cardId);
    if (!copy) throw new DingtalkSandboxError(404, 'no such card in this member\'s chat');
    if (copy.replaceName) throw new DingtalkSandboxError(409, `the card is closed (“${copy.replaceName}”)`);
    if (!copy.keys.includes(key)) throw new DingtalkSandboxError(400, `the card has no button with key ${JSON.stringify(key)}`);
    if (copy.content.nonce !== undefined) {
      await acked(fake.gateway.pushCardCallback({
        outTrackId: cardId, userId: id, corpId: fake.state.app.corpId, spaceType: 'IM_ROBOT', spaceId: id,
        content: JSON.stringify({ cardPrivateData: { actionIds: [key], params: { action: key, v: copy.content.nonce, ...values } } }),
      }));
      return;
    }
    // A fallback card: the member's client sends the link's text to the robot.
    const link = JSON.stringify(copy.content).match(/dtmd:\/\/dingtalkclient\/sendMessage\?content=([^)"\\]+)/g) ?? [];
    const text = link.map((l) => decodeURIComponent(l.split('content=')[1]!)).find((t) => parseFallbackAction(t)?.key === key);
    if (!text) throw new DingtalkSandboxError(400, `the card has no button with key ${JSON.stringify(key)}`);
    await say(id, text);
  }

  return { say, press, inbox };
}

export interface DingtalkSandboxDeps {
  database: Database;
  /** The bot's one time machine (null on the wall clock). */
  timeMachine: TimeMachine | null;
  clock: Clock;
  runner: JobRunner;
  log: Logger;
  process: ProcessDefinition;
  tz: string;
  fake: FakeDingtalk;
}

/**
 * The DingTalk sandbox's surface for the demo driver and tests (the WeCom sandbox's say/press/moveTime/settle):
 * the demo company seeded into the bot's database, members acting through the fake, the time machine.
 */
export function createDingtalkSandbox(deps: DingtalkSandboxDeps) {
  const members = createDingtalkMembers(deps.fake);
  const { clock, runner, database } = deps;
  return {
    fake: deps.fake,
    ...members,
    moveTime: (spec: AdvanceSpec) => advance(deps.timeMachine, spec, deps.tz),
    /** Runs inbox, outbox and timers until idle. */
    settle: () => runDueJobs(runner),
    /** Before the bot starts: the time machine's position from the last run, then the demo company. */
    async prepare(): Promise<void> {
      if (isMovableClock(clock)) await restoreClock(database.db, clock as Parameters<typeof restoreClock>[1]);
      await seedDemoCompany(database, clock, deps.process, deps.log);
    },
  };
}

export type DingtalkSandbox = ReturnType<typeof createDingtalkSandbox>;
