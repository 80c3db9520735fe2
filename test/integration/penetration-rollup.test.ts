/**
 * Issue 16: R8 penetration read from migration 0011's per-customer entry keys (kept by triggers) gives the same
 * figures as the direct computation over the history (penetrationCountsDirect), on random histories, on PostgreSQL
 * and on embedded PGlite: random pairs (A = B, a stage nobody entered), windows (0, exactly a delay between two
 * entries, longer than the history), periods (bounds on an entry's instant, a millisecond beside it, reversed,
 * before 1812 and after 2127), groupings; histories written row by row, in batches and several customers per
 * statement, before their customer row, with microsecond times, ties and entries a microsecond either side of a
 * window's end; customers moved to another office or owner, deleted, moved through the store's changeStage /
 * changeOwner; history rows corrected and removed. After each step the trigger-kept table must equal a rebuild.
 */
import { sql } from 'drizzle-orm';
import { changeOwner, changeStage, getCustomer } from '../../store/customers';
import { penetrationCounts, penetrationCountsDirect, type PenetrationBy, type PenetrationQuery } from '../../store/penetration';
import { penetrationRowsFromRollup } from '../../store/penetration-rollup';
import { customerEvents, customers } from '../../store/schema';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';

const STAGES = ['lead', 'first_call', 'demo_done', 'proposal_submitted', 'negotiating', 'contract_pending'];
const OFFICES = ['east', 'west', null];
const OWNERS = ['rep1', 'rep2', 'rep3'];
const NOW = new Date('2026-11-27T04:00:00Z');
const H = 3_600_000;

/** mulberry32, so a failure can be replayed from its seed. */
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

/** A walk through the stages: mostly forward, sometimes back or the same stage again, refusals, ties, whole seconds. */
function walk(r: () => number): Ev[] {
  let at = new Date(NOW.getTime() - (1 + r() * 200 * 24) * H);
  if (r() < 0.3) at = new Date(Math.floor(at.getTime() / 1000) * 1000);
  let i = Math.floor(r() * 3);
  const evs: Ev[] = [{ kind: 'created', from: null, to: STAGES[i]!, at }];
  const n = Math.floor(r() * 14);
  for (let k = 0; k < n; k++) {
    const x = r();
    // A tie now and then (two rows at the same instant), else 1 s to 10 days later, often a whole hour.
    const step = x < 0.05 ? 0 : x < 0.4 ? Math.ceil(r() * 240) * H : 1000 + r() * 10 * 24 * H;
    at = new Date(at.getTime() + step);
    const y = r();
    if (y < 0.1) { evs.push({ kind: 'refusal', from: STAGES[i]!, to: STAGES[Math.min(5, i + 1)]!, at }); continue; }
    const j = y < 0.3 ? Math.max(0, i - 1 - Math.floor(r() * 2)) : y < 0.38 ? i : Math.min(5, i + 1);
    evs.push({ kind: y > 0.93 ? 'override' : 'stage_change', from: STAGES[i]!, to: STAGES[j]!, at });
    i = j;
  }
  return evs;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

describe.each(DRIVERS)('penetration rollup (%s)', (driver) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await openTestDatabase(driver); });
  afterAll(async () => { await db.close(); });
  beforeEach(async () => { await db.execScript('truncate customers, customer_events restart identity'); });

  const row = (id: number, e: Ev) => ({ customerId: id, kind: e.kind, fromStage: e.from, toStage: e.to, actorId: 'rep1', source: 'text', at: e.at });

  /** Customers with random histories, written in the ways the bot, fixtures and imports write them. */
  async function seedCustomers(r: () => number, n: number) {
    const pending: ReturnType<typeof row>[] = []; // several customers' rows in one statement
    for (let c = 0; c < n; c++) {
      const evs = walk(r);
      const last = evs.filter((e) => e.kind !== 'refusal').at(-1)!;
      const values = { name: `客户${c}`, ownerId: pick(r, OWNERS), officeId: pick(r, OFFICES), stage: last.to, stageEnteredAt: last.at, createdAt: evs[0]!.at, updatedAt: last.at };
      const historyFirst = r() < 0.15;
      let id: number;
      if (historyFirst) {
        const [{ next } = { next: 0 }] = await db.rows<{ next: number }>(sql`select nextval(pg_get_serial_sequence('customers', 'id'))::int as next`);
        id = Number(next);
      } else {
        id = (await db.db.insert(customers).values(values).returning())[0]!.id;
      }
      const mode = r();
      if (mode < 0.3) for (const e of evs) await db.db.insert(customerEvents).values(row(id, e));
      else if (mode < 0.7 || historyFirst) await db.db.insert(customerEvents).values(evs.map((e) => row(id, e)));
      else pending.push(...evs.map((e) => row(id, e)));
      if (historyFirst) await db.db.insert(customers).values({ ...values, id });
    }
    if (pending.length) await db.db.insert(customerEvents).values(pending.sort(() => r() - 0.5));
  }

  /** Entry instants in the history (period bounds on them), and delays between two entries of a customer (windows). */
  async function instants() {
    const rows = await db.rows<{ customer_id: number; at: string }>(sql`
      select customer_id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at from customer_events
      where kind in ('created','stage_change','override') order by customer_id, at`);
    const ats = rows.map((x) => new Date(x.at));
    const delays: number[] = [];
    for (let i = 1; i < rows.length; i++) {
      if (rows[i]!.customer_id === rows[i - 1]!.customer_id) delays.push(Math.round((ats[i]!.getTime() - ats[i - 1]!.getTime()) / 1000));
    }
    return { ats, delays };
  }

  async function compare(label: string, seed: number, queries = 40) {
    const r = rng(seed * 1000 + label.length);
    const { ats, delays } = await instants();
    const instant = (): Date => {
      const x = r();
      if (x < 0.35 && ats.length) return pick(r, ats); // exactly on an entry (from is in, to is out)
      if (x < 0.45 && ats.length) return new Date(pick(r, ats).getTime() + (r() < 0.5 ? -1 : 1));
      if (x < 0.5) return pick(r, [new Date('1700-01-01T00:00:00Z'), new Date('2300-01-01T00:00:00Z'), new Date(0)]);
      return new Date(NOW.getTime() - r() * 220 * 24 * H);
    };
    for (let i = 0; i < queries; i++) {
      let from = instant();
      let to = instant();
      if (r() < 0.85 && from > to) [from, to] = [to, from];
      if (r() < 0.2) to = NOW;
      const w = r();
      const windowSeconds = w < 0.1 ? 0 : w < 0.4 && delays.length ? pick(r, delays) + (r() < 0.3 ? pick(r, [-1, 1]) : 0)
        : w < 0.5 ? 400 * 24 * 3600 : w < 0.6 ? 72 * 3600 : r() * 20 * 24 * 3600;
      const a = r() < 0.05 ? 'lost' : pick(r, STAGES);
      const b = r() < 0.1 ? a : r() < 0.05 ? 'won' : pick(r, STAGES);
      const by = pick<PenetrationBy | null>(r, [null, 'office', 'rep']);
      const q: PenetrationQuery = { a, b, from, to, windowSeconds, by };
      const what = { label, seed, i, q: { ...q, from: from.toISOString(), to: to.toISOString() } };
      expect({ ...what, answered: (await penetrationRowsFromRollup(db, { ...q, windowSeconds: Math.round(windowSeconds) })) !== null })
        .toEqual({ ...what, answered: true });
      expect({ ...what, result: await penetrationCounts(db, q) }).toEqual({ ...what, result: await penetrationCountsDirect(db, q) });
    }
    // The trigger-kept rows are those a rebuild from the history computes.
    const table = () => db.rows(sql`select customer_id, office_id, owner_id, entry_keys::text as keys, last_at from customer_stage_entries order by customer_id`);
    const kept = await table();
    await db.execScript('select customer_stage_entries_rebuild()');
    expect({ label, seed, rows: kept }).toEqual({ label, seed, rows: await table() });
  }

  it.each([1, 2, 3, 4])('agrees with the direct computation on a random history (seed %i)', async (seed) => {
    const r = rng(seed);
    await seedCustomers(r, 30);
    // Entries at microsecond instants (the bot writes milliseconds; an import need not).
    await db.execScript(`insert into customer_events (customer_id, kind, from_stage, to_stage, actor_id, source, at)
      select customer_id, 'stage_change', to_stage, 'demo_done', 'rep1', 'import', at + interval '0.000347 s'
      from customer_events where id % 7 = 3 and kind = 'stage_change'`);
    // Proposals a microsecond inside, on and a microsecond outside 72 h after a demo.
    await db.execScript(`insert into customer_events (customer_id, kind, from_stage, to_stage, actor_id, source, at)
      select customer_id, 'stage_change', 'demo_done', 'proposal_submitted', 'rep1', 'import',
             at + interval '72 hours' + (id % 3 - 1) * interval '0.000001 s'
      from customer_events where to_stage = 'demo_done' and id % 4 = 1`);
    await compare('written', seed);
    // Offices and owners change, customers are deleted (their history stays: counted under no office / owner).
    await db.execScript(`update customers set office_id = case when id % 3 = 0 then 'west' when id % 3 = 1 then null else office_id end,
      owner_id = case when id % 2 = 0 then 'rep9' else owner_id end where id % 4 = 0`);
    await db.execScript('delete from customers where id % 11 = 5');
    await compare('after office changes and deletions', seed);
    // The store's own moves, at later instants.
    let t = NOW.getTime() - 30 * 60_000;
    for (const c of await db.rows<{ id: number }>(sql`select id from customers order by id limit 10`)) {
      t += 60_000;
      const customer = (await getCustomer(db.db, Number(c.id)))!;
      const to = STAGES[(STAGES.indexOf(customer.stage) + 1) % STAGES.length]!;
      await db.db.transaction(async (tx) => {
        const moved = await changeStage(tx, { customer, to, actorId: 'rep1', source: 'text', processVersion: '1', kind: 'stage_change' }, new Date(t));
        if (moved && moved.id % 2 === 0) await changeOwner(tx, { customer: moved, ownerId: 'rep2', officeId: 'east', actorId: 'admin', source: 'api' }, new Date(t));
      });
    }
    await compare('after store moves', seed);
    // History rows corrected and removed (append-only in the bot; a manual repair must not leave the rollup behind).
    await db.execScript(`update customer_events set at = at - interval '5 days 3 hours', to_stage = 'proposal_submitted' where id % 9 = 4`);
    await db.execScript(`update customer_events set customer_id = customer_id + 1 where id % 13 = 6`);
    await db.execScript('delete from customer_events where id % 10 = 7');
    await compare('after history corrections', seed);
  });

  it('leaves an entry the keys cannot hold to the direct computation', async () => {
    await seedCustomers(rng(9), 12);
    const q: PenetrationQuery = { a: 'demo_done', b: 'proposal_submitted', from: new Date('1700-01-01T00:00:00Z'), to: NOW, windowSeconds: 400 * 24 * 3600, by: 'office' };
    expect(await penetrationRowsFromRollup(db, q)).not.toBeNull();
    // An entry in 1750 (a mistyped import date) and one in 2200: the direct computation answers, the same figures.
    for (const at of ['1750-03-01T00:00:00Z', '2200-01-01T00:00:00Z']) {
      await db.execScript(`insert into customer_events (customer_id, kind, from_stage, to_stage, actor_id, source, at)
        values (1, 'stage_change', 'lead', 'demo_done', 'rep1', 'import', '${at}'), (2, 'stage_change', 'lead', 'proposal_submitted', 'rep1', 'import', '${at}')`);
      expect(await penetrationRowsFromRollup(db, q)).toBeNull();
      const direct = await penetrationCountsDirect(db, q);
      expect(await penetrationCounts(db, q)).toEqual(direct);
      expect(direct.total.entered).toBeGreaterThan(0);
      // Removed again: the rollup answers again.
      await db.execScript(`delete from customer_events where source = 'import'`);
      expect(await penetrationRowsFromRollup(db, q)).not.toBeNull();
      expect(await penetrationCounts(db, q)).toEqual(await penetrationCountsDirect(db, q));
    }
  });
});
