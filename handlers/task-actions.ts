/**
 * The supervisor's one-tap actions on a warning card (R3): 催办 nudges the rep, 延期24小时 grants an extension with
 * the chosen reason, 已处理 marks it handled (no further escalation). Each click is recorded and the card is
 * updated in place so everyone who got it sees who did what.
 */
import type { BotContext } from '../bot/context';
import type { Router } from '../bot/router';
import { EXTEND_REASONS, TASK_ACTION, extendedText, nudgeText } from '../cards/task-cards';
import { TEXTS_ZH } from '../domain/texts.zh';
import { findPerson } from '../store/people';
import { supervisorChain } from '../store/org';
import { addTaskEvent, extendTask, getTask, markHandled } from '../store/tasks';
import { scheduleTaskTimers, taskDef, taskFacts, type TaskServiceDeps } from '../usecases/tasks';

const EXTENSION_MS = 24 * 3_600_000;

async function onTaskAction(ctx: BotContext, deps: TaskServiceDeps): Promise<void> {
  if (ctx.event.kind !== 'event.template_card_event') return;
  const action = TASK_ACTION.parse(ctx.event.eventKey);
  if (!action) return;
  const { tx, now } = ctx;
  const me = ctx.event.userId;
  const task = await getTask(tx, action.taskId);
  if (!task) return ctx.say('这条预警对应的任务不存在了。');
  const actor = await findPerson(tx, me);
  const chain = await supervisorChain(tx, task.assigneeId, 5);
  const allowed = actor?.roles.includes('admin') || chain.some((p) => p.userId === me);
  if (!allowed) return ctx.say('抱歉，只有负责人的上级或管理员可以处理这条预警。');
  const def = taskDef(deps.process, task.kind);
  const name = actor?.name ?? me;
  const stamp = TEXTS_ZH.formatTime(now);

  if (task.status !== 'open') {
    await ctx.updateCard({ button: { replace_name: '任务已完成' } });
    return ctx.say(`「${def?.name ?? task.kind}」已经完成，无需处理。`);
  }
  if (action.version !== task.version) {
    // The card belongs to an earlier deadline (someone already extended it): acting on it would stack extensions.
    await ctx.updateCard({ button: { replace_name: '预警已过期' } });
    return ctx.say(`这张预警卡片已过期：「${def?.name ?? task.kind}」的截止时间已调整为 ${TEXTS_ZH.formatTime(task.dueAt)}，请以最新的预警为准。`);
  }
  switch (action.action) {
    case 'nudge': {
      const facts = await taskFacts(tx, def, task);
      await ctx.send({ msgtype: 'text', text: { content: nudgeText(facts, name) } }, [task.assigneeId]);
      await addTaskEvent(tx, { taskId: task.id, kind: 'nudged', actorId: me }, now);
      await ctx.updateCard({ button: { replace_name: `${name}已催办 ${stamp}`.slice(0, 20) } });
      return;
    }
    case 'extend': {
      const picked = ctx.event.selectedItems.find((s) => s.questionKey === 'extend_reason')?.optionIds[0];
      const reason = EXTEND_REASONS.find((r) => r.id === picked)?.text ?? EXTEND_REASONS[0]!.text;
      const base = Math.max(task.dueAt.getTime(), now.getTime());
      const extended = await extendTask(tx, task, new Date(base + EXTENSION_MS));
      if (!extended) return ctx.say('任务刚刚已被他人处理，请查看最新状态。');
      if (def) await scheduleTaskTimers(tx, deps, def, extended, now, now, { reschedule: true });
      await addTaskEvent(tx, { taskId: task.id, kind: 'extended', actorId: me, note: reason, data: { from: task.dueAt, to: extended.dueAt } }, now);
      const facts = await taskFacts(tx, def, extended);
      await ctx.send({ msgtype: 'text', text: { content: extendedText(facts, name, reason) } }, [task.assigneeId]);
      await ctx.updateCard({ button: { replace_name: `${name}已延期24小时`.slice(0, 20) } });
      return;
    }
    case 'handled': {
      if (!(await markHandled(tx, task, me, now))) return ctx.say('这条预警已被标记为已处理。');
      await addTaskEvent(tx, { taskId: task.id, kind: 'handled', actorId: me }, now);
      await ctx.updateCard({ button: { replace_name: `${name}已处理 ${stamp}`.slice(0, 20) } });
    }
  }
}

export function registerTaskActions(router: Router, deps: TaskServiceDeps): void {
  router.action(/^task:\d+:(nudge|extend|handled):\d+$/, (ctx) => onTaskAction(ctx, deps));
}
