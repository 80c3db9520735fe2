/** R11: timeliness vs deadline, completeness of the deliverable, keyword coverage, combined into 0–100. */
import { qualityScore, type QualityInput } from '../../../domain/quality-score';

const h = (n: number) => new Date(Date.UTC(2026, 10, 20, 0, 0, 0) + n * 3_600_000);
const base: QualityInput = {
  openedAt: h(0), dueAt: h(2), closedAt: h(1),
  form: { worries: ['价格太高', '交付周期长', '售后响应慢'], deliverables: ['3天内发方案'], nextContactAt: '2026-11-21T07:00:00.000Z' },
  documents: [], delivered: true,
  rule: { required: ['worries:3', 'deliverables', 'nextContactAt'], attachments: 0, keywords: ['预算', '交付', '售后'] },
  weights: { timeliness: 40, completeness: 30, keywords: 30 },
};

describe('follow-up quality score (R11)', () => {
  it('full marks for time and completeness; keywords by coverage', () => {
    const q = qualityScore(base);
    expect(q.parts.timeliness).toMatchObject({ score: 40, max: 40, late: false, usedRatio: 0.5 });
    expect(q.parts.completeness).toMatchObject({ score: 30, missing: [] });
    expect(q.parts.keywords).toMatchObject({ score: 20, matched: ['交付', '售后'], missing: ['预算'] });
    expect(q.total).toBe(90);
  });

  it('exactly at the deadline is on time; late falls linearly to 0 at twice the allotted time', () => {
    expect(qualityScore({ ...base, closedAt: h(2) }).parts.timeliness.score).toBe(40);
    expect(qualityScore({ ...base, closedAt: h(3) }).parts.timeliness).toMatchObject({ score: 20, late: true });
    expect(qualityScore({ ...base, closedAt: h(4) }).parts.timeliness.score).toBe(0);
    expect(qualityScore({ ...base, closedAt: h(9) }).parts.timeliness.score).toBe(0);
  });

  it('counts a list field only with enough items, and missing attachments in part', () => {
    const q = qualityScore({
      ...base, form: { worries: ['价格太高', ''], deliverables: [] },
      rule: { required: ['worries:3', 'deliverables', 'nextContactAt'], attachments: 2, keywords: [] }, documents: ['方案A.pdf'],
    });
    expect(q.parts.completeness.missing).toEqual(['worries:3', 'deliverables', 'nextContactAt', 'attachments:2']);
    expect(q.parts.completeness.score).toBe(3.8); // 0.5 of 4 items × 30
    expect(q.parts.keywords).toBeNull();
    expect(q.total).toBe(Math.round(((40 + 30 * 0.125) / 70) * 100));
  });

  it('without requirements a delivered task is complete; keywords match document names, case-insensitively', () => {
    const q = qualityScore({ ...base, form: null, documents: ['华夏医疗-解决方案-PPT.pptx'], rule: { required: [], attachments: 0, keywords: ['方案', 'ppt', '报价'] } });
    expect(q.parts.completeness.score).toBe(30);
    expect(q.parts.keywords!.matched).toEqual(['方案', 'ppt']);
    expect(qualityScore({ ...base, form: null, delivered: false, rule: { required: [], attachments: 0, keywords: [] } }).parts.completeness.score).toBe(0);
  });
});
