/**
 * A few weeks of believable history for the demo company, so the dashboard, the penetration funnel and the Monday
 * leaderboard have something to show from the first minute: each rep demoed 3–5 customers a week and submitted a
 * proposal after some of them — most within 24 h, some late, some never. Written once, on the first start.
 */
import { customerEvents, customers } from '../store/schema';
import type { DbOrTx } from '../store/db';
import type { PersonInput } from '../store/org';

const H = 3_600_000;
const D = 24 * H;

const PLACES = ['仁和', '博爱', '同济', '协和', '康宁', '长安', '明德', '安贞', '广济', '惠民', '天佑', '和平', '济生', '普仁', '新华', '光华'];
const KINDS = ['医院', '中医院', '妇幼保健院', '康复医院', '体检中心', '口腔诊所'];

/** Deterministic pseudo-random numbers (the history is the same on every machine). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function seedHistory(tx: DbOrTx, reps: PersonInput[], now: Date, weeks = 3): Promise<number> {
  const rand = rng(20261127);
  let n = 0;
  for (const [ri, rep] of reps.entries()) {
    // Each rep has a habit: how often a proposal follows a demo within 24 h.
    const punctual = [0.9, 0.75, 0.6, 0.45, 0.3, 0.8][ri % 6]!;
    for (let w = weeks; w >= 1; w--) {
      const demos = 3 + Math.floor(rand() * 3);
      for (let k = 0; k < demos; k++) {
        const demoAt = new Date(now.getTime() - w * 7 * D + Math.floor(rand() * 6 * D) + 9 * H);
        if (demoAt.getTime() >= now.getTime() - H) continue;
        const r = rand();
        const proposalAfter = r < punctual ? 2 * H + rand() * 20 * H : r < punctual + 0.15 ? 30 * H + rand() * 40 * H : null;
        const proposalAt = proposalAfter !== null && demoAt.getTime() + proposalAfter < now.getTime() ? new Date(demoAt.getTime() + proposalAfter) : null;
        const createdAt = new Date(demoAt.getTime() - (2 + rand() * 5) * D);
        const firstCallAt = new Date(createdAt.getTime() + (4 + rand() * 20) * H);
        const name = `${PLACES[(ri * 7 + w * 3 + k) % PLACES.length]}${KINDS[(ri + k + w) % KINDS.length]}（${rep.name!.slice(0, 1)}${n + 1}）`;
        const [c] = await tx.insert(customers).values({
          name, industry: '医疗', ownerId: rep.userId, officeId: rep.officeId ?? null,
          stage: proposalAt ? 'proposal_submitted' : 'demo_done', stageEnteredAt: proposalAt ?? demoAt, createdAt, updatedAt: proposalAt ?? demoAt,
        }).returning();
        const ev = (kind: string, from: string | null, to: string, at: Date, prev: Date | null) => ({
          customerId: c!.id, kind, fromStage: from, toStage: to, actorId: rep.userId, source: 'text', at, processVersion: '1',
          dwellSeconds: prev ? Math.round((at.getTime() - prev.getTime()) / 1000) : null,
        });
        await tx.insert(customerEvents).values([
          ev('created', null, 'lead', createdAt, null),
          ev('stage_change', 'lead', 'first_call', firstCallAt, createdAt),
          ev('stage_change', 'first_call', 'demo_done', demoAt, firstCallAt),
          ...(proposalAt ? [ev('stage_change', 'demo_done', 'proposal_submitted', proposalAt, demoAt)] : []),
        ]);
        n++;
      }
    }
  }
  return n;
}
