/** zh-CN texts of "my work" (我的任务 / 待办, 团队, 停滞, 待评分, the morning digest). Pure builders. */
import { TEXTS_ZH } from '../domain/texts.zh';

export interface TaskLine { name: string; customer: string | null; dueAt: Date }
export interface StallLine {
  customer: string; ownerName: string; stage: string; days: number; flag: string;
  /** The latest communication record (morning digest), when there is one. */
  last?: { at: Date; text: string; fromCustomer: boolean } | null;
}
export interface ReviewLine { taskName: string; repName: string; customer: string | null; dueAt: Date }

const what = (t: { name: string; customer: string | null }) => `${t.name}${t.customer ? ` · ${t.customer}` : ''}`;

function taskLine(t: TaskLine, now: Date): string {
  const left = t.dueAt.getTime() - now.getTime();
  return left < 0
    ? `• ${what(t)} — 已超时${TEXTS_ZH.formatElapsed(-left)}（${TEXTS_ZH.formatTime(t.dueAt)} 截止）`
    : `• ${what(t)} — ${TEXTS_ZH.formatTime(t.dueAt)} 截止（还剩${TEXTS_ZH.formatElapsed(left)}）`;
}

/** Overdue, due today, later — each group only when it has something. */
export function taskGroups(groups: { overdue: TaskLine[]; today: TaskLine[]; later: TaskLine[] }, now: Date): string[] {
  const out: string[] = [];
  if (groups.overdue.length) out.push(`⚠️ 已超时（${groups.overdue.length}）`, ...groups.overdue.map((t) => taskLine(t, now)));
  if (groups.today.length) out.push(`📅 今天到期（${groups.today.length}）`, ...groups.today.map((t) => taskLine(t, now)));
  if (groups.later.length) out.push(`🗓 之后（${groups.later.length}）`, ...groups.later.map((t) => taskLine(t, now)));
  return out;
}

export const myWorkTexts = {
  tasksTitle: (n: number) => `📋 你的待办（共 ${n} 项）：`,
  noTasks: '你现在没有待办任务 👍 发送“我的客户”可以查看你负责的客户。',
  noTasksManager: '你现在没有自己的待办 👍 团队的情况可以发送“团队”“停滞”查看。',
  notReviewer: '“待评分”是评分人（主管、质检）的指令；你可以发送“我的任务”查看自己的待办。',
  /** `customer`: the first listed task's, so the examples can be sent as they read. */
  tasksFoot: (customer: string | null) => {
    const c = customer ?? '<客户>';
    return `提交痛点记录：${c} 填写痛点；上传文件：${c} 上传。`;
  },
  notManager: '“团队”“停滞”是主管和管理者的指令；你可以发送“我的任务”查看自己的待办。',
  teamTitle: (n: number) => `👥 团队客户（共 ${n} 个），按阶段：`,
  teamStage: (stage: string, n: number, names: string[], more: number) => `• ${stage}：${n} 个${names.length ? `（${names.join('、')}${more > 0 ? ` 等` : ''}）` : ''}`,
  teamEmpty: '你的团队目前没有客户。',
  stalledTitle: (n: number) => `⚠️ 团队中停滞的客户（${n} 个）：`,
  stalledLine: (s: StallLine) => `• ${s.customer}（${s.ownerName}，${s.stage}）${s.flag}，已 ${s.days} 天未更新`,
  stalledNone: '团队目前没有停滞的客户 👍',
  stalledFoot: (customer: string) => `催办可直接联系负责人；客户有新进展时让负责人记录，例如：${customer} 留言 客户的原话。`,
  reviewsTitle: (n: number) => `📝 待你评分的抽查（${n} 条），评分卡片在之前的消息中：`,
  reviewLine: (r: ReviewLine, now: Date) => `• ${r.taskName} · ${r.repName}${r.customer ? ` · ${r.customer}` : ''} — ${r.dueAt.getTime() < now.getTime()
    ? `已超时${TEXTS_ZH.formatElapsed(now.getTime() - r.dueAt.getTime())}` : `${TEXTS_ZH.formatTime(r.dueAt)} 前`}`,
  reviewsNone: '目前没有待你评分的抽查。',
  morningTitle: (name: string) => `☀️ ${name}，早上好！今天的工作：`,
  morningStalled: (n: number) => `🕒 停滞客户（${n}），建议今天联系：`,
  morningStalledLine: (s: StallLine) => `• ${s.customer}（${s.stage}）${s.flag}，已 ${s.days} 天未更新${s.last
    ? `；最近沟通 ${TEXTS_ZH.formatTime(s.last.at)} ${s.last.fromCustomer ? '客户' : '我方'}：${[...s.last.text].slice(0, 30).join('')}` : '；暂无沟通记录'}`,
  morningFoot: '随时发送“我的任务”查看待办。祝顺利！',
  more: (n: number) => `…另有 ${n} 项`,
};
