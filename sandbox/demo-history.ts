/**
 * A few weeks of believable history for the demo company, so the dashboard, the penetration funnel and the Monday
 * leaderboard have something to show from the first minute: each rep demoed 3–5 customers a week and submitted a
 * proposal after some of them — most within 24 h, some late, some never. Written once, on the first start.
 *
 * Written through the store functions a rep's stage change uses (createCustomer, changeStage: the customer row,
 * its version, the audit event with dwell time and process version), with the stages taken from the process
 * definition: the open stages in order up to the leaderboard's `to` stage. No reply or notice is sent: it is the past.
 */
import { openStages } from '../domain/stages';
import { reviewSettings } from '../domain/review-config';
import type { ProcessDefinition } from '../domain/types';
import { changeStage, createCustomer, type CustomerRow } from '../store/customers';
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

/** The open stages from the first up to `demo` (the leaderboard's `from`), and `proposal` (its `to`). */
function path(process: ProcessDefinition): { toDemo: string[]; proposal: string } | null {
  const lb = reviewSettings(process).leaderboard;
  const keys = openStages(process).map((s) => s.key);
  const demo = keys.indexOf(lb.from);
  if (demo < 1 || !keys.includes(lb.to)) return null;
  return { toDemo: keys.slice(0, demo + 1), proposal: lb.to };
}

export async function seedHistory(tx: DbOrTx, reps: PersonInput[], now: Date, process: ProcessDefinition, weeks = 3): Promise<number> {
  const stages = path(process);
  if (!stages) return 0; // a process without the leaderboard's stages: nothing believable to write
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
        let c: CustomerRow | null = await createCustomer(tx, {
          name, industry: '医疗', ownerId: rep.userId, officeId: rep.officeId ?? null, stage: stages.toDemo[0]!, source: 'text',
        }, createdAt);
        // Stages between the first and the demo share the time from the first call to the demo.
        const middle = stages.toDemo.slice(1);
        const moves: Array<[string, Date]> = middle.map((key, i) => [key, i === middle.length - 1 ? demoAt
          : new Date(firstCallAt.getTime() + ((demoAt.getTime() - firstCallAt.getTime()) * i) / Math.max(1, middle.length - 1))]);
        if (proposalAt) moves.push([stages.proposal, proposalAt]);
        for (const [to, at] of moves) {
          c = await changeStage(tx, { customer: c!, to, actorId: rep.userId, source: 'text', processVersion: process.version, kind: 'stage_change' }, at);
        }
        n++;
      }
    }
  }
  return n;
}
