/**
 * Cards for tasks and their timers (R3, R7, R9): the reminder to the rep, the overdue warning to the supervisor
 * with one-tap actions (催办 / 延期24小时 / 已处理), the escalation to the next level, and the SOP note.
 */
import type { CardModel, OutMessage } from '../domain/messages';
import { clip, MAX_NAME_CHARS } from '../domain/text-normalize';
import { TEXTS_ZH } from '../domain/texts.zh';
import { newTaskId } from './customer-cards';

export const TASK_ACTION = {
  key: (taskId: number, action: 'nudge' | 'extend' | 'handled', version: number) => `task:${taskId}:${action}:${version}`,
  parse(key: string): { taskId: number; action: 'nudge' | 'extend' | 'handled'; version: number } | null {
    const m = /^task:(\d+):(nudge|extend|handled):(\d+)$/.exec(key);
    return m ? { taskId: Number(m[1]), action: m[2] as 'nudge' | 'extend' | 'handled', version: Number(m[3]) } : null;
  },
};

/** Reasons offered for an extension (button_selection); the chosen one is recorded. */
export const EXTEND_REASONS = [
  { id: 'customer_away', text: '客户临时外出/出差' },
  { id: 'need_material', text: '需补充资料' },
  { id: 'called_already', text: '已电话跟进，稍后补录' },
  { id: 'other', text: '其他原因' },
];

export interface TaskFacts {
  taskId: number;
  taskName: string;
  deliverable: string;
  customerName: string | null;
  repName: string;
  dueAt: Date;
  openedAt: Date;
}

/** Short task texts used outside the cards below (the stage card folds the opened task in). */
export const taskTexts = {
  painPointHowTo: (customer: string) =>
    `回复“${customer} 填写痛点”逐项填写；或一条消息写：客户：${customer}／担忧1、担忧2、担忧3／承诺／下次联系（各一行）。`,
  deliverable: (what: string) => `需要完成：${what}`,
};

const customerLine = (f: TaskFacts) => (f.customerName ? `客户：${clip(f.customerName, MAX_NAME_CHARS)}` : '');

/** Reminder to the rep: a card with the deadline that opens the task; a plain text when there is no link to open. */
export function reminderCard(f: TaskFacts, link: string | null, now: Date): OutMessage {
  const left = f.dueAt.getTime() - now.getTime();
  const when = left > 0 ? `截止（还剩${TEXTS_ZH.formatElapsed(left)}）` : '已到截止时间';
  if (!link) {
    return { type: 'text', text: `⏰ ${f.taskName}${f.customerName ? `（${f.customerName}）` : ''}：${TEXTS_ZH.formatTime(f.dueAt)} ${when}\n需要完成：${f.deliverable}` };
  }
  return {
    type: 'card',
    card: {
      id: newTaskId(`rem${f.taskId}`),
      source: '动作计时器',
      title: `⏰ ${f.taskName}`,
      subtitle: customerLine(f),
      emphasis: { value: TEXTS_ZH.formatTime(f.dueAt), label: when },
      fields: [],
      note: `需要完成：${f.deliverable}`,
      buttons: [],
      url: link,
    },
  };
}

/** Overdue warning (预警卡片) with one-tap actions, to the direct supervisor or the next level. */
export function warningCard(f: TaskFacts, level: number, version: number, now: Date): CardModel {
  const late = Math.max(0, now.getTime() - f.dueAt.getTime());
  return {
    id: newTaskId(`warn${f.taskId}l${level}`),
    source: level > 1 ? '升级预警' : '超时预警',
    tone: 'alert',
    title: `【预警】${clip(f.repName, 12)}的「${clip(f.taskName, 14)}」已超时`,
    subtitle: customerLine(f),
    fields: [
      { label: '负责人', value: f.repName },
      { label: '截止时间', value: TEXTS_ZH.formatTime(f.dueAt) },
      { label: '已超时', value: late < 60_000 ? '刚到截止时间' : TEXTS_ZH.formatElapsed(late) },
      ...(f.customerName ? [{ label: '客户', value: f.customerName }] : []),
    ],
    note: `应完成：${f.deliverable}`,
    select: {
      key: 'extend_reason', label: '延期原因',
      options: EXTEND_REASONS.map((r) => ({ id: r.id, label: r.text })), defaultId: 'customer_away',
      submit: { label: '延期24小时', style: 'danger', key: TASK_ACTION.key(f.taskId, 'extend', version) },
    },
    buttons: [
      { label: '催办', style: 'primary', key: TASK_ACTION.key(f.taskId, 'nudge', version) },
      { label: '延期24小时', style: 'danger', key: TASK_ACTION.key(f.taskId, 'extend', version) },
      { label: '已处理', style: 'default', key: TASK_ACTION.key(f.taskId, 'handled', version) },
    ],
  };
}

export function nudgeText(f: TaskFacts, supervisorName: string): string {
  return `【催办】${supervisorName}提醒你尽快完成「${f.taskName}」${f.customerName ? `（${f.customerName}）` : ''}，截止时间 ${TEXTS_ZH.formatTime(f.dueAt)}。\n需要完成：${f.deliverable}`;
}

export function extendedText(f: TaskFacts, supervisorName: string, reason: string): string {
  return `${supervisorName}已将「${f.taskName}」${f.customerName ? `（${f.customerName}）` : ''}延期24小时，新的截止时间 ${TEXTS_ZH.formatTime(f.dueAt)}。原因：${reason}`;
}

export function overdueText(f: TaskFacts): string {
  return `「${f.taskName}」${f.customerName ? `（${f.customerName}）` : ''}已超过截止时间 ${TEXTS_ZH.formatTime(f.dueAt)}，请尽快完成：${f.deliverable}`;
}

export function sopNote(f: TaskFacts, note: string | undefined, sopName: string): string {
  return `📘 ${note ?? `「${f.taskName}」到期了，这份资料也许能帮上忙。`}\n客户：${f.customerName ?? '—'}。随后发送《${sopName.replace(/\.[a-z]+$/i, '')}》。这是帮助，不是批评 🙂`;
}

/** The SOP document itself (config/sop/<name>; the channel sends its PDF once laid out). */
export function sopFile(fileName: string): OutMessage {
  return { type: 'file', media: { path: `config/sop/${fileName}`, name: fileName } };
}

/** The pain-point form template sent when the task opens (R3). */
export function painPointPrompt(f: TaskFacts): string {
  return [
    `📝 请在 ${TEXTS_ZH.formatTime(f.dueAt)} 前提交「${f.taskName}」${f.customerName ? `（${f.customerName}）` : ''}。`,
    '直接按下面的格式回复一条消息即可：',
    `客户：${f.customerName ?? '<客户名称>'}`,
    '担忧1：…', '担忧2：…', '担忧3：…',
    '承诺：…（现场承诺的交付物）',
    '下次联系：明天下午3点',
    '也可以回复“填写痛点”，我会一项一项地问你。',
  ].join('\n');
}

/** Replies and card labels for the warning card's actions (催办 / 延期 / 已处理). */
export const warningTexts = {
  taskGone: '这条预警对应的任务不存在了。',
  notAllowed: '抱歉，只有负责人的上级或管理员可以处理这条预警。',
  doneLabel: '任务已完成',
  alreadyDone: (task: string) => `「${task}」已经完成，无需处理。`,
  staleLabel: '预警已过期',
  stale: (task: string, due: string) => `这张预警卡片已过期：「${task}」的截止时间已调整为 ${due}，请以最新的预警为准。`,
  conflict: '任务刚刚已被他人处理，请查看最新状态。',
  alreadyHandled: '这条预警已被标记为已处理。',
  nudgedLabel: (name: string, stamp: string) => `${name}已催办 ${stamp}`.slice(0, 20),
  extendedLabel: (name: string) => `${name}已延期24小时`.slice(0, 20),
  handledLabel: (name: string, stamp: string) => `${name}已处理 ${stamp}`.slice(0, 20),
};
