import { matchCustomers } from '../../../domain/customer-match';

const customers = [
  { id: 'c1', name: '华夏医疗' },
  { id: 'c2', name: '华夏医疗器械' },
  { id: 'c3', name: '恒信银联' },
  { id: 'c4', name: '重庆长安汽车' },
  { id: 'c5', name: 'Apple 中国' },
  { id: 'c6', name: '绿源环保' },
];
const ids = (query: string): string[] => matchCustomers(query, customers).candidates.map((m) => m.customer.id);

describe('matchCustomers', () => {
  it('returns the exact match, ranked before names that merely contain it', () => {
    const result = matchCustomers('华夏医疗', customers);
    expect(result.exact?.customer.id).toBe('c1');
    expect(ids('华夏医疗')).toEqual(['c1', 'c2']);
  });

  it('ignores spaces, width and case in an exact match', () => {
    expect(matchCustomers(' 华夏 医疗 ', customers).exact?.customer.id).toBe('c1');
    expect(matchCustomers('ａｐｐｌｅ中国', customers).exact?.customer.id).toBe('c5');
  });

  it('offers candidates but no exact match for a part of a name', () => {
    const result = matchCustomers('华夏', customers);
    expect(result.exact).toBeUndefined();
    expect(ids('华夏')).toEqual(['c1', 'c2']);
    expect(result.candidates[0].kind).toBe('prefix');
  });

  it('finds a substring in the middle of a name', () => {
    expect(ids('长安')).toEqual(['c4']);
  });

  it('matches pinyin initials, lower or upper case, but never as an exact match', () => {
    const result = matchCustomers('HXYL', customers.slice(0, 2));
    expect(result.exact).toBeUndefined();
    expect(result.candidates.map((m) => [m.customer.id, m.kind])).toEqual([['c1', 'initials'], ['c2', 'initials_prefix']]);
  });

  it('returns every customer sharing the same initials (华夏医疗 and 恒信银联 are both hxyl) so the caller can ask', () => {
    const result = matchCustomers('hxyl', customers);
    expect(result.exact).toBeUndefined();
    expect(result.candidates.filter((m) => m.kind === 'initials').map((m) => m.customer.id).sort()).toEqual(['c1', 'c3']);
    expect(ids('hxyl')).toHaveLength(3);
  });

  it('matches a full pinyin prefix, using the right reading of 多音字 (重庆 = chongqing)', () => {
    expect(ids('huaxiayi')).toEqual(['c1', 'c2']);
    expect(ids('chongqing')).toEqual(['c4']);
    expect(ids('cqca')).toEqual(['c4']);
  });

  it('accepts v or u for ü', () => {
    expect(ids('lvyuan')).toEqual(['c6']);
    expect(ids('luyuan')).toEqual(['c6']);
  });

  it('gives no exact match when two customers share a name', () => {
    const twins = [{ id: 'a', name: '华夏医疗' }, { id: 'b', name: '华夏医疗' }];
    const result = matchCustomers('华夏医疗', twins);
    expect(result.exact).toBeUndefined();
    expect(result.candidates).toHaveLength(2);
  });

  it('returns nothing for an empty query or no match', () => {
    expect(matchCustomers('  ', customers).candidates).toEqual([]);
    expect(matchCustomers('zzz', customers).candidates).toEqual([]);
  });
});
