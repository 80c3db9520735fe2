/**
 * Delivers outbox rows to WeCom. Per recipient: plan within the member's budget (digest beyond it), send in
 * order, then record sent / retry later / failed with the errcode. Nothing is dropped silently: a row ends
 * `sent`, `merged` (into a digest that is itself a row) or `failed` (visible at GET /api/outbox?status=failed).
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock';
import { classifyWecomError } from '../bot/wecom/api';
import { errorMessage, WecomApiError } from '../bot/errors';
import type { CardUpdate, OutboundMessage } from '../bot/wecom/outbound';
import type { OutboxRepo, OutboxRow, RateLimits } from '../store/outbox';
import type { LeaseKeeper } from '../store/leases';

export interface DeliveryClient {
  sendMessage(body: Record<string, unknown>): Promise<{ msgId?: string; responseCode?: string; invalidUser?: string[] }>;
  updateTemplateCard(args: { userIds: string[]; responseCode: string; card?: Record<string, unknown>; replaceName?: string }): Promise<unknown>;
}

export interface OutboxWorkerOptions {
  outbox: OutboxRepo;
  client: DeliveryClient;
  clock: Clock;
  log: Logger;
  /** Builds the digest message for rows merged over the member limit. */
  digest(rows: OutboxRow[]): { msgtype: string; body: unknown; summary: string };
  limits?: RateLimits;
  /** Resolves a media reference such as `@sop:方案撰写SOP.md` to a live media_id (uploading it when needed). */
  resolveMedia?<T>(ref: string, send: (mediaId: string) => Promise<T>): Promise<T>;
  maxAttempts?: number;
  leaseMs?: number;
  /** Renews the `sending` lease while a plan is delivered (short leases: fast recovery after a crash). */
  leases?: LeaseKeeper;
  onResult?(outcome: 'sent' | 'retry' | 'failed', errcode?: number): void;
}

/**
 * WeCom's frequency limit: the block lasts the limit's window (60 s for per-minute limits), so waiting less is
 * pointless. 45033 (too many concurrent calls) clears as soon as the load drops: normal backoff.
 */
const FREQUENCY_LIMIT = 45009;

/** Backoff for transient failures: 5 s, 20 s, 80 s … capped at 30 min; frequency limits wait at least a minute. */
export function outboxBackoffMs(attempts: number, rateLimited: boolean): number {
  const base = Math.min(5_000 * 4 ** Math.max(0, attempts - 1), 30 * 60_000);
  return rateLimited ? Math.max(base, 60_000) : base;
}

export function createOutboxWorker(opts: OutboxWorkerOptions) {
  const limits = opts.limits ?? { perMinute: 30, perHour: 1000 };
  const maxAttempts = opts.maxAttempts ?? 8;
  const leaseMs = opts.leaseMs ?? opts.leases?.leaseMs ?? 60_000;

  async function deliver(row: OutboxRow): Promise<void> {
    const log = opts.log.child({ outboxId: row.id, to: row.recipient, msgtype: row.msgtype });
    try {
      if (row.kind === 'card_update') {
        const update = row.body as CardUpdate;
        if (!row.responseCode) throw new Error('card update without a response code');
        await opts.client.updateTemplateCard({
          userIds: [row.recipient], responseCode: row.responseCode,
          ...('template_card' in update ? { card: update.template_card } : { replaceName: update.button.replace_name }),
        });
        await opts.outbox.markSent(row.id, opts.clock.now(), {});
      } else {
        const message = row.body as OutboundMessage;
        const ref = message.msgtype === 'file' && message.file.media_id.startsWith('@') ? message.file.media_id : null;
        const send = (m: OutboundMessage) => opts.client.sendMessage({ touser: row.recipient, ...m });
        const result = ref && opts.resolveMedia
          ? await opts.resolveMedia(ref, (mediaId) => send({ msgtype: 'file', file: { media_id: mediaId } }))
          : await send(message);
        await opts.outbox.markSent(row.id, opts.clock.now(), result);
        if (result.invalidUser?.length) log.warn({ invalid: result.invalidUser }, 'recipient outside the app’s visible range');
      }
      opts.onResult?.('sent');
    } catch (err) {
      const kind = classifyWecomError(err);
      const errcode = err instanceof WecomApiError ? err.errcode : null;
      const retryable = kind === 'transient' || kind === 'rate_limited' || kind === 'token';
      const retryAt = retryable && row.attempts < maxAttempts
        ? new Date(opts.clock.now().getTime() + outboxBackoffMs(row.attempts, errcode === FREQUENCY_LIMIT))
        : null;
      await opts.outbox.markFailed(row.id, errorMessage(err), errcode, retryAt);
      log[retryAt ? 'warn' : 'error']({ err: errorMessage(err), errcode, kind, attempts: row.attempts }, retryAt ? 'delivery failed; will retry' : 'delivery failed; parked');
      opts.onResult?.(retryAt ? 'retry' : 'failed', errcode ?? undefined);
    }
  }

  async function deliverRecipient(recipient: string): Promise<void> {
    const plan = await opts.outbox.planRecipient(recipient, opts.clock.now(), limits, leaseMs, opts.digest);
    if (!plan) return;
    opts.leases?.hold('outbox', plan.send.map((r) => r.id));
    for (const row of plan.send) { // in order, one member at a time
      try {
        await deliver(row);
      } finally {
        opts.leases?.release('outbox', [row.id]);
      }
    }
  }

  /** Delivers everything due, a few recipients at a time, until nothing is due. */
  async function drain(): Promise<void> {
    const tried = new Set<string>();
    for (;;) {
      const due = (await opts.outbox.dueRecipients(opts.clock.now(), 64)).filter((r) => !tried.has(r));
      if (!due.length) return;
      due.forEach((r) => tried.add(r));
      const lanes = 4;
      for (let i = 0; i < due.length; i += lanes) {
        await Promise.all(due.slice(i, i + lanes).map(deliverRecipient));
      }
    }
  }

  return { drain, deliver };
}
