/**
 * Cards about one customer: the stage card, the supervisor's stage-change notice, and the choice card offered when
 * a name matches several customers.
 *
 * Safe by design (issue 14): the stage card has ONE main button — the next forward stage. Everything else (退回 to
 * an earlier stage, 已签约, 丢单) sits in one select with a submit button, and the irreversible outcomes ask again
 * (已签约: a second tap on the same card; 丢单: a reason). Built so it maps onto the neutral card model
 * (bot/channel.ts CardModel): fields, a note, buttons with keys, one select with its submit button.
 */
import { randomBytes } from 'node:crypto';
import type { CardButton, CardModel, OutMessage } from '../domain/messages';
import { clip, MAX_INDUSTRY_CHARS, MAX_NAME_CHARS } from '../domain/text-normalize';
import { TEXTS_ZH } from '../domain/texts.zh';
import type { StageDef } from '../domain/types';
import { ACTION, STAGE_SELECT, NO_CHOICE } from './action-keys';
import { cardTexts as T } from './customer-texts';

export interface CustomerFacts {
  id: number;
  name: string;
  version: number;
  stage: StageDef;
  ownerName: string;
  stageEnteredAt: Date;
  industry?: string | null;
  officeName?: string | null;
}

/** A task the move just opened, folded into the card so one command gets one reply. */
export interface CardTask {
  name: string;
  dueAt: Date;
  /** How to deliver it, one or two short lines. */
  howTo: string;
}

/** What the rep may do from here: the next stage forward, and the rest (backward stages and outcomes). */
export interface StageChoices {
  forward: StageDef | null;
  others: StageDef[];
}

/** A card id: unique per card, [A-Za-z0-9_-], well under every platform's limit. */
export function newTaskId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

const stageText = (s: StageDef) => (s.order !== undefined ? `${s.order}. ${s.name}` : s.name);
const cut = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

/** The label of an option in the select: 退回 for earlier stages, the outcome's name for outcomes. */
export function optionLabel(current: StageDef, s: StageDef): string {
  if (s.outcome === 'won') return T.optionWon(s.name);
  if (s.outcome === 'lost') return T.optionLost(s.name);
  if ((s.order ?? 0) < (current.order ?? 0)) return T.optionBack(s.name);
  return T.optionForward(s.name);
}

function facts(c: CustomerFacts, now: Date) {
  return [
    { label: '当前阶段', value: stageText(c.stage) },
    { label: '负责人', value: c.ownerName },
    { label: '本阶段已停留', value: TEXTS_ZH.formatElapsed(now.getTime() - c.stageEnteredAt.getTime()) },
    ...(c.industry ? [{ label: '行业', value: clip(c.industry, MAX_INDUSTRY_CHARS) }] : []),
  ];
}

/**
 * The customer's stage card: where it stands; the next forward stage as the main button; the rest in a select.
 * `taskId` keeps a card's id when it replaces itself in place after a click.
 */
export function stageCard(c: CustomerFacts, choices: StageChoices, now: Date,
  opts: { headline?: string; tasks?: readonly CardTask[]; taskId?: string; extra?: { text: string; key: string }[] } = {}): CardModel {
  const base = {
    id: opts.taskId ?? newTaskId(`cust${c.id}`),
    source: '销售流程助手',
    title: clip(c.name, MAX_NAME_CHARS),
    subtitle: cut(opts.headline ?? `当前阶段：${stageText(c.stage)}`, 40),
    fields: facts(c, now),
    ...(opts.tasks?.length ? { quote: taskQuote(opts.tasks) } : {}),
  };
  if (c.stage.outcome) {
    return { ...base, note: T.closed, buttons: [{ label: '查看', style: 'default', key: ACTION.show(c.id) }] };
  }
  const buttons: CardButton[] = choices.forward
    ? [{ label: cut(T.forwardButton(choices.forward.name), 12), style: 'primary', key: ACTION.move(c.id, choices.forward.key, c.version) }]
    : [];
  const options = choices.others.slice(0, 9).map((s) => ({ id: s.key, label: cut(optionLabel(c.stage, s), 16) }));
  const more: CardButton = { label: T.moreButton, style: 'default', key: ACTION.pick(c.id, c.version) };
  if (options.length) buttons.push(more);
  // Extra actions (e.g. 资料包) after the stage buttons, only on a card that has stage buttons.
  if (buttons.length) buttons.push(...(opts.extra ?? []).slice(0, 4).map((x) => ({ label: cut(x.text, 10), style: 'default' as const, key: x.key })));
  if (!buttons.length) buttons.push({ label: '查看', style: 'default', key: ACTION.show(c.id) });
  return {
    ...base,
    note: choices.forward ? T.forwardHint(choices.forward.name) : T.noForward,
    ...(options.length ? {
      select: { key: STAGE_SELECT, label: T.selectTitle, options: [{ id: NO_CHOICE, label: T.selectPlaceholder }, ...options], defaultId: NO_CHOICE, submit: more },
    } : {}),
    buttons,
  };
}

/** The tasks a command opened, as the card's quote: one with its how-to; several each on a line, with its deadline. */
function taskQuote(tasks: readonly CardTask[]): { title: string; text: string } {
  const due = (t: CardTask) => TEXTS_ZH.formatTime(t.dueAt);
  if (tasks.length === 1) return { title: cut(T.taskTitle(tasks[0]!.name, due(tasks[0]!)), 40), text: cut(tasks[0]!.howTo, 200) };
  return {
    title: cut(T.tasksTitle(tasks.length), 40),
    text: cut(tasks.map((t, i) => `${i + 1}. ${T.taskLine(t.name, due(t))}：${cut(t.howTo, 50)}`).join('\n'), 280),
  };
}

/** The same card, asking for the second tap before an irreversible 已签约. */
export function confirmWinCard(c: CustomerFacts, won: StageDef, now: Date, taskId: string): CardModel {
  return {
    id: taskId,
    source: '销售流程助手',
    tone: 'alert',
    title: clip(c.name, MAX_NAME_CHARS),
    subtitle: cut(T.confirmWinTitle(won.name), 40),
    fields: facts(c, now),
    note: T.confirmWinHint(c.name, won.name),
    buttons: [
      { label: cut(T.confirmWinButton(won.name), 12), style: 'primary', key: ACTION.confirm(c.id, won.key, c.version) },
      { label: '取消', style: 'default', key: ACTION.show(c.id) },
    ],
  };
}

/** After a click that ended the card's use: the result, with one button to see the customer again. */
export function stageCardDone(c: CustomerFacts, line: string, now: Date, taskId?: string): CardModel {
  return {
    id: taskId ?? newTaskId(`cust${c.id}`),
    source: '销售流程助手',
    title: cut(c.name, 26),
    subtitle: cut(line, 40),
    fields: facts(c, now),
    note: cut(line, 112),
    buttons: [{ label: '查看客户', style: 'default', key: ACTION.show(c.id) }],
  };
}

/**
 * The direct supervisor's notice of a change (R1): customer, from → to, rep, time in the previous stage. With a
 * public address it opens the customer's page; without one (PUBLIC_BASE_URL unset) it carries a 查看客户 button
 * that shows the stage card in chat, never a link to nowhere.
 */
export function stageChangeNotice(input: {
  customer: { id: number; name: string }; from: StageDef; to: StageDef; repName: string; actorName: string;
  dwellMs: number; at: Date; override?: { reason: string }; link: string | null;
}): OutMessage {
  const backward = !input.to.outcome && (input.to.order ?? 0) < (input.from.order ?? 0);
  const name = clip(input.customer.name, MAX_NAME_CHARS);
  const title = input.override ? `【强制推进】${name}` : backward ? `【阶段退回】${name}` : `【阶段变更】${name}`;
  return {
    type: 'card',
    card: {
      id: newTaskId(`note${input.customer.id}`),
      source: '销售流程助手',
      tone: input.override || backward ? 'alert' : 'neutral',
      title: cut(title, 26),
      subtitle: `${stageText(input.from)} → ${stageText(input.to)}`,
      fields: [
        { label: '负责人', value: input.repName },
        { label: '操作人', value: input.actorName },
        { label: '上一阶段停留', value: TEXTS_ZH.formatElapsed(input.dwellMs) },
        { label: '时间', value: TEXTS_ZH.formatTime(input.at) },
        ...(input.override ? [{ label: '强推原因', value: input.override.reason.slice(0, 60) }] : []),
      ],
      ...(input.link
        ? { url: input.link, buttons: [] }
        : { buttons: [{ label: '查看客户', style: 'default' as const, key: ACTION.show(input.customer.id) }] }),
    },
  };
}

export interface Candidate { id: number; name: string; stageName: string; ownerName: string; officeName: string | null }

/**
 * Several customers match what the rep typed: ask, never guess. Each candidate is told apart by what differs —
 * owner, stage, office — in its line and on its button (two 南山中医院 never show as two identical buttons).
 */
export function choiceCard(query: string, candidates: Candidate[], keyFor: (id: number) => string): CardModel {
  const list = candidates.slice(0, 6);
  const sameName = (c: Candidate) => list.filter((o) => o.name === c.name).length > 1;
  const button = (c: Candidate, i: number) => {
    if (!sameName(c)) return `${i + 1}. ${c.name}`;
    const twins = list.filter((o) => o.name === c.name);
    const byOwner = twins.filter((o) => o.ownerName === c.ownerName).length === 1;
    return `${i + 1}. ${byOwner ? c.ownerName : c.stageName}`;
  };
  return {
    id: newTaskId('pick'),
    title: cut(`“${query}”对应${list.length}个客户`, 26),
    subtitle: '请选择您指的是哪一个：',
    fields: list.map((c, i) => ({
      label: `${i + 1}`, value: cut([c.name, c.ownerName, c.stageName, c.officeName].filter(Boolean).join(' · '), 40),
    })),
    buttons: list.map((c, i) => ({ label: cut(button(c, i), 12), style: 'primary' as const, key: keyFor(c.id) })),
  };
}
