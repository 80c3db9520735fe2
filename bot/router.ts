/**
 * The router (bolt/probot style): global middleware, then listeners registered with `on(kind)` and
 * `action(key)`, run as one chain. A listener that does not call `next()` ends the chain, so a catch-all help
 * listener registered last answers only what nobody else took.
 */
import type { BotContext } from './context';
import type { EventKind, EventOf, TemplateCardEvent, WecomEvent } from './wecom/events';
import { asBotError, type BotError } from './errors';

export type Next = () => Promise<void>;
export type Middleware<E extends WecomEvent = WecomEvent> = (ctx: BotContext<E>, next: Next) => Promise<void>;
export type Listener<E extends WecomEvent = WecomEvent> = (ctx: BotContext<E>, next: Next) => Promise<void> | void;
export type ErrorHook = (err: BotError, ctx: BotContext) => Promise<void> | void;

interface Registration {
  matches(event: WecomEvent): boolean;
  listener: Listener;
}

export class Router {
  private readonly middleware: Middleware[] = [];
  private readonly listeners: Registration[] = [];
  private errorHook: ErrorHook | null = null;
  private readonly preparers = new Map<EventKind, (event: WecomEvent) => Promise<unknown>>();

  use(mw: Middleware): this {
    this.middleware.push(mw);
    return this;
  }

  on<K extends EventKind>(kind: K, ...listeners: Listener<EventOf<K>>[]): this {
    for (const l of listeners) {
      this.listeners.push({ matches: (e) => e.kind === kind, listener: l as Listener });
    }
    return this;
  }

  /** Card clicks (template_card_event and the card's top-right menu) whose EventKey matches. */
  action(key: string | RegExp, ...listeners: Listener<TemplateCardEvent>[]): this {
    const test = (k: string) => (typeof key === 'string' ? k === key || k.startsWith(`${key}:`) : key.test(k));
    for (const l of listeners) {
      this.listeners.push({
        matches: (e) => (e.kind === 'event.template_card_event' || e.kind === 'event.template_card_menu_event') && test(e.eventKey),
        listener: l as Listener,
      });
    }
    return this;
  }

  /**
   * Work for an event that must happen before its transaction opens — calls to WeCom, which should never hold a
   * database transaction (or, on PGlite, the only connection). The result reaches the handler as `ctx.prepared`.
   * A throw is a handler failure: the inbox retries the row.
   */
  prepare<K extends EventKind>(kind: K, fn: (event: EventOf<K>) => Promise<unknown>): this {
    this.preparers.set(kind, fn as (event: WecomEvent) => Promise<unknown>);
    return this;
  }

  async runPrepare(event: WecomEvent): Promise<unknown> {
    const fn = this.preparers.get(event.kind);
    return fn ? fn(event) : undefined;
  }

  onError(hook: ErrorHook): this {
    this.errorHook = hook;
    return this;
  }

  /** Runs the chain for one event. Errors reach the error hook and are rethrown so the inbox retries the row. */
  async dispatch(ctx: BotContext): Promise<void> {
    const chain: Listener[] = [
      ...this.middleware,
      ...this.listeners.filter((r) => r.matches(ctx.event)).map((r) => r.listener),
    ];
    try {
      await runChain(chain, ctx);
    } catch (err) {
      const botErr = asBotError(err);
      if (this.errorHook) await this.errorHook(botErr, ctx);
      throw botErr;
    }
  }
}

/** The chain runner: each step gets `next`; calling it twice is a bug and throws. */
export async function runChain(chain: Listener[], ctx: BotContext): Promise<void> {
  const step = async (i: number): Promise<void> => {
    const fn = chain[i];
    if (!fn) return;
    let called = false;
    await fn(ctx, async () => {
      if (called) throw new Error('next() called twice');
      called = true;
      await step(i + 1);
    });
  };
  await step(0);
}
