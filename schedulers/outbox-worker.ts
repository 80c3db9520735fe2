/**
 * Delivers outbox rows through the row's channel (bot/channel.ts: WeCom, DingTalk). Per recipient: plan within
 * the member's budget (digest beyond it), send in order, then record sent / retry later / failed with the
 * platform's code. Nothing is dropped silently: a row ends `sent`, `merged` (into a digest that is itself a row)
 * or `failed` (visible at GET /api/outbox?status=failed).
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock';
import type { CardRef, CardUpdate, Channel, OutMessage, SendResult } from '../bot/channel';
import { errorMessage } from '../bot/errors';
import type { OutboxRepo, OutboxRow, RateLimits } from '../store/outbox';
import type { LeaseKeeper } from '../store/leases';
import { soonQueries } from '../store/db';

export interface OutboxWorkerOptions {
  outbox: OutboxRepo;
  /** The channel that delivers rows (its `name` must match the rows' channel; others are parked as misrouted). */
  channel: Channel;
  clock: Clock;
  log: Logger;
  /** Builds the digest message for rows merged over the member limit. */
  digest(rows: OutboxRow[]): { messageType: string; body: unknown; summary: string };
  limits?: RateLimits;
  maxAttempts?: number;
  leaseMs?: number;
  /** Renews the `sending` lease while a plan is delivered (short leases: fast recovery after a crash). */
  leases?: LeaseKeeper;
  onResult?(outcome: 'sent' | 'retry' | 'failed', errcode?: number): void;
}

/** Backoff for transient failures: 5 s, 20 s, 80 s … capped at 30 min; a platform may ask for longer. */
export function outboxBackoffMs(attempts: number, atLeastMs = 0): number {
  return Math.max(Math.min(5_000 * 4 ** Math.max(0, attempts - 1), 30 * 60_000), atLeastMs);
}

/** Recipients delivered to at once outside the drain (deliverNow). */
const EXPRESS_MAX = 8;

const numericCode = (code: string) => (/^-?\d+$/.test(code) ? Number(code) : null);

export function createOutboxWorker(opts: OutboxWorkerOptions) {
  const limits = opts.limits ?? { perMinute: opts.channel.limits.perMemberPerMinute, perHour: opts.channel.limits.perMemberPerHour };
  const maxAttempts = opts.maxAttempts ?? 8;
  const leaseMs = opts.leaseMs ?? opts.leases?.leaseMs ?? 60_000;

  async function attempt(row: OutboxRow): Promise<SendResult> {
    const key = `outbox:${row.id}`;
    if (row.channel !== opts.channel.name) {
      return { ok: false, retry: 'never', code: 'misrouted', message: `row is for ${row.channel}, this instance delivers ${opts.channel.name}` };
    }
    try {
      if (row.kind === 'card_update') {
        const ref: CardRef = { channel: opts.channel.name, id: row.cardId ?? '', ...(row.cardToken ? { token: row.cardToken } : {}) };
        return await opts.channel.updateCard(ref, row.body as CardUpdate, key, row.recipient);
      }
      return await opts.channel.send(row.recipient, row.body as OutMessage, key);
    } catch (err) {
      // A channel classifies its own failures; anything thrown past it is infrastructure: retry later.
      return { ok: false, retry: 'later', code: 'internal', message: errorMessage(err) };
    }
  }

  async function deliver(row: OutboxRow): Promise<void> {
    const log = opts.log.child({ outboxId: row.id, to: row.recipient, type: row.messageType, channel: row.channel });
    const result = await attempt(row);
    if (result.ok) {
      await opts.outbox.markSent(row.id, opts.clock.now(), { msgId: result.platformId, cardToken: result.cardToken, warning: result.warning });
      if (result.warning) log.warn({ warning: result.warning }, 'delivered with a warning');
      opts.onResult?.('sent');
      return;
    }
    // The member's budget counted this send while it was in flight: it did not happen, so plan them afresh.
    heldUntil.delete(row.recipient);
    const errcode = numericCode(result.code);
    const retryAt = result.retry !== 'never' && row.attempts < maxAttempts
      ? new Date(opts.clock.now().getTime() + outboxBackoffMs(row.attempts, result.retryAfterMs ?? 0))
      : null;
    await opts.outbox.markFailed(row.id, `${result.code}: ${result.message}`, errcode, retryAt);
    log[retryAt ? 'warn' : 'error']({ err: result.message, code: result.code, retry: result.retry, attempts: row.attempts }, retryAt ? 'delivery failed; will retry' : 'delivery failed; parked');
    opts.onResult?.(retryAt ? 'retry' : 'failed', errcode ?? undefined);
  }

  /**
   * Members whose budget is spent, until when (their last plan's retryAt). Their new messages would only be held back
   * until then, so the drain holds them back for all such members in one statement (store/outbox.ts holdBack) instead
   * of planning each member again at every wake-up (most of the database's work when warnings arrive spread out:
   * bench:timers); a card update still goes at once. This process's memory only: another instance plans as before.
   */
  const heldUntil = new Map<string, number>();

  /**
   * Plans and sends one recipient's due rows. Its database requests go before the handlers' in embedded mode
   * (soonQueries): a reply already decided is not held up by the handling of newer messages.
   */
  const deliverRecipient = (recipient: string): Promise<void> => soonQueries(() => deliverRecipientNow(recipient));
  async function deliverRecipientNow(recipient: string): Promise<void> {
    const plan = await opts.outbox.planRecipient(recipient, opts.clock.now(), limits, leaseMs, opts.digest);
    if (!plan) return;
    if (plan.retryAt && !plan.send.length) heldUntil.set(recipient, plan.retryAt.getTime());
    else heldUntil.delete(recipient);
    opts.leases?.hold('outbox', plan.send.map((r) => r.id));
    for (const row of plan.send) { // in order, one member at a time
      try {
        await deliver(row);
      } finally {
        opts.leases?.release('outbox', [row.id]);
      }
    }
  }

  /**
   * Delivers to these recipients now, without waiting for a drain: a handler's reply leaves as soon as its
   * transaction committed. At most EXPRESS_MAX recipients at a time; false when some were not taken (the caller
   * then wakes the drain, which takes everything due). Two workers on one recipient are kept apart by the plan's
   * lock, so a recipient the drain is serving is simply skipped here.
   */
  const express = new Set<Promise<void>>();
  function deliverNow(recipients: readonly string[]): boolean {
    let all = true;
    for (const r of recipients) {
      if (express.size >= EXPRESS_MAX) {
        all = false;
        continue;
      }
      const p: Promise<void> = deliverRecipient(r)
        .catch((err: unknown) => opts.log.warn({ err: errorMessage(err), to: r }, 'delivery failed; the sweep retries'))
        .finally(() => express.delete(p));
      express.add(p);
    }
    return all;
  }

  /** Resolves when the deliveries started by deliverNow have finished (graceful stop). */
  async function settle(): Promise<void> {
    while (express.size) await Promise.all([...express]);
  }

  /**
   * Delivers everything due, a few recipients at a time, until nothing is due. Deliveries the express lane has in
   * flight are awaited first (their rows are already leased: the drain would skip them) and last, so when a drain
   * resolves, what was due when it started has been delivered or has failed visibly.
   */
  async function drain(signal?: AbortSignal): Promise<void> {
    // Only the deliveries in flight now (a snapshot): under steady traffic the lane is never empty, and waiting for
    // that would hold the drain — and the retries and held rows only it delivers — forever.
    await Promise.all([...express]);
    await drainDue(signal);
    await Promise.all([...express]);
  }

  /** Stops between recipients when `signal` aborts (the instance is stopping): the rest stays due for the next. */
  function drainDue(signal?: AbortSignal): Promise<void> {
    return soonQueries(() => drainDueNow(signal));
  }

  async function drainDueNow(signal?: AbortSignal): Promise<void> {
    const tried = new Set<string>();
    while (!signal?.aborted) {
      const now = opts.clock.now();
      for (const [r, until] of heldUntil) if (until <= now.getTime()) heldUntil.delete(r);
      await opts.outbox.holdBack([...heldUntil].map(([recipient, until]) => ({ recipient, until: new Date(until) })), now);
      const due = (await opts.outbox.dueRecipients(now, 64)).filter((r) => !tried.has(r));
      if (!due.length) return;
      due.forEach((r) => tried.add(r));
      // A few lanes, each taking the next recipient as soon as it is free (a slow answer holds up one lane only).
      let next = 0;
      const lane = async () => {
        while (next < due.length && !signal?.aborted) await deliverRecipient(due[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(4, due.length) }, lane));
    }
  }

  return { drain, deliver, deliverNow, settle };
}
