/** The bridge from a chat event to a use case: the handler's transaction, instant and outbox as a use-case Call. */
import type { BotContext } from '../bot/context';
import type { EventSource } from '../store/customers';
import type { Call } from '../usecases/deps';
import type { Actor } from '../usecases/permissions';

export function callFrom(ctx: BotContext, source: EventSource = ctx.event.kind === 'message.text' ? 'text' : 'card'): Call {
  return { tx: ctx.tx, now: ctx.now, source, emit: (to, message) => ctx.send(message, [...to]) };
}

export const actorOf = (ctx: BotContext): Actor => ({ userId: ctx.event.userId });
