/**
 * Cards about one customer: the stage card whose buttons are the allowed next stages, the supervisor's
 * stage-change notice, and the choice card offered when a name matches several customers.
 * 详情请参阅 https://developer.work.weixin.qq.com/document/path/90236 (template_card)
 */
import { randomBytes } from 'node:crypto';
import type { OutboundMessage, TemplateCard } from '../bot/wecom/outbound';
import { clip, MAX_INDUSTRY_CHARS, MAX_NAME_CHARS } from '../domain/text-normalize';
import { TEXTS_ZH } from '../domain/texts.zh';
import type { StageDef } from '../domain/types';
import { ACTION } from './action-keys';

export interface CustomerFacts {
  id: number;
  name: string;
  version: number;
  stage: StageDef;
  ownerName: string;
  stageEnteredAt: Date;
  industry?: string | null;
}

/** task_id: unique per card, ≤ 128 bytes of [A-Za-z0-9_-@]. */
export function newTaskId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

const stageText = (s: StageDef) => (s.order !== undefined ? `${s.order}. ${s.name}` : s.name);

/** The customer's stage card: where it stands, and one button per allowed next stage (≤ 6). */
export function stageCard(c: CustomerFacts, next: StageDef[], now: Date, headline?: string, extra: { text: string; key: string }[] = []): TemplateCard {
  const buttons = next.slice(0, 6 - extra.length).map((s) => ({
    text: s.name.slice(0, 10),
    style: s.outcome === 'lost' ? 2 : s.outcome === 'won' ? 1 : (s.order ?? 0) < (c.stage.order ?? 0) ? 4 : 1,
    key: ACTION.move(c.id, s.key, c.version),
  }));
  // Extra actions (e.g. 资料包) after the stage buttons, only on a card that has stage buttons.
  if (buttons.length) buttons.push(...extra.map((x) => ({ text: x.text.slice(0, 10), style: 4, key: x.key })));
  return {
    card_type: 'button_interaction',
    task_id: newTaskId(`cust${c.id}`),
    source: { desc: '销售流程助手', desc_color: 0 },
    main_title: { title: clip(c.name, MAX_NAME_CHARS), desc: headline ?? `当前阶段：${stageText(c.stage)}` },
    horizontal_content_list: [
      { keyname: '当前阶段', value: stageText(c.stage) },
      { keyname: '负责人', value: c.ownerName },
      { keyname: '本阶段已停留', value: TEXTS_ZH.formatDuration(Math.max(0, now.getTime() - c.stageEnteredAt.getTime())) },
      ...(c.industry ? [{ keyname: '行业', value: clip(c.industry, MAX_INDUSTRY_CHARS) }] : []),
    ],
    ...(buttons.length
      ? { sub_title_text: '点击下方按钮推进到下一阶段：', button_list: buttons }
      : { sub_title_text: '客户已结束，无可推进的阶段。', button_list: [{ text: '查看', style: 4, key: ACTION.show(c.id) }] }),
  };
}

/** After a click: the card shows the result instead of buttons. */
export function stageCardDone(c: CustomerFacts, line: string, now: Date): TemplateCard {
  const card = stageCard(c, [], now, line);
  return { ...card, button_list: [{ text: '查看详情', style: 4, key: ACTION.show(c.id) }], sub_title_text: line };
}

/** The direct supervisor's notice of a change (R1): customer, from → to, rep, time in the previous stage. */
export function stageChangeNotice(input: {
  customer: { id: number; name: string }; from: StageDef; to: StageDef; repName: string; actorName: string;
  dwellMs: number; at: Date; override?: { reason: string }; link: string;
}): OutboundMessage {
  const name = clip(input.customer.name, MAX_NAME_CHARS);
  const title = input.override ? `【强制推进】${name}` : `【阶段变更】${name}`;
  return {
    msgtype: 'template_card',
    template_card: {
      card_type: 'text_notice',
      task_id: newTaskId(`note${input.customer.id}`),
      source: { desc: '销售流程助手', desc_color: input.override ? 2 : 0 },
      main_title: { title, desc: `${stageText(input.from)} → ${stageText(input.to)}` },
      horizontal_content_list: [
        { keyname: '负责人', value: input.repName },
        { keyname: '操作人', value: input.actorName },
        { keyname: '上一阶段停留', value: TEXTS_ZH.formatDuration(input.dwellMs) },
        { keyname: '时间', value: TEXTS_ZH.formatTime(input.at) },
        ...(input.override ? [{ keyname: '强推原因', value: input.override.reason.slice(0, 60) }] : []),
      ],
      card_action: { type: 1, url: input.link },
    },
  };
}

/** Several customers match what the rep typed: ask, never guess. */
export function choiceCard(query: string, candidates: { id: number; name: string; stageName: string }[], keyFor: (id: number) => string): TemplateCard {
  return {
    card_type: 'button_interaction',
    task_id: newTaskId('pick'),
    main_title: { title: `“${query.slice(0, 20)}”对应多个客户`, desc: '请选择您指的是哪一个：' },
    horizontal_content_list: candidates.slice(0, 6).map((c, i) => ({ keyname: `${i + 1}`, value: `${c.name}（${c.stageName}）` })),
    button_list: candidates.slice(0, 6).map((c) => ({ text: c.name.slice(0, 10), style: 1, key: keyFor(c.id) })),
  };
}
