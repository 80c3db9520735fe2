/**
 * Pack measures (R6 "on-time material delivery"): of the customers that entered a stage with a pack in a period
 * (counted once per customer and stage, from their first entry in the period), how many got the pack (sent after
 * entering), how many within the on-time window, how many received it (every required item opened), and the
 * average hours from entering the stage to the send and to the receipt. Grouped by the customer's current office
 * or owner. One SQL statement; the caller adds names and rates.
 */
import { sql } from 'drizzle-orm';
import type { Database } from './db';

export interface PackMeasureRow {
  key: string | null;
  entered: number;
  sent: number;
  sentOnTime: number;
  received: number;
  /** Sums of hours, for averages over `sent` / `received`. */
  hoursToSend: number;
  hoursToReceive: number;
}

export async function packMeasures(database: Database, input: { from: Date; to: Date; stages: string[]; by: 'office' | 'rep'; onTimeMs: number }): Promise<PackMeasureRow[]> {
  if (!input.stages.length) return [];
  const group = input.by === 'office' ? sql`c.office_id` : sql`c.owner_id`;
  const stages = sql.join(input.stages.map((s) => sql`${s}`), sql`, `);
  const rows = await database.rows<Record<string, unknown>>(sql`
    with entries as (
      select e.customer_id, e.to_stage as stage, min(e.at) as entered_at
      from customer_events e
      where e.kind in ('created', 'stage_change', 'override') and e.to_stage in (${stages})
        and e.at >= ${input.from} and e.at < ${input.to}
      group by e.customer_id, e.to_stage
    ), joined as (
      select ${group} as key, en.entered_at,
        (select min(s.sent_at) from pack_sends s where s.customer_id = en.customer_id and s.stage = en.stage and s.sent_at >= en.entered_at) as sent_at,
        (select min(s.received_at) from pack_sends s where s.customer_id = en.customer_id and s.stage = en.stage and s.sent_at >= en.entered_at) as received_at
      from entries en join customers c on c.id = en.customer_id
      where c.merged_into is null
    )
    select key, count(*)::int as entered, count(sent_at)::int as sent,
      count(*) filter (where sent_at <= entered_at + ${`${input.onTimeMs} milliseconds`}::interval)::int as sent_on_time,
      count(received_at)::int as received,
      coalesce(sum(extract(epoch from sent_at - entered_at)) / 3600, 0)::float8 as hours_to_send,
      coalesce(sum(extract(epoch from received_at - entered_at)) / 3600, 0)::float8 as hours_to_receive
    from joined group by key order by key`);
  return rows.map((r) => ({
    key: (r.key as string | null) ?? null, entered: Number(r.entered), sent: Number(r.sent), sentOnTime: Number(r.sent_on_time),
    received: Number(r.received), hoursToSend: Number(r.hours_to_send), hoursToReceive: Number(r.hours_to_receive),
  }));
}
