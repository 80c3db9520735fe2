/** After an upload the rep is told whether THIS file satisfies the stage rule, and if not exactly why. */
import { describeFailure } from '../../../domain/describe-failure';
import { uploadVerdict } from '../../../domain/upload-verdict';
import { at, customer, doc, evidence, HOUR, shippedProcess } from './fixtures';

const p = shippedProcess();

describe('the verdict on an uploaded file', () => {
  it('a PDF 报价单 within 72 h of the last customer message: the move to 价格谈判中 is now allowed', () => {
    const file = doc({ uploadedAt: at(5 * HOUR) });
    expect(uploadVerdict(p, customer(), evidence({ documents: [file] }), file, at(5 * HOUR))).toMatchObject({ kind: 'ready', label: '报价单', to: { key: 'negotiating' } });
  });

  it('a .docx is refused as the wrong type, with the fix', () => {
    const file = doc({ name: '华夏医疗报价单.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
    const v = uploadVerdict(p, customer(), evidence({ documents: [file] }), file, at(HOUR));
    if (v.kind !== 'file_fails') throw new Error(v.kind);
    expect(describeFailure(v.failure)).toContain('不是PDF格式');
    expect(describeFailure(v.failure)).toContain('请上传带客户名称的正式报价单');
  });

  it('a PDF 报价单 uploaded more than 72 h after the last customer message is outside the window', () => {
    const file = doc({ uploadedAt: at(73 * HOUR) });
    const v = uploadVerdict(p, customer(), evidence({ documents: [file] }), file, at(73 * HOUR));
    if (v.kind !== 'file_fails') throw new Error(v.kind);
    expect(describeFailure(v.failure)).toContain('上传时间超过客户最近一次留言（3月10日 10:00）后72小时');
  });

  it('a wrong file after a good one: this file is explained, and the move is still allowed by the earlier one', () => {
    const good = doc({ id: 'a', uploadedAt: at(HOUR) });
    const bad = doc({ id: 'b', name: '方案.pdf', uploadedAt: at(2 * HOUR) });
    expect(uploadVerdict(p, customer(), evidence({ documents: [good, bad] }), bad, at(2 * HOUR)).kind).toBe('file_fails_earlier_ok');
    expect(uploadVerdict(p, customer(), evidence({ documents: [bad] }), bad, at(2 * HOUR)).kind).toBe('file_fails');
  });

  it('no document rule from the current stage: the file is simply kept', () => {
    const file = doc();
    expect(uploadVerdict(p, customer({ stage: 'first_call' }), evidence({ documents: [file] }), file, at(HOUR))).toEqual({ kind: 'no_rule' });
  });
});
