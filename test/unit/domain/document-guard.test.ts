import { describeFailure } from '../../../domain/describe-failure';
import type { DocumentGuardFailure, Failure } from '../../../domain/failures';
import { evaluateTransition } from '../../../domain/transitions';
import { at, customer, doc, evidence, HOUR, processWith, shippedProcess, T0 } from './fixtures';

const process = shippedProcess();
const NOW = at(100 * HOUR);

function toNegotiating(ev = evidence()) {
  return evaluateTransition(process, customer(), 'negotiating', ev, NOW);
}

function onlyDocFailure(failures: Failure[]): DocumentGuardFailure {
  expect(failures).toHaveLength(1);
  const f = failures[0];
  if (f.code !== 'guard' || f.kind !== 'document') throw new Error(`expected a document guard failure, got ${f.code}`);
  return f;
}

function refused(result: ReturnType<typeof toNegotiating>): Failure[] {
  if (result.allowed) throw new Error('expected the change to be refused');
  return result.failures;
}

describe('document guard 报价单 (proposal_submitted → negotiating, R2)', () => {
  it('allows a PDF named 报价单 uploaded within 72 h of the last customer message', () => {
    const result = toNegotiating(evidence({ documents: [doc({ uploadedAt: at(5 * HOUR) })] }));
    expect(result).toMatchObject({ allowed: true, move: 'forward', processVersion: '1' });
  });

  it('allows an upload exactly 72 h after the last customer message', () => {
    expect(toNegotiating(evidence({ documents: [doc({ uploadedAt: at(72 * HOUR) })] })).allowed).toBe(true);
  });

  it('refuses an upload 72 h + 1 s after the last customer message, as too late', () => {
    const f = onlyDocFailure(refused(toNegotiating(evidence({ documents: [doc({ uploadedAt: at(72 * HOUR + 1000) })] }))));
    expect(f.reason).toBe('no_match');
    expect(f.closest?.problems).toEqual(['too_late']);
    expect(f.windowEnd).toEqual(at(72 * HOUR));
    expect(describeFailure(f)).toContain('72小时');
  });

  it('allows an upload at the very instant of the last customer message', () => {
    expect(toNegotiating(evidence({ documents: [doc({ uploadedAt: T0 })] })).allowed).toBe(true);
  });

  it('refuses with a no-anchor failure when the customer never sent a message', () => {
    const f = onlyDocFailure(refused(toNegotiating(evidence({ lastCustomerMessageAt: null, documents: [doc()] }))));
    expect(f.reason).toBe('no_anchor');
    expect(f.anchor).toBeNull();
    expect(describeFailure(f)).toContain('没有客户留言记录，请先记录客户最近一次留言');
  });

  it('refuses a Word file named 报价单 because of its type', () => {
    const word = doc({ name: '报价单.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
    const f = onlyDocFailure(refused(toNegotiating(evidence({ documents: [word] }))));
    expect(f.closest).toEqual({ document: word, problems: ['type'] });
    expect(describeFailure(f)).toContain('不是PDF格式');
    expect(describeFailure(f)).toContain('请上传带客户名称的正式报价单（PDF，文件名包含“报价单”）');
  });

  it('refuses a PDF 报价单 uploaded before the last customer message, as too early', () => {
    const old = doc({ uploadedAt: at(-HOUR) });
    const f = onlyDocFailure(refused(toNegotiating(evidence({ documents: [old] }))));
    expect(f.closest?.problems).toEqual(['too_early']);
    expect(describeFailure(f)).toContain('之前');
    expect(describeFailure(f)).toContain('更新后的版本');
  });

  it('accepts an upper-case extension 报价单.PDF even with a generic MIME type', () => {
    const upper = doc({ name: '华夏医疗报价单.PDF', mimeType: 'application/octet-stream' });
    expect(toNegotiating(evidence({ documents: [upper] })).allowed).toBe(true);
  });

  it('accepts a PDF by MIME type when the file name has no extension', () => {
    expect(toNegotiating(evidence({ documents: [doc({ name: '报价单-华夏医疗' })] })).allowed).toBe(true);
  });

  it('refuses a PDF whose name lacks 报价单, naming the missing word', () => {
    const f = onlyDocFailure(refused(toNegotiating(evidence({ documents: [doc({ name: '方案.pdf' })] }))));
    expect(f.closest?.problems).toEqual(['name']);
    expect(describeFailure(f)).toContain('文件名不含“报价单”');
  });

  it('reports no documents at all distinctly, with the hint', () => {
    const f = onlyDocFailure(refused(toNegotiating(evidence())));
    expect(f.reason).toBe('no_documents');
    expect(f.closest).toBeNull();
    expect(f.hint).toBe('请上传带客户名称的正式报价单（PDF，文件名包含“报价单”）');
    expect(describeFailure(f)).toContain('还没有上传报价单');
  });

  it('reports the closest document: fewest problems first, then the newest', () => {
    const docs = [
      doc({ id: 'a', name: '方案.docx', mimeType: 'application/msword' }),
      doc({ id: 'b', name: '报价单.pdf', uploadedAt: at(-2 * HOUR) }),
      doc({ id: 'c', name: '报价单v2.pdf', uploadedAt: at(-HOUR) }),
    ];
    const f = onlyDocFailure(refused(toNegotiating(evidence({ documents: docs }))));
    expect(f.closest?.document.id).toBe('c');
    expect(f.documentCount).toBe(3);
  });

  it('passes when any one document qualifies among failing ones', () => {
    const docs = [doc({ id: 'a', name: '报价单.docx', mimeType: 'application/msword' }), doc({ id: 'b' })];
    expect(toNegotiating(evidence({ documents: docs })).allowed).toBe(true);
  });

  it('matches a regex name pattern and a window anchored on entering the stage', () => {
    const p = processWith({
      guards: [{ to: 'negotiating', kind: 'document', name: { regex: '^合同-\\d+' }, window: { after: 'stage_entered' } }],
    });
    const c = customer({ stageEnteredAt: T0 });
    const ok = evaluateTransition(p, c, 'negotiating', evidence({ documents: [doc({ name: '合同-42.pdf' })] }), NOW);
    expect(ok.allowed).toBe(true);
    const bad = evaluateTransition(p, c, 'negotiating', evidence({ documents: [doc({ name: '草稿合同-42.pdf' })] }), NOW);
    expect(bad.allowed).toBe(false);
  });

  it('carries the guard config in the failure so cards can show it', () => {
    const f = onlyDocFailure(refused(toNegotiating(evidence())));
    expect(f.guard).toEqual(process.guards[0]);
    expect(f.from).toEqual({ key: 'proposal_submitted', name: '方案已提交' });
    expect(f.to).toEqual({ key: 'negotiating', name: '价格谈判中' });
  });
});
