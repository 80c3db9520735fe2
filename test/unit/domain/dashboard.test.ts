// The dashboard's pure rules: thresholds, red cells and top 3, the R5 calendar-day rule, ISO weeks, who manages what.
import {
  buildHeatmap, calendarDaysBetween, consecutivePairs, DEFAULT_DASHBOARD, isoWeek, isoWeekRange, isOverThreshold, isStalled,
  managedScope, managers, narrowScope, penetration, previousIsoWeek, stageThresholds, stalledBefore, topStalled, unknownThresholdStages,
  type OrgPerson, type StalledCandidate,
} from '../../../domain/dashboard';
import { parseProcessConfig, ProcessConfigError } from '../../../domain/process-config';
import { shippedProcess, shippedYaml, HOUR } from './fixtures';

const NOW = new Date('2026-11-27T04:00:00Z'); // 12:00 Asia/Shanghai, a Friday

function candidate(id: number, hoursIn: number, over: Partial<StalledCandidate> = {}): StalledCandidate {
  return {
    customerId: id, name: `客户${id}`, officeId: 'east', stage: 'proposal_submitted', ownerId: 'lina', ownerName: '李娜',
    stageEnteredAt: new Date(NOW.getTime() - hoursIn * HOUR), lastTouchpoint: null, ...over,
  };
}

describe('thresholds from the process definition', () => {
  it('the shipped file makes proposal_submitted red over 96 h', () => {
    const t = stageThresholds(shippedProcess());
    expect([...t]).toEqual([['proposal_submitted', 96 * HOUR]]);
  });

  it('without a dashboard section the spec default applies', () => {
    const p = { ...shippedProcess(), dashboard: undefined };
    expect(stageThresholds(p).get('proposal_submitted')).toBe(96 * HOUR);
    expect(DEFAULT_DASHBOARD.objectionJump).toEqual({ reach: 0.3, below: 0.15, minObjections: 3 });
  });

  it('reads other stages and durations; an outcome has no threshold', () => {
    const yaml = shippedYaml().replace('proposal_submitted: 96h', 'proposal_submitted: 4d\n    first_call: 2h30m\n    won: 1h');
    const p = parseProcessConfig(yaml, 'x.yaml');
    const t = stageThresholds(p);
    expect(t.get('proposal_submitted')).toBe(96 * HOUR);
    expect(t.get('first_call')).toBe(2.5 * HOUR);
    expect(t.has('won')).toBe(false);
    expect(unknownThresholdStages(p)).toEqual(['won']);
  });

  it('refuses to start with a threshold on a misspelled stage, naming the line', () => {
    const yaml = shippedYaml().replace('proposal_submitted: 96h', 'proposal_submitted: 96h\n    negotating: 7d');
    const line = yaml.split('\n').findIndex((l) => l.includes('negotating: 7d')) + 1;
    expect(() => parseProcessConfig(yaml, 'x.yaml')).toThrow(new RegExp(`x\\.yaml:${line} dashboard\\.thresholds\\.negotating: unknown stage`));
  });

  it('refuses a bad duration and unknown fields in the dashboard section, with the line', () => {
    expect(() => parseProcessConfig(shippedYaml().replace('proposal_submitted: 96h', 'proposal_submitted: soon'), 'p.yaml'))
      .toThrow(/p\.yaml:\d+ dashboard\.thresholds\.proposal_submitted: invalid duration/);
    const e = (() => {
      try {
        parseProcessConfig(shippedYaml().replace('  thresholds:', '  treshold: 1\n  thresholds:'), 'p.yaml');
      } catch (err) {
        return err as ProcessConfigError;
      }
      return null;
    })();
    expect(e?.issues.map((i) => i.path)).toEqual(['dashboard.treshold']);
  });

  it('is strictly over: exactly at the threshold is not red; no threshold is never red', () => {
    expect(isOverThreshold(96 * HOUR, 96 * HOUR)).toBe(false);
    expect(isOverThreshold(96 * HOUR + 1, 96 * HOUR)).toBe(true);
    expect(isOverThreshold(1e12, undefined)).toBe(false);
    expect(isOverThreshold(null, 1)).toBe(false);
  });
});

describe('top 3 stalled', () => {
  it('takes the longest current stays first, ties by the older customer', () => {
    const top = topStalled([candidate(1, 100), candidate(2, 300), candidate(3, 98), candidate(4, 150), candidate(5, 150)], NOW);
    expect(top.map((c) => c.customerId)).toEqual([2, 4, 5]);
    expect(top[0]!.dwellHours).toBe(300);
  });

  it('fewer than 3 → all of them; none → empty', () => {
    expect(topStalled([candidate(1, 5)], NOW)).toHaveLength(1);
    expect(topStalled([], NOW)).toEqual([]);
  });
});

describe('buildHeatmap', () => {
  const process = shippedProcess();
  const agg = (officeId: string, stage: string, avgH: number) => ({
    officeId, stage, finishedCustomers: 1, finishedAvgSeconds: avgH * 3600, currentCustomers: 0, currentAvgSeconds: null, customers: 1, avgSeconds: avgH * 3600,
  });
  const h = buildHeatmap({
    process, offices: [{ id: 'east', name: '华东' }, { id: 'north', name: '华北' }],
    aggregates: [agg('east', 'proposal_submitted', 123.4), agg('north', 'proposal_submitted', 80), agg('east', 'lead', 500)],
    candidates: [candidate(1, 200), candidate(2, 150), candidate(3, 100), candidate(4, 98), candidate(9, 400, { officeId: 'north' })],
    from: new Date(NOW.getTime() - 720 * HOUR), to: NOW, now: NOW,
  });

  it('has a cell for every office × open stage, in stage order', () => {
    expect(h.stages.map((s) => s.key)).toEqual(['lead', 'first_call', 'demo_done', 'proposal_submitted', 'negotiating', 'contract_pending']);
    expect(h.cells).toHaveLength(12);
    expect(h.cells.find((c) => c.officeId === 'north' && c.stage === 'demo_done')).toMatchObject({ hours: null, customers: 0, red: false });
  });

  it('marks only cells over their stage threshold red and gives them the top 3 of their office', () => {
    const red = h.cells.filter((c) => c.red);
    expect(red.map((c) => [c.officeId, c.stage, c.hours])).toEqual([['east', 'proposal_submitted', 123.4]]);
    expect(red[0]!.top.map((c) => c.customerId)).toEqual([1, 2, 3]);
    expect(h.cells.find((c) => c.officeId === 'east' && c.stage === 'lead')!.red).toBe(false); // 500 h, but no threshold
  });
});

describe('R5 calendar days in Asia/Shanghai', () => {
  const sh = (local: string) => new Date(`${local}+08:00`);

  it('counts calendar days, not 24-hour periods', () => {
    expect(calendarDaysBetween(sh('2026-11-26T23:59:00'), sh('2026-11-27T00:01:00'))).toBe(1);
    expect(calendarDaysBetween(sh('2026-11-20T00:30:00'), sh('2026-11-27T23:00:00'))).toBe(7);
  });

  it('is stalled only past 7 calendar days', () => {
    expect(isStalled(sh('2026-11-19T23:00:00'), NOW)).toBe(true); // 7 d 13 h, but 8 calendar days
    expect(isStalled(sh('2026-11-20T00:30:00'), NOW)).toBe(false);
    expect(stalledBefore(NOW).toISOString()).toBe(sh('2026-11-20T00:00:00').toISOString());
  });

  it('uses the business day, not UTC (Shanghai is 8 h ahead)', () => {
    // 2026-11-19 17:00 UTC is already 2026-11-20 01:00 in Shanghai.
    expect(isStalled(new Date('2026-11-19T17:00:00Z'), NOW)).toBe(false);
  });
});

describe('ISO weeks', () => {
  it('names the week of the business day and its Monday 00:00 bounds', () => {
    expect(isoWeek(NOW)).toBe('2026-W48');
    expect(isoWeek(new Date('2026-11-22T16:30:00Z'))).toBe('2026-W48'); // Monday 00:30 in Shanghai, Sunday in UTC
    expect(isoWeek(new Date('2027-01-01T04:00:00Z'))).toBe('2026-W53');
    const r = isoWeekRange('2026-W48');
    expect(r.start.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(r.end.toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(previousIsoWeek('2026-W01')).toBe('2025-W52');
  });
});

describe('funnel helpers', () => {
  it('pairs consecutive open stages and rounds the rate', () => {
    expect(consecutivePairs(shippedProcess()).map((p) => `${p.from}>${p.to}`)).toEqual([
      'lead>first_call', 'first_call>demo_done', 'demo_done>proposal_submitted', 'proposal_submitted>negotiating', 'negotiating>contract_pending',
    ]);
    expect(penetration(3, 2)).toBe(0.667);
    expect(penetration(0, 0)).toBeNull();
  });
});

describe('who manages which offices', () => {
  const p = (userId: string, officeId: string | null, supervisorId: string | null, roles: string[] = ['rep'], active = true): OrgPerson =>
    ({ userId, officeId, supervisorId, roles, active });
  const org: OrgPerson[] = [
    p('boss', 'hq', null, ['admin']),
    p('qian', 'hq', null, ['supervisor']),
    p('zhang', 'east', 'qian', ['supervisor']),
    p('lina', 'east', 'zhang'),
    p('wang', 'east2', 'zhang'),
    p('zhao', 'north', null, ['supervisor']),
    p('liu', 'north', 'zhao'),
    p('gone', 'west', 'zhao', ['rep'], false),
    p('x', 'south', 'y'), p('y', 'south', 'x'), // a cycle
  ];

  it('admins see everything; supervisors their reports’ offices, down the chain; reps nothing', () => {
    expect(managedScope('boss', org)).toEqual({ kind: 'all' });
    expect(managedScope('zhang', org)).toEqual({ kind: 'offices', offices: ['east', 'east2'] });
    expect(managedScope('QIAN', org)).toEqual({ kind: 'offices', offices: ['east', 'east2', 'hq'].filter((o) => o !== 'hq') });
    expect(managedScope('zhao', org)).toEqual({ kind: 'offices', offices: ['north'] }); // an inactive report's office is not added
    expect(managedScope('lina', org)).toEqual({ kind: 'none' });
    expect(managedScope('nobody', org)).toEqual({ kind: 'none' });
    expect(managedScope('x', org)).toEqual({ kind: 'offices', offices: ['south'] }); // cycles end
  });

  it('narrows to one office only inside the scope', () => {
    expect(narrowScope({ kind: 'offices', offices: ['east', 'east2'] }, 'east')).toEqual({ kind: 'offices', offices: ['east'] });
    expect(narrowScope({ kind: 'offices', offices: ['east'] }, 'north')).toEqual({ kind: 'none' });
    expect(narrowScope({ kind: 'all' }, 'north')).toEqual({ kind: 'offices', offices: ['north'] });
  });

  it('managers are admins and supervisors with active reports', () => {
    expect(managers(org).sort()).toEqual(['boss', 'qian', 'x', 'y', 'zhang', 'zhao']);
  });
});
