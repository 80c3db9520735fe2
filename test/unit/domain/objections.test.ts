// R10 objections, pure: the chat command, countable terms, the fallback splitter, counts by office and week, the jump rule.
import {
  bigrams, countByOfficeWeek, DEFAULT_JUMP_RULE, detectJumps, objectionTerms, parseObjectionCommand, rankTerms,
} from '../../../domain/objections';
import { createSegmenter } from '../../../usecases/segmenter';

describe('parseObjectionCommand', () => {
  it.each([
    ['华夏医疗 异议 运维响应慢，担心售后', '华夏医疗', '运维响应慢，担心售后'],
    ['华夏医疗异议：价格太贵', '华夏医疗', '价格太贵'],
    ['华夏医疗 异议:价格太贵。', '华夏医疗', '价格太贵。'],
    ['@销售助手 华夏医疗 异议 交付周期太长', '华夏医疗', '交付周期太长'],
    ['无异议科技 异议 预算不够', '无异议科技', '预算不够'],
    ['华夏 医疗 异议 第一行\n第二行', '华夏 医疗', '第一行\n第二行'],
  ])('%s', (text, customer, content) => {
    expect(parseObjectionCommand(text)).toEqual({ kind: 'objection', customer, content });
  });

  it('asks for what is missing', () => {
    expect(parseObjectionCommand('华夏医疗 异议')).toEqual({ kind: 'incomplete', customer: '华夏医疗' });
    expect(parseObjectionCommand('异议 价格太贵')).toEqual({ kind: 'incomplete', customer: null });
  });

  it('leaves other commands and names containing the word alone', () => {
    expect(parseObjectionCommand('新客户 无异议科技 制造')).toBeNull();
    expect(parseObjectionCommand('无异议科技 推进 3')).toBeNull();
    expect(parseObjectionCommand('查看 华夏医疗')).toBeNull();
    expect(parseObjectionCommand('华夏医疗 留言 客户说没有异议')).toBeNull();
  });
});

describe('terms', () => {
  it('drops stop words, punctuation, numbers and lone characters, keeps each term once', () => {
    expect(objectionTerms(['客户', '觉得', '价格', '太', '贵', '，', '价格', '2026', 'a', 'SaaS', '的'])).toEqual(['价格', '贵', 'saas']);
  });

  it('the fallback splits Han runs into bigrams', () => {
    expect(bigrams('运维响应慢, ok 的')).toEqual(['运维', '维响', '响应', '应慢', 'ok', '的']);
  });

  it('jieba loads here and knows the sales words; the fallback still yields terms', () => {
    const jieba = createSegmenter();
    expect(jieba.mode).toBe('jieba');
    expect(jieba.terms('运维响应慢，价格太贵了，我们预算不够')).toEqual(['运维', '响应慢', '价格', '太贵', '预算', '不够']);
    const fallback = createSegmenter(undefined, { forceFallback: true });
    expect(fallback.mode).toBe('bigram');
    expect(fallback.terms('运维响应慢')).toContain('运维');
  });
});

describe('counts and the jump rule', () => {
  const rec = (officeId: string, week: string, ...terms: string[]) => ({ officeId, week, terms });
  const records = [
    // east, week 47: 运维 in 1 of 10 (10%)
    rec('east', '2026-W47', '运维', '价格'), ...Array.from({ length: 9 }, () => rec('east', '2026-W47', '价格')),
    // east, week 48: 运维 in 4 of 10 (40%), 价格 in 10 of 10 (was 100%: no jump)
    ...Array.from({ length: 4 }, () => rec('east', '2026-W48', '运维', '价格', '运维')), ...Array.from({ length: 6 }, () => rec('east', '2026-W48', '价格')),
    // north, week 48: only 2 objections (under minObjections)
    rec('north', '2026-W48', '培训'), rec('north', '2026-W48', '培训'),
    // south, week 48: new office, no objections the week before → 0% before
    rec('south', '2026-W48', '账期'), rec('south', '2026-W48', '账期'), rec('south', '2026-W48', '价格'),
  ];

  it('counts each term once per objection, by office and week', () => {
    const c = countByOfficeWeek(records).find((x) => x.officeId === 'east' && x.week === '2026-W48')!;
    expect(c.total).toBe(10);
    expect(c.terms.get('运维')).toBe(4);
  });

  it('reports a term reaching 30% after being under 15% the week before', () => {
    const jumps = detectJumps(countByOfficeWeek(records), '2026-W48', '2026-W47', DEFAULT_JUMP_RULE);
    expect(jumps.map((j) => [j.officeId, j.term, j.share, j.previousShare])).toEqual([
      ['south', '账期', 2 / 3, 0],
      ['east', '运维', 0.4, 0.1],
      ['south', '价格', 1 / 3, 0],
    ]);
  });

  it('respects the configured levels', () => {
    const jumps = detectJumps(countByOfficeWeek(records), '2026-W48', '2026-W47', { reach: 0.5, below: 0.15, minObjections: 2 });
    expect(jumps.map((j) => `${j.officeId}:${j.term}`)).toEqual(['north:培训', 'south:账期']);
  });

  it('ranks terms by the objections containing them', () => {
    expect(rankTerms(records.filter((r) => r.week === '2026-W48' && r.officeId === 'east'), 2)).toEqual([
      { term: '价格', count: 10, share: 1 }, { term: '运维', count: 4, share: 0.4 },
    ]);
  });
});
