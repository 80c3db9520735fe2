import { resolveStage, type StageResolution } from '../../../domain/stages';
import { shippedProcess } from './fixtures';

const process = shippedProcess();
const keyOf = (r: StageResolution): string | null => (r.status === 'found' ? r.stage.key : null);

describe('resolveStage', () => {
  it.each([
    ['negotiating', 'negotiating'],
    ['NEGOTIATING', 'negotiating'],
    ['proposal_submitted', 'proposal_submitted'],
    ['first call', 'first_call'],
    ['价格谈判中', 'negotiating'],
    [' 价格谈判中 。', 'negotiating'],
    ['谈判', 'negotiating'],
    ['演示', 'demo_done'],
    ['5', 'negotiating'],
    ['５', 'negotiating'],
    ['第5阶段', 'negotiating'],
    ['五', 'negotiating'],
    ['1', 'lead'],
    ['proposal', 'proposal_submitted'],
    ['已丢单', 'lost'],
    ['丢单', 'lost'],
    ['won', 'won'],
  ])('resolves %j to %s', (input, key) => {
    expect(keyOf(resolveStage(process, input))).toBe(key);
  });

  it('returns every candidate when a part of a name is ambiguous', () => {
    const r = resolveStage(process, '签');
    expect(r.status).toBe('ambiguous');
    if (r.status === 'ambiguous') expect(r.candidates.map((s) => s.key).sort()).toEqual(['contract_pending', 'won']);
  });

  it.each(['7', '0', '采购', '', '   '])('finds nothing for %j', (input) => {
    expect(resolveStage(process, input).status).toBe('not_found');
  });
});
