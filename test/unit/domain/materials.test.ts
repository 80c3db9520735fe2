/** config/materials.yaml: the shipped file loads; mistakes name the file, line and field; packs are chosen by stage and industry. */
import fs from 'node:fs';
import path from 'node:path';
import { allRequiredOpened, circled, MaterialsConfigError, packFor, parseMaterialsConfig } from '../../../domain/materials';
import { findDuplicates } from '../../../domain/duplicate-match';

const STAGES = ['lead', 'first_call', 'demo_done', 'proposal_submitted', 'negotiating', 'contract_pending', 'won', 'lost'];
const shipped = fs.readFileSync(path.join(__dirname, '../../../config/materials.yaml'), 'utf8');

describe('material library configuration', () => {
  it('loads the shipped file and chooses the medical pack for a medical customer, the default otherwise', () => {
    const cfg = parseMaterialsConfig(shipped, 'config/materials.yaml', STAGES);
    expect(packFor(cfg, 'demo_done', '医疗')!.name).toBe('医疗设备投标资料包');
    expect(packFor(cfg, 'demo_done', '医疗')!.items).toHaveLength(6);
    expect(packFor(cfg, 'demo_done', '制造')!.key).toBe('demo_standard');
    expect(packFor(cfg, 'demo_done', null)!.key).toBe('demo_standard');
    expect(packFor(cfg, 'lead', '医疗')).toBeNull();
  });

  it('names the line and field of each mistake', () => {
    const text = [
      'materials:',
      '  - key: manual',
      '    title: 产品手册',
      '    file: manual.pdf',
      '    colour: blue',
      'packs:',
      '  - key: p1',
      '    name: 包',
      '    stage: demo_dnoe',
      '    items: [manual, cases]',
    ].join('\n');
    let err: unknown;
    try {
      parseMaterialsConfig(text, 'config/materials.yaml', STAGES);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MaterialsConfigError);
    expect((err as Error).message).toContain('config/materials.yaml:5 materials[0].colour: unknown field "colour"');
    const again = () => parseMaterialsConfig(text.replace('    colour: blue\n', ''), 'config/materials.yaml', STAGES);
    expect(again).toThrow('config/materials.yaml:8 packs[0].stage: unknown stage "demo_dnoe"');
    expect(again).toThrow('packs[0].items[1]: unknown material "cases"');
  });

  it('refuses a file outside config/materials/ and a non-PDF', () => {
    const bad = (file: string) => () => parseMaterialsConfig(`materials:\n  - { key: a, title: A, file: "${file}" }\n`, 'm.yaml');
    expect(bad('../secret.pdf')).toThrow('m.yaml:2 materials[0].file');
    expect(bad('a.docx')).toThrow('m.yaml:2 materials[0].file');
  });

  it('numbers items ① ② … and a pack is received when every required item was opened', () => {
    expect([1, 2, 6].map(circled)).toEqual(['①', '②', '⑥']);
    const at = new Date('2026-12-01T02:00:00Z');
    expect(allRequiredOpened([{ required: true, firstOpenedAt: at }, { required: false, firstOpenedAt: null }])).toBe(true);
    expect(allRequiredOpened([{ required: true, firstOpenedAt: at }, { required: true, firstOpenedAt: null }])).toBe(false);
  });
});

describe('duplicate customers (two reps, one customer)', () => {
  const existing = [{ id: '1', name: '华夏医疗' }, { id: '2', name: '南山中医院' }, { id: '3', name: '东方医疗设备' }];
  it('matches the same name, a unique part, and the same pinyin initials', () => {
    expect(findDuplicates('华夏医疗', existing)).toEqual([{ customer: existing[0], kind: 'exact' }]);
    expect(findDuplicates('南山中医', existing)).toEqual([{ customer: existing[1], kind: 'part' }]);
    expect(findDuplicates('华夏医疗集团', existing)).toEqual([{ customer: existing[0], kind: 'part' }]);
    expect(findDuplicates('华夏依疗', existing)).toEqual([{ customer: existing[0], kind: 'initials' }]);
  });
  it('the beginning of two or three names is evidence for each', () => {
    const more = [...existing, { id: '4', name: '南山中医院二部' }];
    expect(findDuplicates('南山中医', more)).toEqual([{ customer: more[1], kind: 'part' }, { customer: more[3], kind: 'part' }]);
  });
  it('a part shared by several customers is no evidence', () => {
    expect(findDuplicates('医疗', existing)).toEqual([]);
    expect(findDuplicates('北方电力', existing)).toEqual([]);
  });
});
