/**
 * 帮助 gets the command list (generated from the command table). Anything else nobody understood reaches the
 * fallback and gets the closest one or two commands, filled in with the customer it seems to be about
 * ("你是不是想：华夏医疗 推进 价格谈判中？"), and a pointer to 帮助 — never the whole list. So the bot is never silent,
 * and never a wall of text.
 */
import type { Router } from '../bot/router';
import { helpText, missText } from '../cards/help';
import { findStage, openStages } from '../domain/stages';
import { suggestCommands } from '../domain/suggest';
import { getFocus } from '../store/focus';
import { findPerson } from '../store/people';
import { nextForward, visibleCustomers, type StageDeps } from './stage-move';

export function registerHelp(router: Router, deps: Pick<StageDeps, 'process'>): void {
  router.command('help', async (ctx) => {
    await ctx.say(helpText());
  });
  router.fallback(async (ctx) => {
    const input = ctx.event.text.trim();
    const me = ctx.event.userId;
    const person = await findPerson(ctx.tx, me);
    // Someone outside the org has no customers to suggest: no more queries for them.
    const customers = person ? await visibleCustomers(ctx.tx, me, person) : [];
    const focusId = person ? await getFocus(ctx.tx, me, ctx.now) : null;
    const focus = customers.find((c) => c.id === focusId) ?? null; // still theirs (not handed on since)
    const suggestions = suggestCommands(input, {
      customers: customers.map((c) => c.name),
      stages: openStages(deps.process).map((s) => s.name),
      focus: focus ? { name: focus.name, nextStage: nextForward(deps.process, focus.stage)?.name ?? findStage(deps.process, focus.stage)?.name ?? null } : null,
    });
    await ctx.say(missText(input, suggestions));
  });
  // Media and other messages the bot cannot use yet: say what it can do instead of staying silent.
  const MESSAGES = new Set(['message.image', 'message.voice', 'message.video', 'message.location', 'message.link', 'picture', 'file', 'audio', 'video', 'richText']);
  router.on('unknown', async (ctx) => {
    if (!MESSAGES.has(ctx.event.type) || ctx.event.userId === 'sys') return;
    await ctx.say(missText('', ['我的任务', '帮助']));
  });
}
