/**
 * Issue 16: the heatmap's dwell read from the per-day rollups (migrations 0006 and 0009, kept by triggers) and the
 * funnel read from 0009's entry rollup give the same figures as the direct computation over the whole history, on random histories, on PostgreSQL and on embedded
 * PGlite — histories written one row at a time and in batches, customers that went back, moved office, were
 * inserted after their history, or were moved through the store's own changeStage / changeOwner.
 */
import { sql } from 'drizzle-orm';
import { defaultPeriod, type DwellAggregate } from '../../domain/dashboard';
import { dwellAggregates, dwellAggregatesFullScan, funnelCounts, funnelCountsDirect } from '../../store/analytics';
import { changeOwner, changeStage, getCustomer } from '../../store/customers';
import { dwellFromRollup } from '../../store/dwell-rollup';
import { funnelFromRollup } from '../../store/funnel-rollup';
import { customerEvents, customers } from '../../store/schema';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';

const STAGES = ['lead', 'first_call', 'demo_done', 'proposal_submitted', 'negotiating', 'contract_pending'];
const OFFICES = ['east', 'west', null];
const NOW = new Date('2026-11-27T04:00:00Z'); // 12:00 in Shanghai
const H = 3_600_000;
/** The consecutive pairs, one that skips a stage, one backwards and two from the same stage. */
const PAIRS = [
  ...STAGES.slice(0, -1).map((s, i) => ({ from: s, to: STAGES[i + 1]! })),
  { from: 'lead', to: 'demo_done' }, { from: 'negotiating', to: 'first_call' }, { from: 'first_call', to: 'negotiating' },
];

/** A small deterministic generator (mulberry32), so a failure can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Ev = { kind: string; from: string | null; to: string; at: Date };

/** A walk through the stages: mostly forward, sometimes back or the same stage again, now and then a refusal. */
function walk(r: () => number): Ev[] {
  let at = new Date(NOW.getTime() - (1 + r() * 400 * 24) * H);
  let i = Math.floor(r() * 2);
  const evs: Ev[] = [{ kind: 'created', from: null, to: STAGES[i]!, at }];
  const n = Math.floor(r() * 12);
  for (let k = 0; k < n; k++) {
    const next = new Date(at.getTime() + (0.5 + r() * 30 * 24) * H);
    if (next.getTime() >= NOW.getTime() - H) break;
    at = next;
    const x = r();
    if (x < 0.1) { evs.push({ kind: 'refusal', from: STAGES[i]!, to: STAGES[Math.min(5, i + 1)]!, at }); continue; }
    const j = x < 0.3 ? Math.max(0, i - 1) : x < 0.35 ? i : Math.min(5, i + 1);
    evs.push({ kind: x > 0.95 ? 'override' : 'stage_change', from: STAGES[i]!, to: STAGES[j]!, at });
    i = j;
  }
  return evs;
}

/** Funnel rows in PAIRS order, a pair nobody entered as zeros (the direct computation leaves it out). */
function byPairs(rows: { a: string; b: string; entered: number; advanced: number }[]) {
  return PAIRS.map((x) => {
    const r = rows.find((y) => y.a === x.from && y.b === x.to);
    return `${x.from}>${x.to} ${r?.entered ?? 0}/${r?.advanced ?? 0}`;
  });
}

/** Counts exactly; averages to 1e-9 relative (sums of seconds in another order differ in the last bits). */
function expectSame(label: string, got: DwellAggregate[], want: DwellAggregate[]) {
  const key = (a: DwellAggregate) => `${a.officeId}|${a.stage}`;
  const sort = (rows: DwellAggregate[]) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
  const counts = (rows: DwellAggregate[]) => sort(rows).map((a) => [key(a), a.finishedCustomers, a.currentCustomers, a.customers].join(' '));
  expect({ label, cells: counts(got) }).toEqual({ label, cells: counts(want) });
  const w = sort(want);
  sort(got).forEach((g, i) => {
    for (const f of ['finishedAvgSeconds', 'currentAvgSeconds', 'avgSeconds'] as const) {
      const a = g[f];
      const b = w[i]![f];
      expect({ label, cell: key(g), f, ok: a === null ? b === null : b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) })
        .toEqual({ label, cell: key(g), f, ok: true });
    }
  });
}

describe.each(DRIVERS)('dwell rollup (%s)', (driver) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await openTestDatabase(driver); });
  afterAll(async () => { await db.close(); });
  beforeEach(async () => { await db.execScript('truncate customers, customer_events restart identity'); });

  async function insertCustomer(name: string, office: string | null, evs: Ev[], opts: { historyFirst: boolean; batch: boolean }) {
    const last = evs.filter((e) => e.kind !== 'refusal').at(-1)!;
    const row = { name, ownerId: 'rep1', officeId: office, stage: last.to, stageEnteredAt: last.at, createdAt: evs[0]!.at, updatedAt: last.at };
    let id: number;
    if (opts.historyFirst) {
      const [{ next } = { next: 0 }] = await db.rows<{ next: number }>(sql`select nextval(pg_get_serial_sequence('customers', 'id'))::int as next`);
      id = next;
    } else {
      id = (await db.db.insert(customers).values(row).returning())[0]!.id;
    }
    const values = evs.map((e) => ({ customerId: id, kind: e.kind, fromStage: e.from, toStage: e.to, actorId: 'rep1', source: 'text', at: e.at }));
    if (opts.batch) await db.db.insert(customerEvents).values(values);
    else for (const v of values) await db.db.insert(customerEvents).values(v);
    if (opts.historyFirst) await db.db.insert(customers).values({ ...row, id });
    return id;
  }

  async function compare(label: string) {
    const periods = [1, 7, 30, 90, 365, 1000].map((d) => defaultPeriod(NOW, d));
    for (const p of periods) {
      for (const scope of [{ kind: 'all' as const }, { kind: 'offices' as const, offices: ['west'] }]) {
        const q = { scope, stages: STAGES, ...p, now: NOW };
        const rollup = await dwellFromRollup(db, q);
        expect({ label, p, rollupAnswered: rollup !== null }).toEqual({ label, p, rollupAnswered: true });
        expectSame(`${label}, ${p.from.toISOString()}, ${scope.kind}`, rollup!, await dwellAggregatesFullScan(db, q));
        const f = { scope, pairs: PAIRS, ...p, windowSeconds: null };
        const funnel = await funnelFromRollup(db, f);
        expect({ label, p, scope, answered: funnel !== null }).toEqual({ label, p, scope, answered: true });
        expect({ label, p, scope, funnel: byPairs(funnel!) }).toEqual({ label, p, scope, funnel: byPairs(await funnelCountsDirect(db, f)) });
      }
    }
  }

  it.each([1, 2, 3])('agrees with the direct computation on a random history (seed %i)', async (seed) => {
    const r = rng(seed);
    for (let c = 0; c < 40; c++) {
      await insertCustomer(`客户${c}`, OFFICES[Math.floor(r() * 3)]!, walk(r), { historyFirst: r() < 0.15, batch: r() < 0.5 });
    }
    await compare('written');
    // Offices change (an ownership move to another office), and customers are deleted.
    await db.execScript(`update customers set office_id = case when id % 3 = 0 then 'west' when id % 3 = 1 then null else office_id end where id % 4 = 0`);
    await db.execScript('delete from customers where id % 11 = 5');
    await compare('after office changes and deletions');
    // The store's own moves, at later instants (one clock that never goes back).
    let t = NOW.getTime() - 30 * 60_000;
    for (const row of await db.rows<{ id: number }>(sql`select id from customers order by id limit 12`)) {
      t += 60_000;
      const c = (await getCustomer(db.db, Number(row.id)))!;
      const to = STAGES[(STAGES.indexOf(c.stage) + 1) % STAGES.length]!;
      await db.db.transaction(async (tx) => {
        const moved = await changeStage(tx, { customer: c, to, actorId: 'rep1', source: 'text', processVersion: '1', kind: 'stage_change' }, new Date(t));
        if (moved && moved.id % 2 === 0) await changeOwner(tx, { customer: moved, ownerId: 'rep2', officeId: 'east', actorId: 'admin', source: 'api' }, new Date(t));
      });
    }
    await compare('after store moves');
  });

  it('leaves to the direct computation what the rollup cannot answer exactly', async () => {
    const r = rng(7);
    for (let c = 0; c < 10; c++) await insertCustomer(`客户${c}`, 'east', walk(r), { historyFirst: false, batch: true });
    const aligned = defaultPeriod(NOW, 30);
    const q = { scope: { kind: 'all' as const }, stages: STAGES, now: NOW };
    expect(await dwellFromRollup(db, { ...q, from: new Date(aligned.from.getTime() + H), to: NOW })).toBeNull(); // not a day's start
    expect(await dwellFromRollup(db, { ...q, from: aligned.from, to: new Date(NOW.getTime() - H) })).toBeNull(); // ends before now
    expect(await dwellFromRollup(db, { ...q, ...aligned, now: new Date(NOW.getTime() - 400 * 24 * H) })).toBeNull(); // history after now
    for (const p of [{ from: new Date(aligned.from.getTime() + H), to: NOW }, { from: aligned.from, to: new Date(NOW.getTime() - 5 * H) }]) {
      expectSame(p.from.toISOString(), await dwellAggregates(db, { ...q, ...p }), await dwellAggregatesFullScan(db, { ...q, ...p }));
    }
    const f = { scope: { kind: 'all' as const }, pairs: PAIRS, windowSeconds: null };
    expect(await funnelFromRollup(db, { ...f, ...aligned, windowSeconds: 72 * 3600 })).toBeNull(); // a window
    expect(await funnelFromRollup(db, { ...f, from: new Date(aligned.from.getTime() + H), to: NOW })).toBeNull(); // not a day's start
    expect(await funnelFromRollup(db, { ...f, from: aligned.from, to: new Date(NOW.getTime() - 400 * 24 * H) })).toBeNull(); // rows after `to`
    // funnelCounts falls back to the direct computation then.
    const misaligned = { ...f, from: new Date(aligned.from.getTime() + H), to: NOW };
    expect(byPairs((await funnelCounts(db, misaligned)).map((r) => ({ ...r, a: r.from, b: r.to })))).toEqual(byPairs(await funnelCountsDirect(db, misaligned)));
  });
});
