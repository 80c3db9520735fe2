import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProcessFile } from '../../../app/process-file';

describe('loading the process definition at start', () => {
  it('loads the shipped config/process.yaml: the 6 stages of the spec in order', () => {
    const p = loadProcessFile(path.resolve(__dirname, '../../../config/process.yaml'));
    expect(p.stages.filter((s) => !s.outcome).map((s) => s.name)).toEqual(['留资未触达', '首次电话沟通', '产品演示完成', '方案已提交', '价格谈判中', '合同待签署']);
  });

  it('refuses an invalid file naming the line and the field', () => {
    const shipped = fs.readFileSync(path.resolve(__dirname, '../../../config/process.yaml'), 'utf8');
    const broken = shipped.replace('    name: 价格谈判中', '    nmae: 价格谈判中');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spb-proc-')), 'process.yaml');
    fs.writeFileSync(file, broken);
    const line = broken.split('\n').findIndex((l) => l.includes('nmae')) + 1;
    expect(() => loadProcessFile(file)).toThrow(new RegExp(`process\\.yaml:${line}.*nmae`));
  });

  it('names the missing file and the variable to set', () => {
    expect(() => loadProcessFile('/nonexistent/process.yaml')).toThrow(/PROCESS_CONFIG/);
  });
});
