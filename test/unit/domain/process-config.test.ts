import { parseProcessConfig, ProcessConfigError } from '../../../domain/process-config';
import { openStages, outcomeStage } from '../../../domain/stages';
import { shippedProcess } from './fixtures';

// A small valid definition; the comment on each line is its line number.
const BASE = [
  'version: 3', // 1
  'stages:', // 2
  '  - key: lead', // 3
  '    name: 留资未触达', // 4
  '    order: 1', // 5
  '  - key: first_call', // 6
  '    name: 首次电话沟通', // 7
  '    order: 2', // 8
  '  - key: negotiating', // 9
  '    name: 价格谈判中', // 10
  '    order: 3', // 11
  '  - key: won', // 12
  '    name: 已签约', // 13
  '    outcome: won', // 14
  '  - key: lost', // 15
  '    name: 已丢单', // 16
  '    outcome: lost', // 17
  'guards:', // 18
  '  - from: first_call', // 19
  '    to: negotiating', // 20
  '    kind: document', // 21
  '    fileTypes: [pdf]', // 22
  '    window: { after: customer_last_message, within: 72h }', // 23
];

/** BASE with lines replaced (1-based line → new text; null deletes the line). */
function variant(changes: Record<number, string | null>): string {
  return BASE.flatMap((line, i) => {
    const change = changes[i + 1];
    return change === undefined ? [line] : change === null ? [] : [change];
  }).join('\n');
}

function errorOf(text: string): ProcessConfigError {
  try {
    parseProcessConfig(text, 'config/process.yaml');
  } catch (e) {
    if (e instanceof ProcessConfigError) return e;
    throw e;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('the shipped config/process.yaml', () => {
  const process = shippedProcess();

  it('has the 6 stages of the spec, in order, with their Chinese names', () => {
    expect(openStages(process).map((s) => [s.order, s.key, s.name])).toEqual([
      [1, 'lead', '留资未触达'],
      [2, 'first_call', '首次电话沟通'],
      [3, 'demo_done', '产品演示完成'],
      [4, 'proposal_submitted', '方案已提交'],
      [5, 'negotiating', '价格谈判中'],
      [6, 'contract_pending', '合同待签署'],
    ]);
  });

  it('closes customers with won 已签约 and lost 已丢单, lost requiring a reason', () => {
    expect(outcomeStage(process, 'won')).toMatchObject({ key: 'won', name: '已签约' });
    expect(outcomeStage(process, 'lost')).toMatchObject({ key: 'lost', name: '已丢单', reasonRequired: true });
  });

  it('guards 方案已提交 → 价格谈判中 with the 报价单 PDF within 72 h of the last customer message', () => {
    expect(process.guards).toEqual([
      {
        from: 'proposal_submitted',
        to: 'negotiating',
        kind: 'document',
        label: '报价单',
        fileTypes: ['pdf'],
        name: { contains: '报价单' },
        window: { after: 'customer_last_message', within: '72h' },
        hint: '请上传带客户名称的正式报价单（PDF，文件名包含“报价单”）',
      },
    ]);
  });

  it('goes forward one stage at a time, allows falling back, keeps outcomes closed, and notifies the direct supervisor', () => {
    expect(process.transitions).toEqual({ forward: true, skip: false, backward: true, reopen: false, allow: [], deny: [] });
    expect(process.notify.stageChange).toEqual(['direct_supervisor']);
    expect(process.version).toBe('1');
  });
});

describe('parseProcessConfig', () => {
  it('accepts the small definition and fills defaults', () => {
    const p = parseProcessConfig(variant({}), 'x.yaml');
    expect(p.version).toBe('3');
    expect(p.transitions.skip).toBe(false);
    // Issue 11: a forced move tells the owner, the supervisor and the supervisor's supervisor by default.
    expect(p.notify).toEqual({ stageChange: ['direct_supervisor'], override: ['owner', 'direct_supervisor', 'second_supervisor'] });
    expect(p.stages.find((s) => s.key === 'lost')?.reasonRequired).toBe(true);
  });

  it('accepts a plain text name pattern as "contains"', () => {
    const p = parseProcessConfig(`${variant({})}\n    name: 报价单`, 'x.yaml');
    expect(p.guards[0]).toMatchObject({ name: { contains: '报价单' } });
    expect(p.tasks).toEqual([]);
  });

  it('validates the tasks section strictly, naming the line of a misspelled field', () => {
    const text = `${variant({})}\ntasks:\n  - key: pain_point\n    name: 客户痛点记录\n    trigger: { on: stage_entered, stage: first_call }\n` +
      '    deliverable: 三个担忧\n    due: { after: 2h }\n    escalaton: []\n    closes: [{ form: pain_point }]';
    const line = text.split('\n').findIndex((l) => l.includes('escalaton')) + 1;
    expect(() => parseProcessConfig(text, 'x.yaml')).toThrow(new RegExp(`x\\.yaml:${line} tasks\\[0\\]\\.escalaton: unknown field`));
  });

  it('names file, line and path for an unknown guard kind', () => {
    expect(errorOf(variant({ 21: '    kind: docment' })).message).toBe(
      'config/process.yaml:21 guards[0].kind: unknown kind "docment"; expected one of: document, form, field, min_time_in_stage',
    );
  });

  it('names the stage item line for a missing stage name', () => {
    expect(errorOf(variant({ 7: null })).message).toBe('config/process.yaml:6 stages[1].name: required');
  });

  it('rejects a misspelled field inside a stage at its own line', () => {
    const e = errorOf(variant({ 10: '    nmae: 价格谈判中' }));
    expect(e.issues).toContainEqual({ line: 10, path: 'stages[2].nmae', message: 'unknown field "nmae" (check the spelling)' });
    expect(e.issues).toContainEqual({ line: 9, path: 'stages[2].name', message: 'required' });
  });

  it('rejects a misspelled field inside a guard at its own line', () => {
    expect(errorOf(variant({ 22: '    fileType: [pdf]' })).message).toBe(
      'config/process.yaml:22 guards[0].fileType: unknown field "fileType" (check the spelling)',
    );
  });

  it('names a guard that refers to an unknown stage', () => {
    expect(errorOf(variant({ 20: '    to: negotiatng' })).message).toMatch(
      /^config\/process\.yaml:20 guards\[0\]\.to: unknown stage "negotiatng" \(known: lead, first_call, negotiating, won, lost\)$/,
    );
  });

  it('names a duplicate stage key (and the guard that now points nowhere)', () => {
    expect(errorOf(variant({ 9: '  - key: first_call' })).message.split('\n')).toEqual([
      'config/process.yaml:9 stages[2].key: duplicate stage key "first_call" (also stages[1])',
      'config/process.yaml:20 guards[0].to: unknown stage "negotiating" (known: lead, first_call, won, lost)',
    ]);
  });

  it('names a duplicate key inside one YAML mapping', () => {
    const e = errorOf(variant({ 8: '    order: 2\n    name: 重复' })); // a second name: on line 9
    expect(e.message).toBe('config/process.yaml:9 name: duplicate key: a field may appear only once here');
  });

  it('names a duplicate order', () => {
    expect(errorOf(variant({ 11: '    order: 2' })).message).toBe('config/process.yaml:11 stages[2].order: duplicate order 2 (also stages[1])');
  });

  it('requires won and lost to be outcomes', () => {
    expect(errorOf(variant({ 14: '    order: 4' })).issues).toEqual([
      { line: 2, path: 'stages', message: 'missing the won outcome (a stage with outcome: won)' },
      { line: 12, path: 'stages[3].outcome', message: 'stage "won" must be terminal: outcome: won' },
    ]);
  });

  it('names an invalid duration', () => {
    expect(errorOf(variant({ 23: '    window: { after: customer_last_message, within: 3 days }' })).message).toBe(
      'config/process.yaml:23 guards[0].window.within: invalid duration; write e.g. 72h, 30m, 2d or 1h30m',
    );
  });

  it('names an invalid anchor with the allowed values', () => {
    expect(errorOf(variant({ 23: '    window: { after: last_message }' })).message).toBe(
      'config/process.yaml:23 guards[0].window.after: expected one of: customer_last_message, stage_entered (got text "last_message")',
    );
  });

  it('rejects an unknown top-level section (a typo there would drop a whole section)', () => {
    expect(errorOf(`${variant({})}\ngaurds: []`).message).toBe('config/process.yaml:24 gaurds: unknown field "gaurds" (check the spelling)');
  });

  it('reports a missing version at the top', () => {
    expect(errorOf(variant({ 1: null })).message).toBe('config/process.yaml:1 version: required');
  });

  it('treats an empty value as missing', () => {
    expect(errorOf(variant({ 7: '    name:' })).message).toBe('config/process.yaml:7 stages[1].name: required');
  });

  it('reports a wrong type with what it got', () => {
    expect(errorOf(variant({ 5: '    order: first' })).message).toBe('config/process.yaml:5 stages[0].order: expected a number, got text "first"');
  });

  it('reports every problem, sorted by line', () => {
    // One line added after line 4 and line 7 deleted: the guard's kind stays on line 21.
    const e = errorOf(variant({ 21: '    kind: docment', 7: null, 4: '    name: 留资未触达\n    colour: red' }));
    expect(e.issues.map((i) => `${i.line} ${i.path}`)).toEqual(['5 stages[0].colour', '7 stages[1].name', '21 guards[0].kind']);
  });

  it('reports YAML syntax errors with their line', () => {
    const e = errorOf(variant({ 22: '    fileTypes: [pdf' }));
    expect(e.issues[0].path).toBe('YAML syntax');
    expect(e.issues[0].line).toBeGreaterThanOrEqual(22);
  });

  it('rejects an empty file', () => {
    expect(errorOf('# nothing here\n').message).toBe('config/process.yaml:1 (root): the file is empty');
  });
});
