/**
 * R8 penetration on a hand-built history, on PostgreSQL and on embedded PGlite: the window boundary (exactly 72 h
 * is in, one second more is out), the period boundaries, customers that skipped A, customers that went back,
 * refusals, forced moves; per office and per rep. Then the admin route on the live bot.
 */
import { customerEvents, customers, offices, people } from '../../store/schema';
import type { Database } from '../../store/db';
import { penetrationCounts } from '../../store/penetration';
import { startTestBot, type TestBot } from '../helpers/bot';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';
import { ADMIN_TOKEN, mockWecom } from '../helpers/wecom';

const T0 = new Date('2026-11-02T00:00:00+08:00'); // a Monday, local midnight
const H = 3_600_000;
const at = (hours: number) => new Date(T0.getTime() + hours * H);
const TO = at(7 * 24);
const W72 = 72 * 3600;

type Ev = { kind?: string; from?: string | null; to: string; at: Date };

/** Inserts a customer and its history (append-only rows, as the bot writes them). */
async function customer(db: Database, name: string, office: string, owner: string, events: Ev[]): Promise<number> {
  const last = events[events.length - 1]!;
  const [c] = await db.db.insert(customers).values({
    name, ownerId: owner, officeId: office, stage: last.to, stageEnteredAt: last.at, createdAt: events[0]!.at, updatedAt: last.at,
  }).returning();
  await db.db.insert(customerEvents).values(events.map((e) => ({
    customerId: c!.id, kind: e.kind ?? 'stage_change', fromStage: e.from ?? null, toStage: e.to, actorId: owner, source: 'text', at: e.at,
  })));
  return c!.id;
}

/** The dataset; expected: 8 entered, 5 advanced; east 5/4 (lina), west 3/1 (zhao). */
async function seed(db: Database) {
  const now = T0; // bookkeeping only (people.updated_at)
  await db.db.insert(offices).values([{ id: 'east', name: '华东办事处', updatedAt: now }, { id: 'west', name: '华西办事处', updatedAt: now }]);
  await db.db.insert(people).values([
    { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], updatedAt: now },
    { userId: 'wang', name: '王芳', officeId: 'east', roles: ['rep'], updatedAt: now },
    { userId: 'zhao', name: '赵磊', officeId: 'west', roles: ['rep'], updatedAt: now },
  ]);
  // c1: proposal exactly 72 h after the demo → advanced (the boundary is in).
  await customer(db, 'c1', 'east', 'lina', [{ kind: 'created', to: 'lead', at: at(-100) }, { from: 'first_call', to: 'demo_done', at: at(1) }, { from: 'demo_done', to: 'proposal_submitted', at: at(73) }]);
  // c2: 72 h and one second → not advanced.
  await customer(db, 'c2', 'east', 'lina', [{ to: 'demo_done', at: at(2) }, { to: 'proposal_submitted', at: new Date(at(74).getTime() + 1000) }]);
  // c3: skipped A (forced from first_call to proposal_submitted) → not in the population at all.
  await customer(db, 'c3', 'east', 'wang', [{ to: 'first_call', at: at(1) }, { kind: 'override', from: 'first_call', to: 'proposal_submitted', at: at(3) }]);
  // c4: went back — A, B after 10 h, back to A, B again much later → counted once, from the first A: advanced.
  await customer(db, 'c4', 'west', 'zhao', [
    { to: 'demo_done', at: at(24) }, { to: 'proposal_submitted', at: at(34) }, { from: 'proposal_submitted', to: 'demo_done', at: at(48) },
    { to: 'proposal_submitted', at: at(48 + 80) },
  ]);
  // c5: had B before the period, went back to A in the period, never B again → entered, not advanced.
  await customer(db, 'c5', 'west', 'zhao', [{ to: 'demo_done', at: at(-120) }, { to: 'proposal_submitted', at: at(-96) }, { from: 'proposal_submitted', to: 'demo_done', at: at(24) }]);
  // c6: a refused move to B does not count as entering B.
  await customer(db, 'c6', 'west', 'zhao', [{ to: 'demo_done', at: at(24) }, { kind: 'refusal', from: 'demo_done', to: 'proposal_submitted', at: at(25) }]);
  // c7: A exactly at `to` → outside the period (to is exclusive).
  await customer(db, 'c7', 'east', 'lina', [{ to: 'demo_done', at: TO }, { to: 'proposal_submitted', at: at(7 * 24 + 1) }]);
  // c8: A exactly at `from` (inclusive), B by a forced move after 71 h → advanced.
  await customer(db, 'c8', 'east', 'lina', [{ to: 'demo_done', at: T0 }, { kind: 'override', from: 'demo_done', to: 'proposal_submitted', at: at(71) }]);
  // c9: created directly at A → entered; B an hour later → advanced.
  await customer(db, 'c9', 'east', 'lina', [{ kind: 'created', to: 'demo_done', at: at(120) }, { to: 'proposal_submitted', at: at(121) }]);
  // c10: A just before `to`, B after `to` but within the window → advanced.
  await customer(db, 'c10', 'east', 'lina', [{ to: 'demo_done', at: at(7 * 24 - 1) }, { to: 'proposal_submitted', at: at(7 * 24 + 1) }]);
}

describe.each(DRIVERS)('penetration counts on %s', (driver) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(driver);
    await seed(db);
  });
  afterAll(async () => {
    await db.close();
  });

  const q = { a: 'demo_done', b: 'proposal_submitted', from: T0, to: TO, windowSeconds: W72 };

  it('counts each customer once from its first entry into A in the period; exactly 72 h is within', async () => {
    const r = await penetrationCounts(db, { ...q, by: null });
    expect(r.total).toEqual({ entered: 8, advanced: 5 });
    expect(r.groups).toEqual([]);
  });

  it('per office and per rep', async () => {
    expect((await penetrationCounts(db, { ...q, by: 'office' })).groups).toEqual([
      { key: 'east', entered: 5, advanced: 4 }, { key: 'west', entered: 3, advanced: 1 },
    ]);
    expect((await penetrationCounts(db, { ...q, by: 'rep' })).groups).toEqual([
      { key: 'lina', entered: 5, advanced: 4 }, { key: 'zhao', entered: 3, advanced: 1 },
    ]);
  });

  it('a shorter window and a narrower period', async () => {
    expect((await penetrationCounts(db, { ...q, windowSeconds: 71 * 3600 })).total).toEqual({ entered: 8, advanced: 4 }); // c1 drops out
    expect((await penetrationCounts(db, { ...q, from: at(1), to: at(2) })).total).toEqual({ entered: 1, advanced: 1 }); // c1 only
    expect((await penetrationCounts(db, { ...q, a: 'first_call', b: 'demo_done' })).total).toEqual({ entered: 1, advanced: 0 }); // c3
  });
});

describe('GET /api/metrics/penetration', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot();
    await seed(t.db);
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  const range = `from=${encodeURIComponent(T0.toISOString())}&to=${encodeURIComponent(TO.toISOString())}`;

  it('answers totals and groups with names and rates (default pair demo_done → proposal_submitted, 72 h)', async () => {
    const res = await t.get(`/api/metrics/penetration?${range}&by=office`, auth);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      a: 'demo_done', b: 'proposal_submitted', window: '72h', windowSeconds: W72, by: 'office',
      total: { entered: 8, advanced: 5, rate: 0.625 },
      groups: [{ key: 'east', name: '华东办事处', entered: 5, advanced: 4, rate: 0.8 }, { key: 'west', name: '华西办事处', entered: 3, advanced: 1, rate: 0.333 }],
    });
    const byRep = JSON.parse((await t.get(`/api/metrics/penetration?${range}&by=rep&window=71h`, auth)).body);
    expect(byRep.groups[0]).toMatchObject({ key: 'lina', name: '李娜', entered: 5, advanced: 3 });
  });

  it('local dates: `to` includes the whole day', async () => {
    const res = JSON.parse((await t.get('/api/metrics/penetration?from=2026-11-02&to=2026-11-08', auth)).body);
    expect(res.total).toEqual({ entered: 8, advanced: 5, rate: 0.625 });
    expect(res.to).toBe(TO.toISOString());
  });

  it('needs the admin token and refuses bad parameters', async () => {
    expect((await t.get(`/api/metrics/penetration?${range}`)).status).toBe(401);
    const bad = await t.get(`/api/metrics/penetration?${range}&a=nope`, auth);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: 'unknown_stage', param: 'a' });
    expect((await t.get(`/api/metrics/penetration?${range}&window=soon`, auth)).status).toBe(400);
    expect((await t.get(`/api/metrics/penetration?${range}&by=team`, auth)).status).toBe(400);
    expect((await t.get('/api/metrics/penetration?from=2026-11-08&to=2026-11-01', auth)).status).toBe(400);
    expect((await t.get('/api/metrics/penetration?from=yesterday', auth)).status).toBe(400);
  });
});
