import { describeFailure } from '../../../domain/describe-failure';
import { parseDuration } from '../../../domain/duration';
import { evaluateTransition } from '../../../domain/transitions';
import { TEXTS_ZH } from '../../../domain/texts.zh';
import { at, customer, doc, evidence, HOUR, processWith } from './fixtures';

describe('parseDuration', () => {
  it.each([
    ['72h', 72 * HOUR],
    ['1h30m', 90 * 60_000],
    ['2d', 48 * HOUR],
    ['90s', 90_000],
    [' 1.5H ', 1.5 * HOUR],
  ])('reads %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['72', 'h', '3 days', '-1h', ''])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('zh-CN formatting', () => {
  it('formats durations in hours below a week and in days from a week', () => {
    expect(TEXTS_ZH.formatDuration(72 * HOUR)).toBe('72小时');
    expect(TEXTS_ZH.formatDuration(90 * 60_000)).toBe('1小时30分钟');
    expect(TEXTS_ZH.formatDuration(7 * 24 * HOUR)).toBe('7天');
  });

  it('formats times in Asia/Shanghai whatever the machine time zone', () => {
    expect(TEXTS_ZH.formatTime(new Date('2025-03-10T16:30:00Z'))).toBe('3月11日 00:30');
  });
});

describe('describeFailure for a missing customer message', () => {
  it('asks to log the message first and also explains a wrong document', () => {
    const p = processWith();
    const ev = evidence({ lastCustomerMessageAt: null, documents: [doc({ name: '报价单.xlsx', mimeType: 'application/vnd.ms-excel' })] });
    const result = evaluateTransition(p, customer(), 'negotiating', ev, at(HOUR));
    if (result.allowed) throw new Error('expected a refusal');
    expect(describeFailure(result.failures[0])).toBe(
      '没有客户留言记录，请先记录客户最近一次留言（例：客户名 留言 客户的原话）；最接近的文件“报价单.xlsx”不是PDF格式。请上传带客户名称的正式报价单（PDF，文件名包含“报价单”）',
    );
  });

  it('only asks to log the message when the document itself is fine', () => {
    const result = evaluateTransition(processWith(), customer(), 'negotiating', evidence({ lastCustomerMessageAt: null, documents: [doc()] }), at(HOUR));
    if (result.allowed) throw new Error('expected a refusal');
    expect(describeFailure(result.failures[0])).toBe('没有客户留言记录，请先记录客户最近一次留言（例：客户名 留言 客户的原话）');
    // With the customer's name (the chat reply has it), the example is ready to send.
    expect(describeFailure(result.failures[0], '华夏医疗')).toBe('没有客户留言记录，请先记录客户最近一次留言（例：华夏医疗 留言 客户的原话）');
  });
});

describe('elapsed and remaining times read as a person says them', () => {
  it.each([
    [50 * HOUR + 4 * 60_000 + 1000, '2天2小时'],
    [48 * HOUR, '2天'],
    [3 * HOUR + 15 * 60_000, '3小时15分钟'],
    [29 * 60_000 + 59_000, '30分钟'],
    [0, '不到1分钟'],
    [20_000, '不到1分钟'],
    [9 * 24 * HOUR + 23 * HOUR, '9天23小时'],
  ])('%d ms → %s', (ms, text) => {
    expect(TEXTS_ZH.formatElapsed(ms)).toBe(text);
  });
});
