/** The `review:` section of config/process.yaml: defaults, the shipped file, errors with line and field. */
import fs from 'node:fs';
import { parseProcessConfig } from '../../../domain/process-config';
import { checkReviewSettings, installReviewTask, reviewSettings, reviewTaskDef, DEFAULT_REVIEW_SETTINGS } from '../../../domain/review-config';
import { planTimers } from '../../../domain/tasks';

const shipped = fs.readFileSync('config/process.yaml', 'utf8');
const minimal = 'version: 1\nstages:\n  - { key: demo_done, name: 产品演示完成, order: 1 }\n  - { key: proposal_submitted, name: 方案已提交, order: 2 }\n  - { key: won, name: 已签约, outcome: won }\n  - { key: lost, name: 已丢单, outcome: lost }\n';

describe('review settings', () => {
  it('the shipped file parses, with 08:30 sampling of 5%, a 24 h deadline and Monday 09:00', () => {
    const p = parseProcessConfig(shipped, 'config/process.yaml');
    const s = reviewSettings(p);
    expect(s.sampling).toMatchObject({ time: '08:30', share: 0.05, reviewers: 'direct_supervisor' });
    expect(s.leaderboard).toMatchObject({ weekday: 1, time: '09:00', within: '24h', minCases: 3 });
    expect(s.quality.tasks.pain_point!.required).toEqual(['worries:3', 'deliverables', 'nextContactAt']);
    expect(checkReviewSettings(s, p)).toEqual([]);
  });

  it('without a review section the defaults apply', () => {
    const p = parseProcessConfig(minimal, 'x.yaml');
    expect(reviewSettings(p)).toEqual(DEFAULT_REVIEW_SETTINGS);
    expect(DEFAULT_REVIEW_SETTINGS.penetration).toEqual({ from: 'demo_done', to: 'proposal_submitted', window: '72h' });
  });

  it('a mistake names the line and the field', () => {
    expect(() => parseProcessConfig(`${minimal}review:\n  sampling:\n    time: "25:00"\n`, 'x.yaml')).toThrow(/x\.yaml:9 review\.sampling\.time: invalid time/);
    expect(() => parseProcessConfig(`${minimal}review:\n  sampling: { shar: 0.1 }\n`, 'x.yaml')).toThrow(/review\.sampling\.shar: unknown field/);
    expect(() => parseProcessConfig(`${minimal}review:\n  due: soon\n`, 'x.yaml')).toThrow(/review\.due: invalid duration/);
  });

  it('unknown stages are reported by the cross-check', () => {
    const p = parseProcessConfig(`${minimal}review:\n  penetration: { from: nope }\n`, 'x.yaml');
    expect(checkReviewSettings(reviewSettings(p), p)).toEqual([expect.stringContaining('review.penetration.from: unknown stage "nope"')]);
  });

  it('the review task: due 24 h, reminded at 20 h, escalated to the direct supervisor at the deadline; installed once', () => {
    const def = reviewTaskDef(DEFAULT_REVIEW_SETTINGS);
    const at = new Date('2026-11-20T00:30:00Z');
    const due = new Date(at.getTime() + 24 * 3_600_000);
    expect(planTimers(def, at, due)).toEqual([
      { kind: 'reminder', level: 0, fireAt: new Date(at.getTime() + 20 * 3_600_000) },
      { kind: 'due', level: 0, fireAt: due },
      { kind: 'escalate', level: 1, fireAt: due },
    ]);
    expect(def.escalation[0]!.to).toBe('direct_supervisor');
    const p = parseProcessConfig(minimal, 'x.yaml');
    installReviewTask(p);
    installReviewTask(p);
    expect(p.tasks.filter((t) => t.key === 'review')).toHaveLength(1);
  });
});
