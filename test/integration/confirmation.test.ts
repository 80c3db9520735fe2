/** R9, second rule: three weeks in a row under 60% customer confirmation → the 技术话术应答质检表, once per streak. */
import type { OutMessage } from '../../bot/channel';
import { runConfirmationCheck } from '../../usecases/confirmation-sop';
import { customerEvents, customers } from '../../store/schema';
import { openTestDatabase, type TestDatabase } from '../helpers/db';

const H = 3_600_000;
const WEEK = 7 * 24 * H;
const NOW = new Date('2026-11-30T00:45:00Z'); // Monday 08:45 in Shanghai

describe('confirmation-rate SOP push (R9)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await db.close();
  });

  /** A demo at `at`; confirmed (方案已提交) `after` hours later, or never. */
  async function demo(owner: string, at: Date, confirmedAfterH: number | null) {
    const [c] = await db.db.insert(customers).values({
      name: `客户${Math.random()}`, ownerId: owner, stage: 'demo_done', stageEnteredAt: at, createdAt: at, updatedAt: at,
    }).returning();
    await db.db.insert(customerEvents).values({ customerId: c!.id, kind: 'stage_change', fromStage: 'first_call', toStage: 'demo_done', actorId: owner, source: 'text', at });
    if (confirmedAfterH !== null) {
      await db.db.insert(customerEvents).values({
        customerId: c!.id, kind: 'stage_change', fromStage: 'demo_done', toStage: 'proposal_submitted', actorId: owner, source: 'text',
        at: new Date(at.getTime() + confirmedAfterH * H),
      });
    }
  }

  it('pushes to a rep under 60% three weeks running, not to one with a good week, and only once per streak', async () => {
    for (let w = 1; w <= 3; w++) {
      const at = new Date(NOW.getTime() - w * WEEK + 24 * H);
      // weak: 1 of 2 confirmed (50%) every week; the second one only after 73 h (outside the window)
      await demo('weak', at, 10);
      await demo('weak', at, 73);
      // mixed: 2 of 3 (67%) in one week
      await demo('mixed', at, w === 2 ? 5 : null);
      await demo('mixed', at, w === 2 ? 5 : null);
      await demo('mixed', at, null);
    }
    const sent: { to: string[]; m: OutMessage }[] = [];
    const emit = async (to: string[], m: OutMessage) => {
      sent.push({ to, m });
    };
    expect(await runConfirmationCheck(db, db.db, NOW, emit)).toEqual(['weak']);
    expect(sent.map((s) => s.m.type)).toEqual(['text', 'file']);
    expect(sent[1]!.m).toEqual({ type: 'file', media: { path: 'config/sop/技术话术应答质检表.md', name: '技术话术应答质检表.md' } });
    expect((sent[0]!.m as { text: string }).text).toContain('50%、50%、50%');
    // The same streak a day later: no second push.
    expect(await runConfirmationCheck(db, db.db, new Date(NOW.getTime() + 24 * H), emit)).toEqual([]);
  });
});
