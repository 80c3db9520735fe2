/**
 * Quality review (R7, R8, R11) in chat: the scoring card a reviewer scores in two taps (quick tag, then 1–5), the
 * same card updated after a score, the replies around it, the weekly 方案提交及时率 leaderboard (markdown) and the
 * private coach (方案陪写师) offer. Pure builders; every zh-CN string of the feature is here.
 */
import type { CardField, CardModel, OutMessage } from '../domain/messages';
import { percentText, type Leaderboard } from '../domain/leaderboard';
import type { QualityScore } from '../domain/quality-score';
import { TEXTS_ZH } from '../domain/texts.zh';
import { newTaskId } from './customer-cards';

export const REVIEW_TAG_QUESTION = 'review_tag';
export const NO_TAG = 'none';

export const REVIEW_ACTION = {
  score: (reviewId: number, score: number) => `review:${reviewId}:score:${score}`,
  pattern: /^review:(\d+):score:([1-5])$/,
  parse(key: string): { reviewId: number; score: number } | null {
    const m = REVIEW_ACTION.pattern.exec(key);
    return m ? { reviewId: Number(m[1]), score: Number(m[2]) } : null;
  },
};

/** Quick tag option ids are positional (`tag0`…), so option ids stay ASCII whatever the tag text. */
export const tagId = (i: number) => `tag${i}`;
export function tagsFromSelection(optionIds: readonly string[], tags: readonly string[]): string[] {
  return optionIds.map((id) => /^tag(\d+)$/.exec(id)).filter((m): m is RegExpExecArray => !!m)
    .map((m) => tags[Number(m[1])]).filter((t): t is string => !!t);
}

/** Labels of form fields shown on the card (the pain-point record's parts; others by their key). */
const FIELD_LABELS: Record<string, string> = {
  worries: '客户担忧', deliverables: '承诺交付物', nextContactText: '下次联系', nextContactAt: '下次联系',
  promise: '承诺', note: '备注', summary: '摘要',
};

function fieldValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(fieldValue).filter(Boolean).join('；');
  if (typeof v === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))) return TEXTS_ZH.formatTime(new Date(v));
    return v.trim();
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * One line per form field: `客户担忧：价格高；交付慢；售后`. The next contact shows the instant it was read as, with the
 * rep's words beside it (明天下午3点 means nothing to a reviewer a day later).
 */
export function deliverableLines(form: Record<string, unknown> | null): string[] {
  if (!form) return [];
  const both = 'nextContactText' in form && 'nextContactAt' in form;
  const keys = Object.keys(form).filter((k) => !(both && k === 'nextContactText')); // folded into nextContactAt's line
  return keys.map((k) => {
    let value = fieldValue(form[k]);
    if (both && k === 'nextContactAt') {
      const typed = fieldValue(form.nextContactText);
      value = value && typed && typed !== value ? `${value}（${typed}）` : value || typed;
    }
    return `${FIELD_LABELS[k] ?? k}：${value || '（空）'}`;
  });
}

export interface ReviewCardFacts {
  reviewId: number;
  taskName: string;
  repName: string;
  customerName: string | null;
  closedAt: Date;
  taskDueAt: Date;
  reviewDueAt: Date;
  /** Form fields, one line each. */
  lines: string[];
  documents: { name: string; url: string | null }[];
  quality: QualityScore | null;
  /** Configured quick tags. */
  tags: string[];
}

export interface ScoreView {
  score: number;
  tags: string[];
  comment: string | null;
  version: number;
  reviewerName: string;
  at: Date;
}

const cut = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

/** The R11 parts in one line: `时效 40/40 · 完整 20/30 · 关键词 10/30（缺：预算）`. */
export function qualityLine(q: QualityScore | null): string {
  if (!q) return '自动评分：无';
  const p = q.parts;
  const parts = [`时效 ${p.timeliness.score}/${p.timeliness.max}`, `完整 ${p.completeness.score}/${p.completeness.max}`];
  if (p.keywords) parts.push(`关键词 ${p.keywords.score}/${p.keywords.max}${p.keywords.missing.length ? `（缺：${p.keywords.missing.join('、')}）` : ''}`);
  return `自动评分 ${q.total}分：${parts.join(' · ')}`;
}

/** The scoring card; with `scored`, the same card showing the score (buttons stay for a re-score). */
export function reviewCard(f: ReviewCardFacts, taskId: string, scored?: ScoreView): CardModel {
  const late = f.closedAt.getTime() > f.taskDueAt.getTime();
  const horizontal: CardField[] = [
    { label: '负责人', value: cut(f.repName, 26) },
    ...(f.customerName ? [{ label: '客户', value: cut(f.customerName, 26) }] : []),
    { label: '完成时间', value: `${TEXTS_ZH.formatTime(f.closedAt)}${late ? '（超时）' : '（按时）'}` },
    { label: '自动评分', value: f.quality ? `${f.quality.total}分` : '—' },
  ];
  for (const d of f.documents) {
    if (horizontal.length >= 6) break;
    horizontal.push(d.url ? { label: '附件', value: cut(d.name, 26), url: d.url } : { label: '附件', value: cut(d.name, 26) });
  }
  const quote = f.lines.length ? f.lines.join('\n') : '（该任务没有表单内容，交付物见附件或阶段记录）';
  const selectedTag = scored?.tags[0] ? f.tags.indexOf(scored.tags[0]) : -1;
  const desc = scored
    ? `已评分：${scored.score}分${scored.tags.length ? ` · ${scored.tags.join('、')}` : ''}`
    : `请在 ${TEXTS_ZH.formatTime(f.reviewDueAt)} 前评分`;
  const sub = scored
    ? `${scored.reviewerName} ${TEXTS_ZH.formatTime(scored.at)} 评 ${scored.score} 分（第${scored.version}版）。如需改分，再点一个分数；回复文字可补充评语。`
    : `${qualityLine(f.quality)}。先选快捷标签（可不选），再点分数。`;
  const scoreButtons = [1, 2, 3, 4, 5].map((n) => ({
    label: scored && scored.score === n ? `✓${n}分` : `${n}分`,
    style: scored ? (scored.score === n ? 'primary' as const : 'default' as const) : n <= 2 ? 'danger' as const : 'primary' as const,
    key: REVIEW_ACTION.score(f.reviewId, n),
  }));
  return {
    id: taskId,
    source: '质检抽查',
    tone: scored ? 'success' : 'info',
    title: cut(`【质检】${f.taskName}`, 26),
    subtitle: cut(desc, 30),
    quote: { title: '交付内容', text: cut(quote, 300) },
    fields: horizontal,
    note: cut(sub, 112),
    // The tag is picked in the select and sent with whichever score button is pressed.
    select: {
      key: REVIEW_TAG_QUESTION,
      label: '快捷标签',
      options: [{ id: NO_TAG, label: '无标签' }, ...f.tags.map((t, i) => ({ id: tagId(i), label: t }))],
      defaultId: selectedTag >= 0 ? tagId(selectedTag) : NO_TAG,
      submit: scoreButtons[scoreButtons.length - 1]!,
    },
    buttons: scoreButtons,
  };
}

export const newReviewCardId = (reviewId: number) => newTaskId(`review${reviewId}`);

const commentHint = (minutes: number | null) => (minutes ? `${minutes}分钟内直接回复一条文字，即作为评语；回复“跳过”结束。` : '');

export const reviewTexts = {
  scored: (score: number, tags: string[], minutes: number | null) =>
    `已记录：${score}分${tags.length ? `（${tags.join('、')}）` : ''}。${commentHint(minutes)}`,
  rescored: (score: number, version: number, minutes: number | null) =>
    `已改为 ${score} 分（第${version}版，历史版本保留）。${commentHint(minutes)}`,
  comment: '评语已记录，已连同评分发给被评的同事。谢谢！',
  commentSkipped: '好的，不添加评语。',
  notFound: '这条质检记录不存在了。',
  notReviewer: '抱歉，只有被指派的质检人或管理员可以为这条任务评分。',
  ownTask: '不能为自己的任务评分。',
  assigned: (n: number) => `今天有 ${n} 条抽查任务需要你评分，请在24小时内完成。`,
};

/** The note to the reviewed rep: the score and the comment, framed as coaching (R7: help, not blame). */
export function coachingText(input: {
  repName: string; reviewerName: string; taskName: string; customerName: string | null; score: number; tags: string[];
  comment: string | null; quality: number | null;
}): string {
  const lines = [
    `💬 ${input.repName}，你好：你的「${input.taskName}」${input.customerName ? `（${input.customerName}）` : ''}被抽到做质检，${input.reviewerName}给了 ${input.score}/5 分${input.tags.length ? `，关注点：${input.tags.join('、')}` : ''}。`,
    ...(input.comment ? [`评语：${input.comment}`] : []),
    ...(input.quality !== null ? [`系统自动评分 ${input.quality}/100（时效、完整度、关键词）。`] : []),
    input.score >= 4 && !input.tags.length
      ? '做得好，继续保持！这份反馈是帮你把下一次做得更好，不是批评。'
      : input.score >= 4
        ? `整体做得不错，留意一下上面的关注点就更好了。这份反馈是帮你把下一次做得更好，不是批评。`
      : `这份反馈是帮你把下一次做得更好，不是批评。有疑问可以直接找${input.reviewerName}聊聊，一起看看怎么改进。`,
  ];
  return lines.join('\n');
}

// ---- the weekly leaderboard ----

export const ANONYMOUS = '某同学';

export interface LeaderboardView {
  teamName: string;
  /** The ISO week and its local dates, e.g. `2026-W48（11月23日–11月29日）`. */
  period: string;
  board: Leaderboard;
  withinText: string;
}

const MEDALS = ['🥇', '🥈', '🥉'];
const line = (medal: string, name: string, rate: number, onTime: number, cases: number) => `${medal} ${name} ${percentText(rate)}（${onTime}/${cases}）`;

/** The team message: top N named, the last anonymised, the team total and the rule, stated for this team's size. */
export function leaderboardMarkdown(v: LeaderboardView): string {
  const b = v.board;
  const out = [
    `**方案提交及时率周榜 · ${v.teamName}**`,
    `<font color="comment">${v.period} · 演示完成后${v.withinText}内提交方案为及时</font>`,
    '',
  ];
  if (!b.ranked.length) {
    out.push(b.total.cases
      ? `本周无人上榜：没有同事的案例达到${b.minCases}个（共 ${b.excluded.length} 人有案例）。`
      : `本周无人上榜：团队没有到期的案例（演示完成后${v.withinText}内的方案）。`);
  } else if (b.tooFew) {
    out.push(`本周只有 ${b.ranked.length} 位同事满足排名条件，人数太少，不排名。`);
  } else {
    for (const r of b.top) out.push(line(MEDALS[r.rank - 1] ?? `${r.rank}.`, r.name, r.rate, r.onTime, r.cases));
    if (!b.top.length) out.push('本周没有人按时提交方案，暂无上榜。');
    if (b.lastShown) {
      const middle = b.ranked.length - b.top.length - b.last.length;
      if (middle > 0) out.push(`…（另有 ${middle} 人）`);
      const r = b.last[0]!;
      out.push(`末位：${b.last.length > 1 ? `${b.last.length}位同学` : ANONYMOUS} ${percentText(r.rate)}${b.last.length > 1 ? '（并列）' : `（${r.onTime}/${r.cases}）`}`);
    }
  }
  out.push('', `团队整体：${percentText(b.total.rate)}（${b.total.onTime}/${b.total.cases}）`);
  out.push(`<font color="comment">规则：本周期案例少于${b.minCases}个的同事不参与排名${b.excluded.length ? `（本周 ${b.excluded.length} 人）` : ''}；` +
    `参与排名少于2人时不排名；前${Math.max(1, b.named)}名具名（人少时少于3名）；末位不具名（少于4人时不显示），会私下收到方案陪写师的邀请；并列按同一名次。</font>`);
  return out.join('\n');
}

export function leaderboardMessage(v: LeaderboardView): OutMessage {
  return { type: 'markdown', title: '方案提交及时率周榜', text: leaderboardMarkdown(v) };
}

/** The private, kind offer to the last: what the number was, and a coach to write the next proposal with. */
export function coachOfferText(input: { repName: string; rate: number; onTime: number; cases: number; coachName: string | null; withinText: string }): string {
  const coach = input.coachName
    ? `我们想为你安排一位方案陪写师——${input.coachName}，陪你一起梳理下一份方案的思路和模板。愿意的话，直接联系${input.coachName}就好。`
    : '如果需要，可以找主管为你安排一位方案陪写师，陪你一起写下一份方案。';
  return `${input.repName}，你好 🙂 上周你的方案提交及时率是 ${percentText(input.rate)}（${input.onTime}/${input.cases}，演示后${input.withinText}内提交为及时）。` +
    `写方案确实不容易，${coach}这条消息只有你能看到，这是帮助，不是批评。`;
}

export function coachNoticeText(input: { coachName: string; repName: string }): string {
  return `${input.coachName}，你好：本周想请你担任${input.repName}的方案陪写师，陪TA一起写下一份方案（演示后尽快提交）。这条消息只发给你，谢谢支持！`;
}
