/**
 * R9, second rule: a rep whose customer-confirmation rate is under 60% three weeks in a row gets the
 * 《技术话术应答质检表》, as help. The confirmation rate of a week is the share of the rep's customers that entered
 * 产品演示完成 in that week and then confirmed the next step — entered 方案已提交 within 72 hours (the customer
 * accepted a proposal). Weeks with fewer than 2 demos do not count, and do not break a streak. One push per streak.
 */
import { sql } from 'drizzle-orm';
import type { OutMessage } from '../domain/messages';
import { sopFile } from '../cards/task-cards';
import type { Database, DbOrTx } from '../store/db';
import { appState } from '../store/schema';

export interface ConfirmationRule { from: string; to: string; windowHours: number; threshold: number; weeks: number; minCases: number; sop: string }

export const DEFAULT_CONFIRMATION_RULE: ConfirmationRule = {
  from: 'demo_done', to: 'proposal_submitted', windowHours: 72, threshold: 0.6, weeks: 3, minCases: 2, sop: '技术话术应答质检表.md',
};

const WEEK_MS = 7 * 86_400_000;

/** Per rep, the confirmation rate of each of the last `weeks` complete weeks ending at `weekEnd` (oldest first). */
export async function weeklyRates(database: Database, on: DbOrTx, rule: ConfirmationRule, weekEnd: Date) {
  const start = new Date(weekEnd.getTime() - rule.weeks * WEEK_MS);
  const rows = await database.rows<{ owner_id: string; week: number; demos: number; confirmed: number }>(sql`
    select c.owner_id,
      floor(extract(epoch from (a.at - ${start}::timestamptz)) / ${WEEK_MS / 1000})::int as week,
      count(*)::int as demos,
      count(*) filter (where exists (
        select 1 from customer_events b where b.customer_id = a.customer_id and b.to_stage = ${rule.to}
          and b.kind in ('stage_change', 'override') and b.at >= a.at and b.at <= a.at + make_interval(hours => ${rule.windowHours})))::int as confirmed
    from customer_events a join customers c on c.id = a.customer_id
    where a.to_stage = ${rule.from} and a.kind in ('stage_change', 'override') and a.at >= ${start} and a.at < ${weekEnd}
    group by 1, 2`, on);
  const byRep = new Map<string, ({ demos: number; rate: number } | null)[]>();
  for (const r of rows) {
    const weeks = byRep.get(r.owner_id) ?? Array.from({ length: rule.weeks }, () => null);
    if (r.week >= 0 && r.week < rule.weeks) weeks[r.week] = { demos: r.demos, rate: r.demos ? r.confirmed / r.demos : 0 };
    byRep.set(r.owner_id, weeks);
  }
  return byRep;
}

/** Reps below the threshold in every counted week of the window (all weeks must have enough cases). */
export function lowStreak(weeks: ({ demos: number; rate: number } | null)[], rule: ConfirmationRule): boolean {
  return weeks.length === rule.weeks && weeks.every((w) => w !== null && w.demos >= rule.minCases && w.rate < rule.threshold);
}

export async function runConfirmationCheck(database: Database, on: DbOrTx, now: Date,
  emit: (to: string[], m: OutMessage) => Promise<void>, rule = DEFAULT_CONFIRMATION_RULE): Promise<string[]> {
  const rates = await weeklyRates(database, on, rule, now);
  const pushed: string[] = [];
  for (const [rep, weeks] of rates) {
    if (!lowStreak(weeks, rule)) continue;
    const key = `r9:confirmation:${rep}`;
    const [prev] = await on.select().from(appState).where(sql`${appState.key} = ${key}`);
    const last = prev ? new Date((prev.value as { at: string }).at).getTime() : 0;
    if (now.getTime() - last < rule.weeks * WEEK_MS) continue; // one push per streak
    const rates = weeks.map((w) => `${Math.round((w?.rate ?? 0) * 100)}%`).join('、');
    await emit([rep], { type: 'text', text: `📘 最近${rule.weeks}周，演示后72小时内客户确认方案的比例分别是 ${rates}，都低于${Math.round(rule.threshold * 100)}%。\n随后发送《技术话术应答质检表》，可以用它对照检查自己的技术问答，也欢迎找主管一起复盘。这是帮助，不是批评 🙂` });
    await emit([rep], sopFile(rule.sop));
    await on.insert(appState).values({ key, value: { at: now.toISOString(), rates }, updatedAt: now })
      .onConflictDoUpdate({ target: appState.key, set: { value: { at: now.toISOString(), rates }, updatedAt: now } });
    pushed.push(rep);
  }
  return pushed;
}
