/**
 * A hand-built history for the dashboard tests (issue 6), relative to a fixed now (Friday 2026-11-27 12:00 in
 * Shanghai). Times are hours before now. Offices east and north; an admin, a regional manager above the east
 * supervisor, the two supervisors and their reps.
 */
import type { Database } from '../../store/db';
import { customerEvents, customers, offices, people, touchpoints } from '../../store/schema';

export const NOW = new Date('2026-11-27T04:00:00Z');
export const H = 3_600_000;
export const ago = (hours: number) => new Date(NOW.getTime() - hours * H);

export async function seedOrg(db: Database): Promise<void> {
  await db.db.insert(offices).values([
    { id: 'east', name: '华东办事处', updatedAt: NOW }, { id: 'north', name: '华北办事处', updatedAt: NOW }, { id: 'hq', name: '总部', updatedAt: NOW },
  ]);
  await db.db.insert(people).values([
    { userId: 'boss', name: '周总', officeId: 'hq', roles: ['admin'], updatedAt: NOW },
    { userId: 'qian', name: '钱经理', officeId: 'hq', roles: ['supervisor'], updatedAt: NOW },
    { userId: 'zhang', name: '张伟', officeId: 'east', roles: ['supervisor'], supervisorId: 'qian', updatedAt: NOW },
    { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhang', updatedAt: NOW },
    { userId: 'zhao', name: '赵强', officeId: 'north', roles: ['supervisor'], updatedAt: NOW },
    { userId: 'liu', name: '刘洋', officeId: 'north', roles: ['rep'], supervisorId: 'zhao', updatedAt: NOW },
  ]);
}

/** A customer whose history is `steps` ([stage, hours ago], oldest first); it stays in the last stage. */
export async function customerWithHistory(db: Database, name: string, officeId: string, ownerId: string, steps: [string, number][]): Promise<number> {
  const [last] = steps.slice(-1) as [[string, number]];
  const [row] = await db.db.insert(customers).values({
    name, ownerId, officeId, stage: last[0], stageEnteredAt: ago(last[1]), createdAt: ago(steps[0]![1]), updatedAt: ago(last[1]),
  }).returning({ id: customers.id });
  const id = row!.id;
  await db.db.insert(customerEvents).values(steps.map(([stage, h], i) => ({
    customerId: id, kind: i === 0 ? 'created' : 'stage_change', fromStage: i === 0 ? null : steps[i - 1]![0], toStage: stage,
    actorId: ownerId, source: 'text', at: ago(h), dwellSeconds: i === 0 ? null : Math.round((steps[i - 1]![1] - h) * 3600),
  })));
  // A refusal must not end a stay.
  await db.db.insert(customerEvents).values({ customerId: id, kind: 'refusal', fromStage: last[0], toStage: 'won', actorId: ownerId, source: 'text', at: ago(Math.max(0, last[1] - 1)) });
  return id;
}

export async function touch(db: Database, customerId: number, hoursAgo: number, text: string, kind = 'message'): Promise<void> {
  await db.db.insert(touchpoints).values({ customerId, kind, direction: 'in', channel: 'test', text, at: ago(hoursAgo), createdAt: ago(hoursAgo) });
}

const FULL = (lead: number, fc: number, demo: number, prop: number): [string, number][] =>
  [['lead', lead], ['first_call', fc], ['demo_done', demo], ['proposal_submitted', prop]];

export interface Seeded {
  ids: Record<string, number>;
}

/**
 * proposal_submitted in east: A left after 120 h, B stayed 20 h + 30 h (went back once), and C, F, G, H are still
 * there (200, 150, 100, 98 h): per customer (120 + 50 + 200 + 150 + 100 + 98) / 6 = 119.67 h → red, top 3 C, F, G.
 * north: D still there after 80 h → not red. E left `lead` before the period (not counted) and sits in
 * first_call for 1990 h. I never entered proposal_submitted. S1/S2/S3 test R5.
 */
export async function seedHistory(db: Database): Promise<Seeded> {
  await seedOrg(db);
  const ids: Record<string, number> = {};
  ids.A = await customerWithHistory(db, '安达医疗', 'east', 'lina', [...FULL(200, 190, 180, 170), ['negotiating', 50]]);
  ids.B = await customerWithHistory(db, '博远科技', 'east', 'lina', [
    ...FULL(300, 290, 280, 260), ['negotiating', 240], ['proposal_submitted', 230], ['negotiating', 200], ['contract_pending', 100]]);
  ids.C = await customerWithHistory(db, '诚信制造', 'east', 'lina', FULL(240, 230, 220, 200));
  ids.F = await customerWithHistory(db, '丰华物流', 'east', 'lina', [['proposal_submitted', 150]]);
  ids.G = await customerWithHistory(db, '国瑞能源', 'east', 'lina', [['proposal_submitted', 100]]);
  ids.H = await customerWithHistory(db, '恒通电子', 'east', 'lina', [['proposal_submitted', 98]]);
  ids.D = await customerWithHistory(db, '东方教育', 'north', 'liu', FULL(100, 95, 90, 80));
  ids.E = await customerWithHistory(db, '恩泽农业', 'east', 'lina', [['lead', 2000], ['first_call', 1990]]);
  ids.I = await customerWithHistory(db, '益民药业', 'east', 'lina', [['lead', 400], ['first_call', 390], ['demo_done', 380]]);
  // R5, now = Fri 2026-11-27 12:00 +08: S1 in negotiating since Thu 11-19 23:00 (8 calendar days) → stalled;
  // S2 since Fri 11-20 00:30 (7 days) → not; S3 for 20 days but a touchpoint 2 days ago → not.
  ids.S1 = await customerWithHistory(db, '三江水务', 'east', 'lina', [['negotiating', 7 * 24 + 13]]);
  ids.S2 = await customerWithHistory(db, '四海酒店', 'east', 'lina', [['negotiating', 7 * 24 + 11.5]]);
  ids.S3 = await customerWithHistory(db, '盛世地产', 'north', 'liu', [['negotiating', 480]]);
  await touch(db, ids.S3, 48, '客户说下周再谈');
  await touch(db, ids.S1, 300, '第一次报价沟通');
  await touch(db, ids.S1, 250, '客户嫌贵', 'objection');
  await touch(db, ids.C, 30, '客户还在内部审批');
  await db.execScript('analyze');
  return { ids };
}
