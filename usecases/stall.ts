/**
 * Stall flags (R5): customers left in a stage (default 价格谈判中) with no update for more than N calendar days in
 * Asia/Shanghai are flagged (⚠️超期7天); the owner and the owner's supervisor get one message a day listing them with
 * each one's last 3 communication records. Flags are raised and cleared, never deleted.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { OutboundMessage } from '../bot/wecom/outbound';
import { stallText } from '../cards/stall-texts';
import { calendarDaysBetween } from '../domain/schedule';
import type { ProcessDefinition } from '../domain/types';
import { recentTouchpoints } from '../store/customers';
import type { Database, DbOrTx } from '../store/db';
import { findPerson } from '../store/people';
import { customerFlags } from '../store/schema';

export interface StalledCustomer { id: number; name: string; ownerId: string; stage: string; lastUpdate: Date; days: number; flag: string }

/** Customers stalled now, per the process's stall rules. */
export async function findStalled(database: Database, on: DbOrTx, process: ProcessDefinition, now: Date): Promise<StalledCustomer[]> {
  const out: StalledCustomer[] = [];
  for (const rule of process.stall) {
    const rows = await database.rows<{ id: number; name: string; owner_id: string; stage: string; last_update: Date | string }>(sql`
      select c.id, c.name, c.owner_id, c.stage, greatest(
          c.stage_entered_at,
          coalesce((select max(t.at) from touchpoints t where t.customer_id = c.id), c.stage_entered_at),
          coalesce((select max(d.uploaded_at) from documents d where d.customer_id = c.id), c.stage_entered_at)
        ) as last_update
      from customers c where c.stage = ${rule.stage}`, on);
    for (const r of rows) {
      const last = new Date(r.last_update);
      const days = calendarDaysBetween(last, now);
      if (days > rule.days) out.push({ id: r.id, name: r.name, ownerId: r.owner_id, stage: r.stage, lastUpdate: last, days, flag: rule.flag });
    }
  }
  return out;
}

/** Raises flags for newly stalled customers and clears flags of customers that moved on. */
export async function syncStallFlags(on: DbOrTx, stalled: StalledCustomer[], now: Date): Promise<void> {
  const open = await on.select().from(customerFlags).where(and(eq(customerFlags.kind, 'stalled'), isNull(customerFlags.clearedAt)));
  const openIds = new Set(open.map((f) => f.customerId));
  const stalledIds = new Set(stalled.map((s) => s.id));
  const raise = stalled.filter((s) => !openIds.has(s.id));
  if (raise.length) {
    await on.insert(customerFlags).values(raise.map((s) => ({
      customerId: s.id, kind: 'stalled', raisedAt: now, data: { flag: s.flag, days: s.days, stage: s.stage, lastUpdate: s.lastUpdate },
    })));
  }
  const clear = open.filter((f) => !stalledIds.has(f.customerId)).map((f) => f.id);
  if (clear.length) await on.update(customerFlags).set({ clearedAt: now }).where(inArray(customerFlags.id, clear));
}

/** The daily job: flag, then one message per owner and per supervisor. */
export async function runStallCheck(database: Database, on: DbOrTx, process: ProcessDefinition, now: Date,
  emit: (to: string[], m: OutboundMessage) => Promise<void>): Promise<StalledCustomer[]> {
  const stalled = await findStalled(database, on, process, now);
  await syncStallFlags(on, stalled, now);
  const byRecipient = new Map<string, StalledCustomer[]>();
  const add = (who: string, s: StalledCustomer) => byRecipient.set(who, [...(byRecipient.get(who) ?? []), s]);
  for (const s of stalled) {
    add(s.ownerId, s);
    const owner = await findPerson(on, s.ownerId);
    if (owner?.supervisorId) add(owner.supervisorId, s);
  }
  for (const [who, list] of byRecipient) {
    const details = [];
    for (const s of list.slice(0, 10)) {
      const owner = await findPerson(on, s.ownerId);
      details.push({ ...s, ownerName: owner?.name ?? s.ownerId, touchpoints: await recentTouchpoints(on, s.id, 3) });
    }
    await emit([who], { msgtype: 'text', text: { content: stallText(details, list.length, who) } });
  }
  return stalled;
}
