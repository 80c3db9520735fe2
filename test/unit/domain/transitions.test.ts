import { describeFailure, describeFailures } from '../../../domain/describe-failure';
import { isOverridable, type Failure } from '../../../domain/failures';
import { evaluateTransition, type TransitionResult } from '../../../domain/transitions';
import { at, customer, doc, evidence, HOUR, processWith, shippedProcess } from './fixtures';

const process = shippedProcess();
const NOW = at(10 * HOUR);

function failuresOf(result: TransitionResult): Failure[] {
  if (result.allowed) throw new Error('expected the change to be refused');
  return result.failures;
}

function move(from: string, to: string, reason?: string, p = process) {
  return evaluateTransition(p, customer({ stage: from }), to, evidence({ documents: [doc()] }), NOW, { reason });
}

describe('evaluateTransition: moves through the journey', () => {
  it('allows one stage forward', () => {
    expect(move('lead', 'first_call')).toMatchObject({ allowed: true, move: 'forward' });
  });

  it('refuses skipping a stage and names the stages skipped', () => {
    const [f] = failuresOf(move('first_call', 'proposal_submitted'));
    expect(f).toMatchObject({ code: 'not_allowed', move: 'skip', rule: 'policy', skipped: [{ key: 'demo_done', name: '产品演示完成' }] });
    expect(describeFailure(f)).toBe('不能跳过阶段：从“首次电话沟通”到“方案已提交”会跳过“产品演示完成”，请逐级推进');
  });

  it('allows skipping when the policy allows it', () => {
    expect(move('lead', 'demo_done', undefined, processWith({ transitions: { skip: true } })).allowed).toBe(true);
  });

  it('allows falling back to an earlier stage by default', () => {
    expect(move('negotiating', 'first_call')).toMatchObject({ allowed: true, move: 'backward' });
  });

  it('refuses going backward when the policy forbids it', () => {
    const [f] = failuresOf(move('negotiating', 'demo_done', undefined, processWith({ transitions: { backward: false } })));
    expect(f).toMatchObject({ code: 'not_allowed', move: 'backward' });
    expect(describeFailure(f)).toContain('退回');
  });

  it('lets an explicit allow pair open a skip, and a deny pair win over everything', () => {
    const p = processWith({ transitions: { allow: [{ from: 'lead', to: 'demo_done' }], deny: [{ from: 'lead', to: 'first_call' }] } });
    expect(move('lead', 'demo_done', undefined, p).allowed).toBe(true);
    const [f] = failuresOf(move('lead', 'first_call', undefined, p));
    expect(f).toMatchObject({ code: 'not_allowed', rule: 'deny' });
    expect(describeFailure(f)).toBe('流程配置禁止从“留资未触达”变更到“首次电话沟通”');
  });

  it('refuses an unknown target stage and lists the stages', () => {
    const [f] = failuresOf(move('lead', 'bogus'));
    expect(f).toMatchObject({ code: 'unknown_stage', input: 'bogus' });
    expect(describeFailure(f)).toContain('5 价格谈判中');
  });

  it('refuses moving to the stage the customer is already in', () => {
    const [f] = failuresOf(move('demo_done', 'demo_done'));
    expect(f.code).toBe('same_stage');
    expect(describeFailure(f)).toBe('客户已处于“产品演示完成”阶段，无需变更');
  });

  it('refuses when the customer stage is no longer in the process', () => {
    expect(failuresOf(move('retired_stage', 'lead'))[0]).toEqual({ code: 'unknown_current_stage', stage: 'retired_stage' });
  });
});

describe('evaluateTransition: outcomes won/lost', () => {
  it('refuses lost without a reason', () => {
    const [f] = failuresOf(move('negotiating', 'lost'));
    expect(f).toEqual({ code: 'reason_required', to: { key: 'lost', name: '已丢单' } });
    expect(isOverridable(f)).toBe(false);
  });

  it('refuses lost with a blank reason', () => {
    expect(failuresOf(move('negotiating', 'lost', '   '))[0].code).toBe('reason_required');
  });

  it('allows lost with a reason from any open stage', () => {
    expect(move('lead', 'lost', '预算被砍')).toMatchObject({ allowed: true, move: 'close' });
  });

  it('allows won without a reason', () => {
    expect(move('contract_pending', 'won')).toMatchObject({ allowed: true, move: 'close' });
  });

  it('keeps a won customer closed (reopen off by default)', () => {
    const [f] = failuresOf(move('won', 'negotiating'));
    expect(f).toEqual({ code: 'customer_closed', stage: { key: 'won', name: '已签约' }, outcome: 'won' });
    expect(describeFailure(f)).toContain('已签约');
  });

  it('keeps a lost customer closed, also against moving to won', () => {
    expect(failuresOf(move('lost', 'won'))[0].code).toBe('customer_closed');
  });

  it('reopens a lost customer when reopen is configured', () => {
    expect(move('lost', 'first_call', undefined, processWith({ transitions: { reopen: true } }))).toMatchObject({ allowed: true, move: 'reopen' });
  });

  it('restricts an outcome to the stages in its from list', () => {
    const base = shippedProcess();
    const p = { ...base, stages: base.stages.map((s) => (s.key === 'won' ? { ...s, from: ['contract_pending'] } : s)) };
    const [f] = failuresOf(move('negotiating', 'won', undefined, p));
    expect(f).toMatchObject({ code: 'not_allowed', rule: 'outcome_from', allowedFrom: [{ key: 'contract_pending' }] });
    expect(describeFailure(f)).toBe('只能从“合同待签署”变更为“已签约”');
    expect(move('contract_pending', 'won', undefined, p).allowed).toBe(true);
  });
});

describe('evaluateTransition: every failure is reported', () => {
  it('reports a skip, a missing field, a missing form and too little time together', () => {
    const p = processWith({
      guards: [
        { to: 'proposal_submitted', kind: 'field', field: 'industry', label: '行业' },
        { to: 'proposal_submitted', kind: 'form', form: 'pain_point', label: '客户痛点记录' },
        { from: 'first_call', to: 'proposal_submitted', kind: 'min_time_in_stage', duration: '1d' },
      ],
    });
    const c = customer({ stage: 'first_call', stageEnteredAt: at(-2 * HOUR) });
    const failures = failuresOf(evaluateTransition(p, c, 'proposal_submitted', evidence(), at(0)));
    expect(failures.map((f) => (f.code === 'guard' ? f.kind : f.code))).toEqual(['not_allowed', 'field', 'form', 'min_time_in_stage']);
    expect(failures.every(isOverridable)).toBe(true);
    const text = describeFailures(failures);
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toMatch(/^1\. 不能跳过阶段/);
  });

  it('reports lost-without-reason and a guard on lost together', () => {
    const p = processWith({ guards: [{ to: 'lost', kind: 'form', form: 'loss_review' }] });
    const failures = failuresOf(move('negotiating', 'lost', undefined, p));
    expect(failures.map((f) => f.code)).toEqual(['reason_required', 'guard']);
  });

  it('applies a guard without from to every move into its stage, and a guard with from only to that move', () => {
    const p = processWith({ guards: [{ from: 'lead', to: 'first_call', kind: 'field', field: 'phone' }] });
    expect(move('lead', 'first_call', undefined, p).allowed).toBe(false);
    expect(move('demo_done', 'first_call', undefined, p).allowed).toBe(true);
  });
});
