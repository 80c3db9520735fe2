/**
 * Stall flags (R5): customers left in a stage (default 价格谈判中) with no update for more than N calendar days in
 * the business time zone are flagged (⚠️超期7天); the owner and the owner's supervisor get one message a day listing them with
 * each one's last 3 communication records. Flags are raised and cleared, never deleted.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { OutMessage } from '../domain/messages';
import { stallText } from '../cards/stall-texts';
import { calendarDaysBetween, isStalled, stalledBefore, type Scope } from '../domain/dashboard';
import { stallCandidates } from '../store/analytics';
import type { ProcessDefinition } from '../domain/types';
import { recentTouchpoints } from '../store/customers';
import type { Database, DbOrTx } from '../store/db';
import { findPerson } from '../store/people';
import { customerFlags } from '../store/schema';

export interface StalledCustomer {
  id: number; name: string; ownerId: string; ownerName: string | null; officeId: string | null; stage: string;
  stageEnteredAt: Date; lastUpdate: Date; days: number; flag: string;
}

/**
 * The one R5 rule: customers stalled now, per the process's stall rules (stage, calendar days in the business time zone),
 * last update as store/analytics.ts stallCandidates defines it (stage entry, touchpoint or document). The daily
 * flag job, `GET /api/customers?flag=stalled` and the dashboard's list all call this. Oldest update first.
 */
export async function stalledCustomers(database: Database, on: DbOrTx | undefined, process: ProcessDefinition, now: Date,
  scope: Scope = { kind: 'all' }, tz?: string): Promise<StalledCustomer[]> {
  const out: StalledCustomer[] = [];
  for (const rule of process.stall) {
    const rows = await stallCandidates(database, { scope, stage: rule.stage, before: stalledBefore(now, rule.days, tz), limit: 100_000 }, on);
    for (const r of rows) {
      if (!isStalled(r.lastUpdate, now, rule.days, tz)) continue;
      out.push({
        id: r.customerId, name: r.name, ownerId: r.ownerId, ownerName: r.ownerName, officeId: r.officeId, stage: r.stage,
        stageEnteredAt: r.stageEnteredAt, lastUpdate: r.lastUpdate, days: calendarDaysBetween(r.lastUpdate, now, tz), flag: rule.flag,
      });
    }
  }
  return out;
}

/** Customers stalled now (the daily job's name for it). */
export const findStalled = (database: Database, on: DbOrTx, process: ProcessDefinition, now: Date) => stalledCustomers(database, on, process, now);

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
  emit: (to: string[], m: OutMessage) => Promise<void>, opts: { ownersCovered?: boolean } = {}): Promise<StalledCustomer[]> {
  const stalled = await findStalled(database, on, process, now);
  await syncStallFlags(on, stalled, now);
  const byRecipient = new Map<string, StalledCustomer[]>();
  const add = (who: string, s: StalledCustomer) => byRecipient.set(who, [...(byRecipient.get(who) ?? []), s]);
  for (const s of stalled) {
    if (!opts.ownersCovered) add(s.ownerId, s);
    const owner = await findPerson(on, s.ownerId);
    if (owner?.supervisorId) add(owner.supervisorId, s);
  }
  for (const [who, list] of byRecipient) {
    const details = [];
    for (const s of list.slice(0, 10)) {
      const owner = await findPerson(on, s.ownerId);
      details.push({ ...s, ownerName: owner?.name ?? s.ownerId, touchpoints: await recentTouchpoints(on, s.id, 3) });
    }
    await emit([who], { type: 'text', text: stallText(details, list.length, who) });
  }
  return stalled;
}
