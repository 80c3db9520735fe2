/** The catch-all: any text nobody else understood gets the list of commands, so the bot is never silent. */
import type { Router } from '../bot/router';
import { helpText } from '../cards/help';

export function registerHelp(router: Router): void {
  // 帮助 has no handler of its own: it and anything not understood reach the fallback, with the same list.
  router.fallback(async (ctx) => {
    const input = ctx.event.text.trim();
    await ctx.say(helpText(input));
  });
  // Media and other messages the bot cannot use yet: say what it can do instead of staying silent.
  for (const kind of ['message.image', 'message.voice', 'message.video', 'message.location', 'message.link'] as const) {
    router.on(kind, async (ctx) => {
      await ctx.say(helpText(''));
    });
  }
}
