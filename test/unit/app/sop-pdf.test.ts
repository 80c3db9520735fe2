/** SOPs as PDF: the Markdown source laid out with the Chinese font embedded; without a font, the .md is sent. */
import { itRequiring } from '../../helpers/browser';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { markdownBlocks } from '../../../domain/markdown-blocks';
import { findCjkFont, prepareSopPdfs, renderSopPdf } from '../../../schedulers/sop-pdf';

const SOP = path.join(__dirname, '../../../config/sop/方案撰写SOP.md');
const quietLog = () => {
  const warnings: string[] = [];
  return { warnings, log: { info: () => undefined, warn: (_o: object, m: string) => void warnings.push(m) } };
};

describe('SOP documents', () => {
  it('reads headings, lists, quotes and tables from the Markdown source', () => {
    const blocks = markdownBlocks('# 标题\n\n> 引用一\n> 引用二\n\n- 第一条\n  续行\n1. 编号\n\n| 维度 | 要点 |\n|---|---|\n| **准确性** | 一致 |\n\n正文一行\n正文二行');
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, text: '标题' },
      { kind: 'quote', text: '引用一\n引用二' },
      { kind: 'item', marker: '•', text: '第一条\n续行', depth: 0 },
      { kind: 'item', marker: '1.', text: '编号', depth: 0 },
      { kind: 'table', rows: [['维度', '要点'], ['准确性', '一致']] },
      { kind: 'paragraph', text: '正文一行正文二行' },
    ]);
  });

  const font = findCjkFont();
  const itWithFont = itRequiring(!!font, () => 'no Chinese font found (apt-get install -y fonts-noto-cjk; .ci/run does)');
  itWithFont('lays the SOP out as a PDF with the Chinese font embedded (a subset), so a phone shows Chinese', async () => {
    const pdf = await renderSopPdf(fs.readFileSync(SOP, 'utf8'), font!, '方案撰写SOP');
    const raw = pdf.toString('latin1');
    expect(raw.startsWith('%PDF-')).toBe(true);
    expect(raw).toMatch(/\/FontFile[23]?/); // the font program is inside the file
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+Noto/); // subset-tagged: only the glyphs used
    expect(raw).toContain('/ToUnicode'); // text can be searched and copied
    expect(pdf.length).toBeLessThan(2_000_000);
  });

  itWithFont('generates the PDF next to its source at start and then prefers it for the push', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sop-'));
    fs.mkdirSync(path.join(root, 'config', 'sop'), { recursive: true });
    fs.copyFileSync(SOP, path.join(root, 'config', 'sop', '方案撰写SOP.md'));
    const { log, warnings } = quietLog();
    const sops = prepareSopPdfs({ root, log });
    await sops.ready;
    expect(warnings).toEqual([]);
    expect(fs.existsSync(path.join(root, 'config', 'sop', '方案撰写SOP.pdf'))).toBe(true);
    expect(sops.preferred('@sop:方案撰写SOP.md')).toBe('@sop:方案撰写SOP.pdf');
  });

  it('without a Chinese font the start goes on, warns once with the fix, and the .md is sent', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sop-'));
    fs.mkdirSync(path.join(root, 'config', 'sop'), { recursive: true });
    fs.copyFileSync(SOP, path.join(root, 'config', 'sop', '方案撰写SOP.md'));
    const { log, warnings } = quietLog();
    const sops = prepareSopPdfs({ root, log, font: null });
    await sops.ready;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('apt-get install fonts-noto-cjk');
    expect(sops.preferred('@sop:方案撰写SOP.md')).toBe('@sop:方案撰写SOP.md');
    expect(fs.existsSync(path.join(root, 'config', 'sop', '方案撰写SOP.pdf'))).toBe(false);
  });
});
