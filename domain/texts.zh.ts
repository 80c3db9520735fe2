/**
 * zh-CN texts of the domain: the chat help and the explanations of refused stage changes.
 * One object, so it can move to the cards/ catalogue later without touching the logic.
 * Times are shown in the business time zone (business-time.ts), formatted without the wall clock.
 */
import { formatLocal } from './business-time';
import type { CommandKind } from './commands';

/** `11月20日 14:05` in the business time zone. */
function formatTime(at: Date): string {
  return formatLocal(at, 'M月D日 HH:mm');
}

/** `72小时`, `1小时30分钟`, `7天`, `45秒`; days only for whole weeks and longer (72小时 reads better than 3天). */
function formatDuration(ms: number): string {
  const units: [number, string][] = [[86_400_000, '天'], [3_600_000, '小时'], [60_000, '分钟'], [1_000, '秒']];
  if (ms % 86_400_000 !== 0 || ms < 7 * 86_400_000) units.shift();
  let rest = Math.max(0, Math.round(ms / 1000) * 1000);
  const parts: string[] = [];
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${name}`);
    rest -= n * size;
  }
  return parts.length ? parts.join('') : '0秒';
}

/**
 * An elapsed or remaining time as a person says it: `2天2小时`, `3小时15分钟`, `40分钟`, `不到1分钟`. Two units at most,
 * to the nearest minute, the smaller unit dropped from days up (never `50小时4分钟1秒`, never `0秒`). Configured durations (72小时) use formatDuration.
 */
function formatElapsed(ms: number): string {
  const minutes = Math.round(Math.max(0, ms) / 60_000);
  if (minutes < 1) return '不到1分钟';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}天${hours ? `${hours}小时` : ''}`;
  if (hours > 0) return `${hours}小时${mins ? `${mins}分钟` : ''}`;
  return `${mins}分钟`;
}

const q = (s: string): string => `“${s}”`;

/** One usage line per command: the help lists them, and an incomplete command is answered with its own. */
const USAGE: Record<CommandKind, string> = {
  create_customer: '新客户 <名称> [行业] — 例：新客户 华夏医疗 医疗',
  move: '<客户> 推进 <阶段> — 例：华夏医疗 推进 价格谈判中（阶段可写名称、编号或名称的一部分，如 5、谈判；也可写 → 或 推到）',
  win: '<客户> 签约 — 例：华夏医疗 签约（也可写 赢单）',
  lose: '<客户> 丢单 <原因> — 例：华夏医疗 丢单 预算被砍',
  override: '<客户> 强制推进 <阶段> 原因 <理由> — 例：华夏医疗 强制推进 5 原因 客户已口头确认报价（也可写 强推；会留痕并通知上级）',
  log_message: '<客户> 留言 <内容> — 记录客户最近一次留言，例：华夏医疗 留言 客户问能否分期付款',
  upload: '<客户> 上传 — 获取上传资料的链接，例：华夏医疗 上传',
  show_customer: '查看 <客户> — 例：查看 华夏医疗（也可写：华夏医疗 状态）',
  list_customers: '我的客户 — 列出我负责的客户，例：我的客户',
  help: '帮助 — 显示本说明，例：帮助（也可写 help 或 ?）',
};

/** Help lines of the chat commands beyond the core grammar (the table in domain/command-table.ts lists them all). */
const MORE_USAGE = {
  move_next: '<客户> 下一步 — 推进一个阶段，例：华夏医疗 下一步（退回一个阶段：华夏医疗 退回；不写客户时指你刚操作的客户）',
  my_work: '我的任务 — 列出我的待办；主管还可发送 团队、停滞、待评分，例：我的任务（也可写 待办）',
  move_arrow: '<客户> → <阶段> — 例：华夏医疗 → 5（也可写 ->、=>、到、推进到）',
  pain_point: '客户：<客户> + 担忧1/2/3、承诺、下次联系 各一行 — 提交客户痛点记录；或发送“<客户> 填写痛点”逐项填写（回复“取消”退出），例：华夏医疗 填写痛点',
  visit_ended: '<客户> 拜访结束 — 记录拜访，48小时内提交痛点清单和3个方案草稿，例：华夏医疗 拜访结束',
  objection: '<客户> 异议 <内容> — 记录客户异议，例：华夏医疗 异议 运维响应慢',
  dashboard: '看板 — 主管和管理者获取过程健康看板链接，例：看板',
  hand_over: '<客户> 转给 <同事> — 主管或管理员把客户转给其他销售，例：华夏医疗 转给 周静',
};

/**
 * The lines of the 帮助 answer, one per command, each with an example to copy. Short on purpose: the whole answer
 * is one chat message, and WeCom refuses a text over 2048 bytes (the usage lines above answer an incomplete command
 * in full).
 */
const HELP_LINES = {
  title: '常用指令（客户可写全称、简称或拼音首字母，如 hxyl）：',
  create_customer: '新客户 — 例：新客户 华夏医疗 医疗',
  move: '推进 — 例：华夏医疗 推进 5（阶段写编号或名称；也可写 → 5）',
  move_next: '前进/退回一步 — 例：华夏医疗 下一步（或：华夏医疗 退回）',
  win: '签约 — 例：华夏医疗 签约',
  lose: '丢单（须写原因）— 例：华夏医疗 丢单 预算被砍',
  override: '强制推进（留痕并通知上级）— 例：华夏医疗 强制推进 5 原因 客户已口头确认',
  log_message: '记录客户留言 — 例：华夏医疗 留言 客户问能否分期',
  upload: '上传资料 — 例：华夏医疗 上传',
  send_pack: '发资料包 — 例：华夏医疗 资料包',
  bind_contact: '绑定客户联系人 — 例：绑定 华夏医疗',
  pain_point: '客户痛点记录 — 例：华夏医疗 填写痛点（逐项问答，回复“取消”退出）',
  visit_ended: '拜访结束 — 例：华夏医疗 拜访结束',
  objection: '记录异议 — 例：华夏医疗 异议 运维响应慢',
  my_work: '我的待办（主管：团队、停滞；评分人：待评分）— 例：我的任务',
  dashboard: '过程看板（主管）— 例：看板',
  hand_over: '转交客户（主管）— 例：华夏医疗 转给 周静',
  show_customer: '查看客户 — 例：查看 华夏医疗',
  list_customers: '我的客户 — 例：我的客户',
  cancel: '退出正在填写的表单 — 例：取消',
  help: '帮助 — 例：帮助',
};

export const TEXTS_ZH = {
  usage: USAGE,
  moreUsage: MORE_USAGE,
  helpLines: HELP_LINES,
  formatTime,
  formatDuration,
  formatElapsed,
  fileTypeName: (t: string): string => (t.includes('/') ? t : t.toUpperCase()),

  /** Default hints, used when a guard in the configuration has no `hint`. */
  hint: {
    document: (what: string, types: string[], contains: string | null, within: string | null): string =>
      `请上传${what}` +
      (types.length || contains ? `（${[types.length ? types.join('/') : '', contains ? `文件名包含${q(contains)}` : ''].filter(Boolean).join('，')}）` : '') +
      (within ? `，须在客户最近一次留言后${within}内上传` : ''),
    form: (label: string): string => `请先提交${q(label)}`,
    field: (label: string): string => `请先补充客户的${q(label)}信息`,
    minTime: (duration: string): string => `客户在当前阶段需停留满${duration}后才能推进`,
  },

  failure: {
    unknownStage: (input: string, options: string[]): string => `没有找到阶段${q(input)}。可选阶段：${options.join('、')}`,
    unknownCurrentStage: (stage: string): string => `客户当前阶段${q(stage)}已不在流程配置中，请联系管理员`,
    sameStage: (name: string): string => `客户已处于${q(name)}阶段，无需变更`,
    customerClosed: (name: string): string => `客户已${q(name)}，流程已关闭，不能再变更阶段`,
    skip: (from: string, to: string, skipped: string[]): string =>
      `不能跳过阶段：从${q(from)}到${q(to)}会跳过${skipped.map(q).join('、')}，请逐级推进`,
    backward: (from: string, to: string): string => `流程不允许从${q(from)}退回到${q(to)}`,
    forward: (from: string, to: string): string => `流程不允许从${q(from)}推进到${q(to)}`,
    reopen: (from: string): string => `客户已${q(from)}，流程不允许重新打开`,
    denied: (from: string, to: string): string => `流程配置禁止从${q(from)}变更到${q(to)}`,
    outcomeFrom: (to: string, allowed: string[]): string => `只能从${allowed.map(q).join('、')}变更为${q(to)}`,
    reasonRequired: (to: string, customer = '客户名'): string => `变更为${q(to)}必须填写原因，例如：${customer} 丢单 预算被砍`,

    noAnchor: (customer = '客户名'): string => `没有客户留言记录，请先记录客户最近一次留言（例：${customer} 留言 客户的原话）`,
    noDocuments: (what: string): string => `还没有上传${what}`,
    docIntro: (name: string): string => `最接近的文件${q(name)}`,
    docType: (types: string[]): string => `不是${types.join('/')}格式`,
    docName: (pattern: string): string => `文件名不含${q(pattern)}`,
    docNameRegex: (pattern: string): string => `文件名不符合规则 ${pattern}`,
    docTooEarly: (anchorAt: string): string =>
      `上传于客户最近一次留言（${anchorAt}）之前，已过时，请上传更新后的版本`,
    docTooLate: (within: string, anchorAt: string): string =>
      `上传时间超过客户最近一次留言（${anchorAt}）后${within}，请与客户沟通并记录新留言后重新上传`,

    formMissing: (label: string): string => `还没有提交${q(label)}`,
    formOutsideWindow: (label: string, anchor: string, within: string | null): string =>
      `${q(label)}需在${anchor}之后${within ? `${within}内` : ''}提交，现有记录不符合`,
    anchorName: { customer_last_message: '客户最近一次留言', stage_entered: '进入当前阶段' } as Record<string, string>,
    fieldMissing: (label: string): string => `客户的${q(label)}信息为空`,
    tooSoon: (required: string, elapsed: string, allowedAt: string): string =>
      `客户进入当前阶段仅${elapsed}，需满${required}（${allowedAt} 后可推进）`,
  },
} as const;
