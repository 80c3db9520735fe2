/**
 * The pain-point record (客户痛点记录, R3) in chat, three ways that end in the same versioned record:
 * (a) one message with labelled lines, (b) a guided conversation one question at a time (survives restarts,
 * 取消 cancels), (c) later edits: sending the form again makes a new version and the reply shows what changed.
 */
import type { BotContext } from '../bot/context';
import type { TextEvent } from '../bot/channel';
import type { Next, Router } from '../bot/router';
import { ACTION } from '../cards/action-keys';
import {
  applyAnswer, formatDiff, formatRecord, parsePainPointMessage, startPainPointConversation,
  type PainPointConversationState, type PainPointRecord,
} from '../domain/pain-point-form';
import { getCustomer, type CustomerRow } from '../store/customers';
import { endConversation, getConversation, saveConversation } from '../store/forms';
import { openTasksOfAssignee } from '../store/tasks';
import { focusedCustomer, resolveCustomer, type StageDeps } from './stage-move';
import { findStage } from '../domain/stages';
import { PAIN_POINT_FORM as FORM, submitPainPoint } from '../usecases/forms';
import { actorOf, callFrom } from './call';

const CONVERSATION_TTL_MS = 24 * 3_600_000;

/** The customer the form is about: a `客户：X` line, else the rep's single open pain-point task. */
async function formCustomer(ctx: BotContext<TextEvent>, deps: StageDeps, text: string): Promise<CustomerRow | null | 'asked'> {
  const named = /客户(?:名称)?\s*[:：]\s*([^\n，,;；]+)/.exec(text)?.[1]?.trim();
  if (named) return (await resolveCustomer(ctx, named, (id) => ACTION.show(id), deps)) ?? 'asked';
  const open = (await openTasksOfAssignee(ctx.tx, ctx.event.userId, FORM)).filter((t) => t.customerId);
  if (open.length === 1) return getCustomer(ctx.tx, open[0]!.customerId!);
  if (open.length === 0) return null;
  await ctx.say('你有多个客户的痛点记录待提交，请在第一行写上“客户：<客户名称>”再发送一次。');
  return 'asked';
}

async function save(ctx: BotContext, deps: StageDeps, customer: CustomerRow, record: PainPointRecord): Promise<void> {
  const r = await submitPainPoint(callFrom(ctx, 'text'), deps, { actor: actorOf(ctx), customer, record });
  if (r.diff) await ctx.say(`已更新“${customer.name}”的客户痛点记录（第${r.version}版）。\n${formatDiff(r.diff, ctx.now)}`);
  else await ctx.say(`已收到“${customer.name}”的客户痛点记录 ✅\n${formatRecord(record, ctx.now)}`);
}

/** An open guided conversation takes the rep's next text as its answer (unless it is a one-word command: bot/router.ts). */
async function onConversation(ctx: BotContext<TextEvent>, next: Next, deps: StageDeps): Promise<void> {
  const text = ctx.event.text.trim();
  const me = ctx.event.userId;
  const conv = await getConversation(ctx.tx, me, ctx.now);
  if (!conv || conv.kind !== FORM) return next();
  const turn = applyAnswer(conv.answers as PainPointConversationState, text, ctx.now);
  if (turn.done) await endConversation(ctx.tx, me);
  else await saveConversation(ctx.tx, { ...conv, answers: turn.state, step: turn.state.step, expiresAt: new Date(ctx.now.getTime() + CONVERSATION_TTL_MS) }, ctx.now);
  if (turn.record && conv.customerId) {
    const customer = await getCustomer(ctx.tx, conv.customerId);
    if (customer) return save(ctx, deps, customer, turn.record);
  }
  return ctx.say(turn.reply);
}

/** `<客户> 填写痛点`: starts the guided conversation. */
async function onStart(ctx: BotContext<TextEvent>, named: string | null, deps: StageDeps): Promise<void> {
  let customer: CustomerRow | null | 'asked';
  // Without a name: the customer last worked on (as 拜访完了 does), else the one whose record is due.
  const focused = named ? null : await focusedCustomer(ctx);
  const focus = focused && !findStage(deps.process, focused.stage)?.outcome ? focused : null; // a closed one is done
  if (named) customer = (await resolveCustomer(ctx, named, (id) => ACTION.show(id), deps)) ?? 'asked';
  else customer = focus ?? await formCustomer(ctx, deps, '');
  if (customer === 'asked') return;
  if (!customer) return ctx.say('请告诉我是哪个客户，例如：华夏医疗 填写痛点');
  const { state, reply } = startPainPointConversation(customer.name);
  await saveConversation(ctx.tx, {
    userId: ctx.event.userId, kind: FORM, customerId: customer.id, taskId: null, step: state.step, answers: state,
    expiresAt: new Date(ctx.now.getTime() + CONVERSATION_TTL_MS),
  }, ctx.now);
  return ctx.say(reply);
}

/** The labelled form in one message. */
async function onForm(ctx: BotContext<TextEvent>, text: string, deps: StageDeps): Promise<void> {
  const customer = await formCustomer(ctx, deps, text);
  if (customer === 'asked') return;
  if (!customer) return ctx.say('没有找到需要提交痛点记录的客户，请在第一行写上“客户：<客户名称>”。');
  const parsed = parsePainPointMessage(text, ctx.now);
  if (!parsed.ok) {
    return ctx.say(`“${customer.name}”的痛点记录还差一点：\n${parsed.problems.map((p, i) => `${i + 1}. ${p.message}`).join('\n')}\n改好后整条重新发送即可，或回复“${customer.name} 填写痛点”逐项填写。`);
  }
  return save(ctx, deps, customer, parsed.record);
}

export function registerPainPoint(router: Router, deps: StageDeps): void {
  router.conversation((ctx, next) => onConversation(ctx, next, deps));
  router.command('pain_point_start', (ctx, cmd) => onStart(ctx, cmd.customer, deps));
  router.command('pain_point_form', (ctx, cmd) => onForm(ctx, cmd.text, deps));
}
