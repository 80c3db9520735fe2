/**
 * The outbox: every message the bot sends is a row written in the same transaction as the change that caused
 * it, then delivered by a worker. Delivery is planned per recipient so the channel's per-member limits (WeCom: 30 a
 * minute, 1000 an hour, silently dropped beyond) are never crossed: over budget, pending rows merge into one digest.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { asDate, type Database, type DbOrTx, type Tx } from './db';
import { atCommit, commitKind } from './commit-tail';
import { hotQuery } from './hot-query';
import { naturalBatcher } from './natural-batch';
import { outbox } from './schema';

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'merged';

export interface NewOutboxMessage {
  /** The channel that delivers it (bot/channel.ts ChannelName); WeCom when absent. */
  channel?: string;
  recipient: string;
  kind: 'message' | 'card_update';
  /** The neutral message type (OutMessage['type']) or the update's type. */
  messageType: string;
  body: unknown;
  summary: string;
  cause?: string;
  /** The card's id (a card message, or the card an update changes). */
  cardId?: string;
  /** The platform's handle to update the card (WeCom: the click's response_code). */
  cardToken?: string;
  /** Deliver no earlier than this (defaults to now). */
  notBefore?: Date;
}

export interface RateLimits { perMinute: number; perHour: number }

/** Written on rows held back because the member's budget was spent; such a backlog is delivered as one digest. */
export const DEFERRED_NOTE = 'deferred: per-member limit (30/min, 1000/h) reached';

/**
 * A reply to the recipient's own command or upload: a row caused by an inbox event of that same person
 * (cause `inbox:<id>` whose user is the recipient) or by their upload (cause `upload`). Replies are never merged
 * into a digest and go first within the member's budget; everything else (notices, warnings, reports) is merged
 * when over budget.
 */
const REPLY_SQL = sql`case when o.cause ~ '^inbox:[0-9]+$'
    then exists (select 1 from inbox i where i.id = substring(o.cause from 7)::bigint and lower(i.user_id) = lower(o.recipient))
    else coalesce(o.cause = 'upload', false) end`;

export type PlannableRow = Pick<OutboxRow, 'id' | 'lastError'> & { reply: boolean };

/**
 * Splits one member's due messages (in order) over the budget left: replies first, sent as they are (when even
 * they do not fit, the rest wait for the window — a reply is never folded into a digest); then notices, sent as
 * they are while they fit, merged into one digest (one slot kept for it) when they do not. A backlog of notices
 * that already waited for the window goes as one digest rather than a second burst.
 */
export function planBudget<R extends PlannableRow>(messages: R[], left: number): { send: R[]; merge: R[]; defer: R[] } {
  const replies = messages.filter((m) => m.reply);
  const notices = messages.filter((m) => !m.reply);
  const send = replies.slice(0, Math.max(0, left));
  const defer = replies.slice(send.length);
  let room = Math.max(0, left - send.length);
  if (defer.length || room === 0) return { send, merge: [], defer: [...defer, ...notices] };
  const backlog = notices.length > 1 && notices.some((m) => m.lastError === DEFERRED_NOTE);
  if (!backlog && notices.length <= room) return { send: [...send, ...notices], merge: [], defer: [] };
  if (backlog) return { send, merge: notices, defer: [] };
  // Keep one slot for the digest; everything past the budget is merged, never dropped.
  room -= 1;
  return { send: [...send, ...notices.slice(0, room)], merge: notices.slice(room), defer: [] };
}

/** What the worker must send for one recipient now. */
export interface DeliveryPlan {
  recipient: string;
  /** Rows to send as they are, in order. */
  send: OutboxRow[];
  /** Rows to merge into one digest message (the digest row is created by `createDigest`). */
  merge: OutboxRow[];
  /** When nothing can be sent yet because the budget is spent: when to look again. */
  retryAt: Date | null;
}

/** An outbox row as `to_jsonb(outbox)` gives it (snake_case keys, timestamps as text). */
function outboxRowFromJson(j: Record<string, unknown>): OutboxRow {
  const date = (v: unknown) => (v == null ? null : new Date(String(v)));
  const str = (v: unknown) => (v == null ? null : String(v));
  const int = (v: unknown) => (v == null ? null : Number(v));
  return {
    id: Number(j.id), channel: String(j.channel), recipient: String(j.recipient), kind: String(j.kind),
    messageType: String(j.message_type), body: j.body, summary: String(j.summary), status: String(j.status),
    attempts: Number(j.attempts), nextAttemptAt: date(j.next_attempt_at)!, lockedUntil: date(j.locked_until),
    lastError: str(j.last_error), lastErrcode: int(j.last_errcode), cause: str(j.cause), cardId: str(j.card_id),
    cardToken: str(j.card_token), platformMsgId: str(j.platform_msg_id), mergedInto: int(j.merged_into),
    createdAt: date(j.created_at)!, sentAt: date(j.sent_at),
  };
}

/** `channel`: the channel this deployment delivers with (CHANNEL), written on rows that do not name one. */
/** What a delivery reports back: the platform's id, a card's token for later updates, a warning (delivered anyway). */
type SentResult = { msgId?: string; cardToken?: string; warning?: string };
/** The most rows one "sent" statement marks (one text per batch size: a bounded number of prepared statements). */
const MARK_SENT_BATCH_MAX = 16;

const insertOne = hotQuery('spb_outbox_insert', (on, name) => on.insert(outbox).values({
  channel: sql.placeholder('channel'), recipient: sql.placeholder('recipient'), kind: sql.placeholder('kind'), messageType: sql.placeholder('messageType'),
  body: sql.placeholder('body'), summary: sql.placeholder('summary'), cause: sql.placeholder('cause'), cardId: sql.placeholder('cardId'),
  cardToken: sql.placeholder('cardToken'), status: 'pending', nextAttemptAt: sql.placeholder('nextAttemptAt'), createdAt: sql.placeholder('createdAt'),
}).returning({ id: outbox.id }).prepare(name));

type OutboxInsert = {
  channel: string; recipient: string; kind: string; messageType: string; body: unknown; summary: string; cause: string | null;
  cardId: string | null; cardToken: string | null; nextAttemptAt: Date; createdAt: Date;
};

/** Inserts rows in the given order (ids ascend in it); one statement whatever their number. */
async function insertRows(on: DbOrTx, rows: OutboxInsert[]): Promise<number[]> {
  if (rows.length === 1) {
    const [row] = await insertOne(on, rows[0]!);
    return [row!.id];
  }
  // drizzle's multi-row VALUES costs ~100 µs of CPU per row to build; one JSON parameter instead.
  const json = JSON.stringify(rows.map((r) => ({
    channel: r.channel, recipient: r.recipient, kind: r.kind, message_type: r.messageType, body: r.body, summary: r.summary, cause: r.cause,
    card_id: r.cardId, card_token: r.cardToken, next_attempt_at: r.nextAttemptAt.toISOString(), created_at: r.createdAt.toISOString(),
  })));
  const res = (await on.execute(sql`
    insert into outbox (channel, recipient, kind, message_type, body, summary, cause, card_id, card_token, status, next_attempt_at, created_at)
    select channel, recipient, kind, message_type, body, summary, cause, card_id, card_token, 'pending', next_attempt_at, created_at
    from rows from (jsonb_to_recordset(${json}::jsonb) as (channel text, recipient text, kind text, message_type text, body jsonb, summary text,
      cause text, card_id text, card_token text, next_attempt_at timestamptz, created_at timestamptz))
      with ordinality as x(channel, recipient, kind, message_type, body, summary, cause, card_id, card_token, next_attempt_at, created_at, n)
    order by n
    returning id`)) as unknown as { rows: { id: number | string }[] };
  return res.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** A transaction's outbox rows are written together just before its commit (store/commit-tail.ts). */
const outboxTail = commitKind<OutboxInsert>('outbox', async (on, rows) => {
  await insertRows(on, rows);
});

const markOneSent = hotQuery('spb_outbox_sent', (on, name) => on.update(outbox).set({
  status: 'sent', sentAt: sql`${sql.placeholder('now')}`, lockedUntil: null, platformMsgId: sql`${sql.placeholder('msgId')}`,
  cardToken: sql`coalesce(${sql.placeholder('cardToken')}, ${outbox.cardToken})`, lastError: sql`${sql.placeholder('warning')}`,
}).where(and(eq(outbox.id, sql.placeholder('id')), eq(outbox.status, 'sending'))).prepare(name));

export function createOutboxRepo(database: Database, opts: { channel?: string } = {}) {
  const { db } = database;
  const defaultChannel = opts.channel ?? 'wecom';

  const toInsert = (messages: NewOutboxMessage[], now: Date): OutboxInsert[] => messages.map((m) => ({
    channel: m.channel ?? defaultChannel, recipient: m.recipient, kind: m.kind, messageType: m.messageType, body: m.body, summary: m.summary,
    cause: m.cause ?? null, cardId: m.cardId ?? null, cardToken: m.cardToken ?? null, nextAttemptAt: m.notBefore ?? now, createdAt: now,
  }));

  /**
   * Queues messages in the caller's transaction: written with the transaction's other outbox rows by one statement
   * just before its commit (store/commit-tail.ts), or at once on the database.
   */
  async function enqueue(on: DbOrTx, messages: NewOutboxMessage[], now: Date): Promise<void> {
    await atCommit(on, outboxTail, toInsert(messages, now));
  }

  /** Writes messages now and returns their ids (operations, tests). */
  async function insertNow(on: DbOrTx, messages: NewOutboxMessage[], now: Date): Promise<number[]> {
    return messages.length ? insertRows(on, toInsert(messages, now)) : [];
  }

  /** Recipients with something due, oldest first. Rows whose send lease expired (a crash) count as due. */
  async function dueRecipients(now: Date, limit: number): Promise<string[]> {
    const rows = await database.rows<{ recipient: string }>(sql`
      select recipient from outbox
      where (status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and locked_until < ${now})
      group by recipient order by min(id) limit ${limit}`);
    return rows.map((r) => r.recipient);
  }

  /**
   * Members whose budget is known spent until a time (their last plan said so): their due messages are held back
   * until then, marked as the plan marks them (DEFERRED_NOTE: a backlog of notices that waited goes as one digest) —
   * one statement for all of them instead of one plan each. Card updates are not message/send: never held.
   */
  async function holdBack(held: { recipient: string; until: Date }[], now: Date): Promise<void> {
    if (!held.length) return;
    const list = JSON.stringify(held.map((h) => ({ recipient: h.recipient, until: h.until.toISOString() })));
    await database.rows(sql`
      update outbox o set next_attempt_at = h.until, last_error = ${DEFERRED_NOTE}
      from jsonb_to_recordset(${list}::jsonb) as h(recipient text, until timestamptz)
      where o.recipient = h.recipient and o.status = 'pending' and o.next_attempt_at <= ${now} and o.kind <> 'card_update'`);
  }

  /**
   * The common cases in one statement (migration 0012 outbox_plan_simple): every due message fits in the member's
   * budget, so all due rows go to `sending` as they are — card updates first, then replies, then notices, each in
   * order, as planBudget would order them; or the budget is spent, so every due message waits for it (planBudget with
   * no room). 'full' when the budget has to split them (merge into a digest): the full plan runs.
   */
  async function planSimple(recipient: string, now: Date, limits: RateLimits, until: Date): Promise<DeliveryPlan | null | 'full'> {
    const rows = await database.rows<{ plan: 'send' | 'deferred' | 'busy' | 'full'; reply: boolean | null; r: Record<string, unknown> | null }>(sql`
      select plan, reply, r from outbox_plan_simple(${recipient}, ${now}, ${limits.perMinute}, ${limits.perHour}, ${until}, ${DEFERRED_NOTE})`);
    if (!rows.length) return { recipient, send: [], merge: [], retryAt: null };
    const first = rows[0]!;
    if (first.plan === 'busy') return null;
    if (first.plan === 'full') return 'full';
    if (first.plan === 'deferred') return { recipient, send: [], merge: [], retryAt: new Date(String(first.r!.frees_at)) };
    const planned = rows.map((x) => ({ row: outboxRowFromJson(x.r!), reply: x.reply === true }));
    const rank = (p: { row: OutboxRow; reply: boolean }) => (p.row.kind === 'card_update' ? 0 : p.reply ? 1 : 2);
    planned.sort((a, b) => rank(a) - rank(b) || a.row.id - b.row.id);
    return { recipient, send: planned.map((p) => p.row), merge: [], retryAt: null };
  }

  /**
   * Plans one recipient's delivery, holding an advisory lock on the recipient so two workers never spend the same
   * budget. Chosen rows are moved to `sending` with a lease. Simple plans take one statement (planSimple); when the
   * budget decides, a transaction merges what is over it into a digest and defers replies that do not fit.
   */
  async function planRecipient(recipient: string, now: Date, limits: RateLimits, leaseMs: number,
    digest: (rows: OutboxRow[]) => { messageType: string; body: unknown; summary: string }): Promise<DeliveryPlan | null> {
    const simple = await planSimple(recipient, now, limits, new Date(now.getTime() + leaseMs));
    if (simple !== 'full') return simple;
    return db.transaction(async (tx) => {
      const [lock] = await database.rows<{ ok: boolean }>(
        sql`select pg_try_advisory_xact_lock(hashtext(${`outbox:${recipient}`})) as ok`, tx);
      if (!lock?.ok) return null;
      await tx.execute(sql`
        update outbox set status = 'pending' where recipient = ${recipient} and status = 'sending' and locked_until < ${now}`);
      const due = await database.rows<OutboxRow & { reply: boolean }>(sql`
        select id, channel, recipient, kind, message_type as "messageType", body, summary, status, attempts, cause, card_id as "cardId", last_error as "lastError",
          card_token as "cardToken", created_at as "createdAt", next_attempt_at as "nextAttemptAt", ${REPLY_SQL} as reply
        from outbox o where recipient = ${recipient} and status = 'pending' and next_attempt_at <= ${now}
        order by id for update`, tx).then((rows) => rows.map((r) => ({
          ...r, createdAt: asDate(r.createdAt), nextAttemptAt: asDate(r.nextAttemptAt),
        })));
      if (!due.length) return { recipient, send: [], merge: [], retryAt: null };

      const updates = due.filter((r) => r.kind === 'card_update'); // not message/send: no member budget
      const messages = due.filter((r) => r.kind !== 'card_update');
      const budget = await remainingBudget(tx, recipient, now, limits);
      const split = planBudget(messages, budget.left);
      const send: OutboxRow[] = [...updates, ...split.send];
      let merge: OutboxRow[] = split.merge;
      const retryAt: Date | null = split.defer.length ? budget.freesAt : null;
      if (split.defer.length) {
        await tx.update(outbox).set({ nextAttemptAt: budget.freesAt, lastError: DEFERRED_NOTE })
          .where(inArray(outbox.id, split.defer.map((m) => m.id)));
      }
      // The worker renews this lease while it sends the plan's rows one after another (store/leases.ts).
      const until = new Date(now.getTime() + leaseMs);
      if (merge.length === 1) {
        send.push(merge[0]!);
        merge = [];
      } else if (merge.length > 1) {
        const d = digest(merge);
        const [row] = await tx.insert(outbox).values({
          channel: defaultChannel, recipient, kind: 'message', messageType: d.messageType, body: d.body, summary: d.summary, status: 'sending',
          attempts: 1, nextAttemptAt: now, lockedUntil: until, createdAt: now, cause: 'digest',
        }).returning();
        await tx.update(outbox).set({ status: 'merged', mergedInto: row!.id, lockedUntil: null })
          .where(inArray(outbox.id, merge.map((m) => m.id)));
        send.push(row!);
      }
      const sendIds = send.filter((r) => r.status !== 'sending').map((r) => r.id);
      if (sendIds.length) {
        await tx.update(outbox).set({ status: 'sending', lockedUntil: until, attempts: sql`${outbox.attempts} + 1` })
          .where(inArray(outbox.id, sendIds));
      }
      return { recipient, send: send.map((r) => (sendIds.includes(r.id) ? { ...r, attempts: r.attempts + 1 } : r)), merge, retryAt };
    });
  }

  /** Budget left for message/send to one member: min of the minute and hour windows, counting in-flight sends. */
  async function remainingBudget(tx: Tx, recipient: string, now: Date, limits: RateLimits) {
    const minuteAgo = new Date(now.getTime() - 60_000);
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const [r] = await database.rows<{ minute: number | string; hour: number | string; oldest_minute: Date | string | null; oldest_hour: Date | string | null }>(sql`
      select
        count(*) filter (where sent_at > ${minuteAgo} or status = 'sending') as minute,
        count(*) as hour,
        min(sent_at) filter (where sent_at > ${minuteAgo}) as oldest_minute,
        min(sent_at) as oldest_hour
      from outbox
      where recipient = ${recipient} and kind = 'message'
        and ((status = 'sent' and sent_at > ${hourAgo}) or status = 'sending')`, tx);
    const minute = Number(r?.minute ?? 0);
    const hour = Number(r?.hour ?? 0);
    const left = Math.max(0, Math.min(limits.perMinute - minute, limits.perHour - hour));
    let freesAt = new Date(now.getTime() + 60_000);
    if (limits.perHour - hour <= 0 && r?.oldest_hour) freesAt = new Date(new Date(r.oldest_hour).getTime() + 3_600_000 + 1000);
    else if (r?.oldest_minute) freesAt = new Date(new Date(r.oldest_minute).getTime() + 60_000 + 1000);
    return { left, freesAt };
  }

  /**
   * Marks a delivered row sent. Marks that arrive while one is on its way are written together by the next statement
   * (store/natural-batch.ts); each caller resumes only once its row is marked, so a member's next message still
   * follows its predecessor's mark.
   */
  const markSentBatch = naturalBatcher<{ id: number; now: Date; result: SentResult }, void>(async (batch) => {
    if (batch.length === 1) {
      const { id, now, result } = batch[0]!;
      await markOneSent(db, { id, now, msgId: result.msgId ?? null, cardToken: result.cardToken ?? null, warning: result.warning ?? null });
      return [undefined];
    }
    const values = sql.join(batch.map(({ id, now, result }) =>
      sql`(${id}::bigint, ${now}::timestamptz, ${result.msgId ?? null}::text, ${result.cardToken ?? null}::text, ${result.warning ?? null}::text)`), sql`, `);
    await database.rows(sql`
      update outbox o set status = 'sent', sent_at = v.sent_at, locked_until = null, platform_msg_id = v.msg_id,
        card_token = coalesce(v.card_token, o.card_token), last_error = v.warning
      from (values ${values}) as v(id, sent_at, msg_id, card_token, warning)
      where o.id = v.id and o.status = 'sending'`);
    return batch.map(() => undefined);
  }, MARK_SENT_BATCH_MAX);

  function markSent(id: number, now: Date, result: SentResult): Promise<void> {
    return markSentBatch({ id, now, result });
  }

  async function markFailed(id: number, error: string, errcode: number | null, retryAt: Date | null) {
    await db.update(outbox).set({
      status: retryAt ? 'pending' : 'failed', lastError: error.slice(0, 2000), lastErrcode: errcode,
      lockedUntil: null, ...(retryAt ? { nextAttemptAt: retryAt } : {}),
    }).where(and(eq(outbox.id, id), eq(outbox.status, 'sending')));
  }

  async function list(filter: { status?: OutboxStatus; recipient?: string; limit?: number }) {
    const conds = [];
    if (filter.status) conds.push(eq(outbox.status, filter.status));
    if (filter.recipient) conds.push(eq(outbox.recipient, filter.recipient));
    return db.select().from(outbox).where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(outbox.id)).limit(Math.min(filter.limit ?? 100, 1000));
  }

  async function retry(id: number, now: Date): Promise<boolean> {
    const r = await db.update(outbox).set({ status: 'pending', attempts: 0, nextAttemptAt: now, lastError: null, lastErrcode: null })
      .where(and(eq(outbox.id, id), eq(outbox.status, 'failed'))).returning({ id: outbox.id });
    return r.length === 1;
  }

  async function stats(): Promise<{ status: string; count: number }[]> {
    const rows = await database.rows<{ status: string; count: number | string }>(
      sql`select status, count(*) as count from outbox group by status`);
    return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
  }

  return { enqueue, insertNow, dueRecipients, holdBack, planRecipient, markSent, markFailed, list, retry, stats };
}

export type OutboxRepo = ReturnType<typeof createOutboxRepo>;
