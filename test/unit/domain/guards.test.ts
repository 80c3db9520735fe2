import { describeFailure } from '../../../domain/describe-failure';
import { defaultHint, evaluateGuard, matchesFileType, type GuardContext } from '../../../domain/guards';
import type { Guard } from '../../../domain/types';
import { at, customer, doc, evidence, HOUR, T0 } from './fixtures';

const stages = { from: { key: 'first_call', name: '首次电话沟通' }, to: { key: 'demo_done', name: '产品演示完成' } };

function ctx(overrides: Partial<GuardContext> = {}): GuardContext {
  return { customer: customer({ stage: 'first_call', stageEnteredAt: T0 }), evidence: evidence(), now: at(2 * HOUR), ...stages, ...overrides };
}

describe('form guard', () => {
  const guard: Guard = { to: 'demo_done', kind: 'form', form: 'pain_point', label: '客户痛点记录' };

  it('fails when the form was never submitted, with a default hint from its label', () => {
    const f = evaluateGuard(guard, ctx());
    expect(f).toMatchObject({ kind: 'form', reason: 'missing', latest: null, hint: '请先提交“客户痛点记录”' });
    expect(describeFailure(f!)).toBe('还没有提交“客户痛点记录”。请先提交“客户痛点记录”');
  });

  it('passes once the form is submitted', () => {
    expect(evaluateGuard(guard, ctx({ evidence: evidence({ forms: [{ kind: 'pain_point', submittedAt: at(HOUR) }] }) }))).toBeNull();
  });

  it('ignores other forms', () => {
    expect(evaluateGuard(guard, ctx({ evidence: evidence({ forms: [{ kind: 'visit', submittedAt: at(HOUR) }] }) }))).not.toBeNull();
  });

  it('with a window, refuses a submission from before entering the stage', () => {
    const windowed: Guard = { ...guard, window: { after: 'stage_entered', within: '2h' } };
    const old = { kind: 'pain_point', submittedAt: at(-HOUR) };
    expect(evaluateGuard(windowed, ctx({ evidence: evidence({ forms: [old] }) }))).toMatchObject({ reason: 'outside_window', latest: old });
    const fresh = { kind: 'pain_point', submittedAt: at(2 * HOUR) };
    expect(evaluateGuard(windowed, ctx({ evidence: evidence({ forms: [old, fresh] }) }))).toBeNull();
  });
});

describe('field guard', () => {
  const guard: Guard = { to: 'demo_done', kind: 'field', field: 'industry', label: '行业' };

  it('fails on a missing, null or blank field', () => {
    for (const value of [undefined, null, '  ']) {
      const f = evaluateGuard(guard, ctx({ customer: customer({ fields: { industry: value } }) }));
      expect(f).toMatchObject({ kind: 'field', reason: 'missing', value });
    }
  });

  it('passes when the field has a value', () => {
    expect(evaluateGuard(guard, ctx({ customer: customer({ fields: { industry: '医疗' } }) }))).toBeNull();
  });

  it('explains itself in zh-CN with the label', () => {
    expect(describeFailure(evaluateGuard(guard, ctx())!)).toBe('客户的“行业”信息为空。请先补充客户的“行业”信息');
  });
});

describe('min_time_in_stage guard', () => {
  const guard: Guard = { to: 'demo_done', kind: 'min_time_in_stage', duration: '1h' };

  it('passes at exactly the minimum time', () => {
    expect(evaluateGuard(guard, ctx({ now: at(HOUR) }))).toBeNull();
  });

  it('fails one second before the minimum time, saying when it becomes possible', () => {
    const f = evaluateGuard(guard, ctx({ now: at(HOUR - 1000) }));
    expect(f).toMatchObject({ kind: 'min_time_in_stage', reason: 'too_soon', requiredMs: HOUR, elapsedMs: HOUR - 1000, allowedAt: at(HOUR) });
    expect(describeFailure(f!)).toBe('客户进入当前阶段仅59分钟59秒，需满1小时（3月10日 11:00 后可推进）');
  });

  it('has a default hint', () => {
    expect(defaultHint(guard)).toBe('客户在当前阶段需停留满1小时后才能推进');
  });
});

describe('document guard details', () => {
  it('generates a default hint from type, name and window', () => {
    const guard: Guard = { to: 'x', kind: 'document', fileTypes: ['pdf'], name: { contains: '报价单' }, window: { after: 'customer_last_message', within: '72h' } };
    expect(defaultHint(guard)).toBe('请上传报价单（PDF，文件名包含“报价单”），须在客户最近一次留言后72小时内上传');
  });

  it('matches file types by extension or MIME, case-insensitively', () => {
    expect(matchesFileType(doc({ name: 'a.PdF', mimeType: '' }), ['pdf'])).toBe(true);
    expect(matchesFileType(doc({ name: 'a', mimeType: 'Application/PDF; charset=binary' }), ['pdf'])).toBe(true);
    expect(matchesFileType(doc({ name: 'a.pdf.docx', mimeType: 'application/msword' }), ['pdf'])).toBe(false);
    expect(matchesFileType(doc({ name: 'a.bin', mimeType: 'application/pdf' }), ['application/pdf'])).toBe(true);
  });
});
