/** Pack send and open rates per office or rep (R6), with names, rates and averages; shared by the API and the dashboard. */
import type { MaterialsConfig } from '../domain/materials';
import type { Database } from '../store/db';
import { packMeasures, type PackMeasureRow } from '../store/material-measures';
import { listOffices, listPeople } from '../store/org';

export interface PackMeasure {
  key: string | null; name: string; entered: number; sent: number; sentOnTime: number; received: number;
  sendRate: number | null; onTimeRate: number | null; openRate: number | null;
  avgHoursToSend: number | null; avgHoursToOpen: number | null;
}

const rate = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : null);
const avg = (sum: number, n: number) => (n ? Math.round((sum / n) * 10) / 10 : null);

function shape(r: PackMeasureRow, name: string): PackMeasure {
  return {
    key: r.key, name, entered: r.entered, sent: r.sent, sentOnTime: r.sentOnTime, received: r.received,
    sendRate: rate(r.sent, r.entered), onTimeRate: rate(r.sentOnTime, r.entered), openRate: rate(r.received, r.sent),
    avgHoursToSend: avg(r.hoursToSend, r.sent), avgHoursToOpen: avg(r.hoursToReceive, r.received),
  };
}

export async function materialMeasures(database: Database, materials: MaterialsConfig, input: {
  from: Date; to: Date; by: 'office' | 'rep'; onTimeMs?: number; only?: (key: string | null) => boolean;
}) {
  const stages = [...new Set(materials.packs.map((p) => p.stage))];
  const rows = (await packMeasures(database, { from: input.from, to: input.to, stages, by: input.by, onTimeMs: input.onTimeMs ?? 24 * 3_600_000 }))
    .filter((r) => !input.only || input.only(r.key));
  const names = new Map<string, string>(input.by === 'office'
    ? (await listOffices(database.db)).map((o) => [o.id, o.name])
    : (await listPeople(database.db, { activeOnly: false })).map((p) => [p.userId, p.name]));
  const total = rows.reduce((t, r) => ({
    key: null, entered: t.entered + r.entered, sent: t.sent + r.sent, sentOnTime: t.sentOnTime + r.sentOnTime, received: t.received + r.received,
    hoursToSend: t.hoursToSend + r.hoursToSend, hoursToReceive: t.hoursToReceive + r.hoursToReceive,
  }), { key: null, entered: 0, sent: 0, sentOnTime: 0, received: 0, hoursToSend: 0, hoursToReceive: 0 } as PackMeasureRow);
  return {
    from: input.from, to: input.to, by: input.by, stages, onTimeHours: (input.onTimeMs ?? 24 * 3_600_000) / 3_600_000,
    total: shape(total, '合计'),
    groups: rows.map((r) => shape(r, r.key ? (names.get(r.key) ?? r.key) : '未分配')),
  };
}
