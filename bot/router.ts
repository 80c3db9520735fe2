/**
 * The router (bolt/probot style): global middleware, then listeners registered with `on(kind)` and
 * `action(key)`, run as one chain. A listener that does not call `next()` ends the chain.
 *
 * Text messages: first the open conversations (`conversation()`: a guided form, a review comment window; a one-word
 * command such as 我的任务 is never an answer, so it only tells them, `onInterrupt`), then the ONE command grammar
 * (domain/command-table.ts parseChat) picks the command and its `command(kind)` handler runs; which command wins is
 * the table's business, never the order of registration. Anything not understood, or a
 * handler that passes (`next()`), reaches the `fallback` (the help).
 */
import type { BotContext } from './context';
import type { CardActionEvent, ChatEvent, ChatEventKind, TextEvent } from './channel';
import { asBotError, type BotError } from './errors';
import { isWholeMessageCommand, parseChat, type ChatCommand, type ChatCommandKind, type ChatCommandOf } from '../domain/command-table';

export type Next = () => Promise<void>;
export type Middleware<E extends ChatEvent = ChatEvent> = (ctx: BotContext<E>, next: Next) => Promise<void>;
export type Listener<E extends ChatEvent = ChatEvent> = (ctx: BotContext<E>, next: Next) => Promise<void> | void;
export type ErrorHook = (err: BotError, ctx: BotContext) => Promise<void> | void;
export type CommandHandler<K extends ChatCommandKind> = (ctx: BotContext<TextEvent>, command: ChatCommandOf<K>, next: Next) => Promise<void> | void;

interface Registration {
  matches(event: ChatEvent): boolean;
  listener: Listener;
}

export class Router {
  private readonly middleware: Middleware[] = [];
  private readonly listeners: Registration[] = [];
  private errorHook: ErrorHook | null = null;
  private readonly preparers = new Map<ChatEventKind, (event: ChatEvent) => Promise<unknown>>();
  private readonly conversations: { listener: Listener<TextEvent>; onInterrupt?: (ctx: BotContext<TextEvent>) => Promise<void> }[] = [];
  private readonly commands = new Map<ChatCommandKind, CommandHandler<ChatCommandKind>>();
  private fallbackListener: Listener<TextEvent> | null = null;

  use(mw: Middleware): this {
    this.middleware.push(mw);
    return this;
  }

  on<K extends ChatEventKind>(kind: K, ...listeners: Listener<Extract<ChatEvent, { kind: K }>>[]): this {
    for (const l of listeners) {
      this.listeners.push({ matches: (e) => e.kind === kind, listener: l as Listener });
    }
    return this;
  }

  /**
   * An open conversation that may take a person's next text as its answer (it calls `next()` when it has none
   * open for them). Conversations run before commands, in registration order: there are few, and each checks its
   * own state.
   */
  conversation(listener: Listener<TextEvent>, opts: {
    /**
     * When a one-word command (我的任务, 待评分…) comes while this conversation may be open: the command runs instead of
     * the conversation taking it as an answer; this runs first, so the conversation can end itself (a review's comment
     * window does; a guided form stays open for the next answer).
     */
    onInterrupt?: (ctx: BotContext<TextEvent>) => Promise<void>;
  } = {}): this {
    this.conversations.push({ listener, onInterrupt: opts.onInterrupt });
    return this;
  }

  /** The handler of one command kind of the grammar (domain/command-table.ts). One handler per kind. */
  command<K extends ChatCommandKind>(kind: K, handler: CommandHandler<K>): this {
    if (this.commands.has(kind)) throw new Error(`command ${kind} has a handler already`);
    this.commands.set(kind, handler as unknown as CommandHandler<ChatCommandKind>);
    return this;
  }

  /** What answers a text nobody handled (the help). */
  fallback(listener: Listener<TextEvent>): this {
    this.fallbackListener = listener;
    return this;
  }

  /** Card actions (a button, or a select's submit) whose action key matches. */
  action(key: string | RegExp, ...listeners: Listener<CardActionEvent>[]): this {
    const test = (k: string) => (typeof key === 'string' ? k === key || k.startsWith(`${key}:`) : key.test(k));
    for (const l of listeners) {
      this.listeners.push({
        matches: (e) => e.kind === 'card.action' && test(e.key),
        listener: l as Listener,
      });
    }
    return this;
  }

  /**
   * Work for an event that must happen before its transaction opens — calls to the platform, which should never hold a
   * database transaction (or, on PGlite, the only connection). The result reaches the handler as `ctx.prepared`.
   * A throw is a handler failure: the inbox retries the row.
   */
  prepare<K extends ChatEventKind>(kind: K, fn: (event: Extract<ChatEvent, { kind: K }>) => Promise<unknown>): this {
    this.preparers.set(kind, fn as (event: ChatEvent) => Promise<unknown>);
    return this;
  }

  async runPrepare(event: ChatEvent): Promise<unknown> {
    const fn = this.preparers.get(event.kind);
    return fn ? fn(event) : undefined;
  }

  onError(hook: ErrorHook): this {
    this.errorHook = hook;
    return this;
  }

  private async runCommand(ctx: BotContext<TextEvent>, command: ChatCommand, next: Next): Promise<void> {
    const handler = this.commands.get(command.kind);
    if (!handler) return next();
    await handler(ctx, command, next);
  }

  /** Runs the chain for one event. Errors reach the error hook and are rethrown so the inbox retries the row. */
  async dispatch(ctx: BotContext): Promise<void> {
    const command = ctx.event.kind === 'message.text' ? parseChat(ctx.event.text) : null;
    // A one-word command (我的任务, 待评分…) is never an answer: the open conversations are told, and the command runs.
    const interrupting = !!command && ctx.event.kind === 'message.text' && isWholeMessageCommand(ctx.event.text, command);
    const conversations: Listener[] = !command ? []
      : interrupting ? this.conversations.flatMap((c) => (c.onInterrupt ? [async (x: BotContext, next: Next) => {
        await c.onInterrupt!(x as BotContext<TextEvent>);
        await next();
      }] : []))
      : this.conversations.map((c) => c.listener as Listener);
    const text: Listener[] = command
      ? [...conversations, (c, next) => this.runCommand(c as BotContext<TextEvent>, command, next)] : [];
    const chain: Listener[] = [
      ...this.middleware,
      ...text,
      ...this.listeners.filter((r) => r.matches(ctx.event)).map((r) => r.listener),
      ...(ctx.event.kind === 'message.text' && this.fallbackListener ? [this.fallbackListener as Listener] : []),
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
