/**
 * The supervisor's one-tap actions on a warning card (R3): 催办, 延期24小时, 已处理. The action is the use case
 * usecases/warnings.ts actOnWarning; here the clicked card is updated in place so everyone who got it sees who
 * did what.
 */
import type { BotContext } from '../bot/context';
import type { Router } from '../bot/router';
import { TASK_ACTION, warningTexts as W } from '../cards/task-cards';
import { TEXTS_ZH } from '../domain/texts.zh';
import type { UseCaseDeps } from '../usecases/deps';
import { actOnWarning } from '../usecases/warnings';
import { actorOf, callFrom } from './call';

async function onTaskAction(ctx: BotContext, deps: UseCaseDeps): Promise<void> {
  if (ctx.event.kind !== 'card.action') return;
  const action = TASK_ACTION.parse(ctx.event.key);
  if (!action) return;
  const reasonId = ctx.event.values['extend_reason']?.[0] ?? null;
  const r = await actOnWarning(callFrom(ctx, 'card'), deps, { actor: actorOf(ctx), taskId: action.taskId, action: action.action, version: action.version, reasonId });
  const label = (text: string) => ctx.updateCard({ type: 'disable', label: text });
  const stamp = TEXTS_ZH.formatTime(ctx.now);
  const taskName = (x: { task: { kind: string }; def?: { name: string } }) => x.def?.name ?? x.task.kind;
  switch (r.kind) {
    case 'not_found': return ctx.say(W.taskGone);
    case 'not_allowed': return ctx.say(W.notAllowed);
    case 'already_done':
      await label(W.doneLabel);
      return ctx.say(W.alreadyDone(taskName(r)));
    case 'stale_card':
      // The card belongs to an earlier deadline (someone already extended it): acting on it would stack extensions.
      await label(W.staleLabel);
      return ctx.say(W.stale(taskName(r), TEXTS_ZH.formatTime(r.task.dueAt)));
    case 'conflict': return ctx.say(W.conflict);
    case 'already_handled': return ctx.say(W.alreadyHandled);
    case 'nudged': return label(W.nudgedLabel(r.actor?.name ?? ctx.event.userId, stamp));
    case 'extended': return label(W.extendedLabel(r.actor?.name ?? ctx.event.userId));
    case 'handled': return label(W.handledLabel(r.actor?.name ?? ctx.event.userId, stamp));
  }
}

export function registerTaskActions(router: Router, deps: UseCaseDeps): void {
  router.action(/^task:\d+:(nudge|extend|handled):\d+$/, (ctx) => onTaskAction(ctx, deps));
}
