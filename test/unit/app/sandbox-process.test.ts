/** The sandbox's 质检员 gets the reviews (pool mode there); the shipped process keeps the direct supervisor. */
import path from 'node:path';
import { loadProcessFile } from '../../../app/process-file';
import { reviewSettings } from '../../../domain/review-config';
import { assignReviewers } from '../../../domain/sampling';
import { DEMO_USERS, sandboxProcess } from '../../../sandbox/demo-company';

describe('quality reviews in the sandbox', () => {
  const shipped = loadProcessFile(path.join(__dirname, '../../../config/process.yaml'));

  it('draws reviewers from the pool — the demo company’s reviewer — instead of the direct supervisor', () => {
    expect(reviewSettings(shipped).sampling.reviewers).toBe('direct_supervisor');
    const settings = reviewSettings(sandboxProcess(shipped));
    expect(settings.sampling.reviewers).toBe('pool');
    const reviewers = DEMO_USERS.filter((u) => u.roles.includes('reviewer')).map((u) => u.userid);
    const { assignments } = assignReviewers([{ taskId: 1, repId: 'lixiaoming' }, { taskId: 2, repId: 'huangwei' }], {
      mode: settings.sampling.reviewers, pool: reviewers, rrStart: 0, supervisors: { lixiaoming: ['zhanghui'], huangwei: ['chenzhiqiang'] }, fallback: [],
    });
    expect(assignments.map((a) => a.reviewerId)).toEqual(['sunli', 'sunli']);
  });
});
