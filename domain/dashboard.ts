/**
 * The process health dashboard (R4, R5, R8), pure: red-cell thresholds from the process definition, the heatmap
 * assembled from the database's dwell aggregates, the top-3 stalled selection, the R5 calendar-day stall rule
 * (business time zone), penetration rates, ISO weeks in the business time zone, and which offices a person manages.
 * The SQL that produces the aggregates lives in store/analytics.ts; nothing here does I/O or reads the clock.
 */
import { businessZone, calendarDaysBetween, fromWall, isoWeekOf, isoWeekRange, wall } from './business-time';
import { durationMs } from './duration';
import { openStages } from './stages';
import type { DashboardSettings, ProcessDefinition } from './types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Used when the process definition has no `dashboard` section (spec R4 and R10 defaults). */
export const DEFAULT_DASHBOARD: DashboardSettings = {
  thresholds: { proposal_submitted: '96h' },
  objectionJump: { reach: 0.3, below: 0.15, minObjections: 3 },
};

export function dashboardSettings(process: ProcessDefinition): DashboardSettings {
  return process.dashboard ?? DEFAULT_DASHBOARD;
}

/** Stage key → threshold in ms, for the open stages that have one (unknown stage keys are ignored). */
export function stageThresholds(process: ProcessDefinition): Map<string, number> {
  const open = new Set(openStages(process).map((s) => s.key));
  const out = new Map<string, number>();
  for (const [stage, text] of Object.entries(dashboardSettings(process).thresholds)) {
    if (open.has(stage)) out.set(stage, durationMs(text));
  }
  return out;
}

/** Threshold keys that name no open stage (a typo would silently switch a red cell off). */
export function unknownThresholdStages(process: ProcessDefinition): string[] {
  const open = new Set(openStages(process).map((s) => s.key));
  return Object.keys(dashboardSettings(process).thresholds).filter((k) => !open.has(k));
}

/** Strictly over: a cell exactly at its threshold is not red. No threshold → never red. */
export function isOverThreshold(avgMs: number | null, thresholdMs: number | undefined): boolean {
  return avgMs !== null && thresholdMs !== undefined && avgMs > thresholdMs;
}

const hours = (ms: number | null): number | null => (ms === null ? null : Math.round((ms / HOUR_MS) * 10) / 10);

/**
 * One office × stage aggregate as the database computes it. Per customer: the finished stays in the stage
 * (left during the period) are summed, a customer who went back and came again counts once with the sum; the
 * current stay is the one still open at the end of the period. `avgSeconds` averages per customer the time
 * counted in the period (finished + current so far).
 */
export interface DwellAggregate {
  officeId: string | null;
  stage: string;
  finishedCustomers: number;
  finishedAvgSeconds: number | null;
  currentCustomers: number;
  currentAvgSeconds: number | null;
  customers: number;
  avgSeconds: number | null;
}

/** A customer currently in a stage, candidate for the drill-down. */
export interface StalledCandidate {
  customerId: number;
  name: string;
  officeId: string | null;
  stage: string;
  ownerId: string;
  ownerName: string | null;
  stageEnteredAt: Date;
  lastTouchpoint: { at: Date; text: string | null; kind: string; direction: string } | null;
}

export interface StalledCustomer extends Omit<StalledCandidate, 'stageEnteredAt'> {
  stageEnteredAt: string;
  dwellHours: number;
}

/** The longest current stays first (ties: the older customer id first), at most `n`. */
export function topStalled(candidates: readonly StalledCandidate[], now: Date, n = 3): StalledCustomer[] {
  return [...candidates]
    .sort((a, b) => a.stageEnteredAt.getTime() - b.stageEnteredAt.getTime() || a.customerId - b.customerId)
    .slice(0, n)
    .map((c) => ({ ...c, stageEnteredAt: c.stageEnteredAt.toISOString(), dwellHours: hours(Math.max(0, now.getTime() - c.stageEnteredAt.getTime()))! }));
}

export interface HeatmapCell {
  officeId: string | null;
  stage: string;
  /** Average hours per customer (finished + current so far); what the colour is judged on. */
  hours: number | null;
  customers: number;
  finished: { customers: number; hours: number | null };
  current: { customers: number; hours: number | null };
  thresholdHours: number | null;
  red: boolean;
  /** The office's top 3 stalled customers in the stage (longest current stay first); filled on red cells. */
  top: StalledCustomer[];
}

export interface HeatmapData {
  from: string;
  to: string;
  generatedAt: string;
  stages: { key: string; name: string; order: number; thresholdHours: number | null }[];
  offices: { id: string | null; name: string }[];
  cells: HeatmapCell[];
}

export interface HeatmapInput {
  process: ProcessDefinition;
  offices: { id: string | null; name: string }[];
  aggregates: readonly DwellAggregate[];
  /** Current stays per office × stage (any number; the top 3 are chosen here). */
  candidates: readonly StalledCandidate[];
  from: Date;
  to: Date;
  now: Date;
}

const cellKey = (office: string | null, stage: string) => `${office ?? ''}\u0000${stage}`;

/** Assembles the heatmap: every office × open stage, red where the average is over the stage's threshold. */
export function buildHeatmap(input: HeatmapInput): HeatmapData {
  const stages = openStages(input.process);
  const thresholds = stageThresholds(input.process);
  const byCell = new Map(input.aggregates.map((a) => [cellKey(a.officeId, a.stage), a]));
  const candidatesByCell = new Map<string, StalledCandidate[]>();
  for (const c of input.candidates) {
    const k = cellKey(c.officeId, c.stage);
    candidatesByCell.set(k, [...(candidatesByCell.get(k) ?? []), c]);
  }
  const cells: HeatmapCell[] = [];
  for (const office of input.offices) {
    for (const stage of stages) {
      const a = byCell.get(cellKey(office.id, stage.key));
      const avgMs = a?.avgSeconds != null ? a.avgSeconds * 1000 : null;
      const threshold = thresholds.get(stage.key);
      const red = isOverThreshold(avgMs, threshold);
      cells.push({
        officeId: office.id, stage: stage.key, hours: hours(avgMs), customers: a?.customers ?? 0,
        finished: { customers: a?.finishedCustomers ?? 0, hours: hours(a?.finishedAvgSeconds != null ? a.finishedAvgSeconds * 1000 : null) },
        current: { customers: a?.currentCustomers ?? 0, hours: hours(a?.currentAvgSeconds != null ? a.currentAvgSeconds * 1000 : null) },
        thresholdHours: threshold !== undefined ? hours(threshold) : null,
        red,
        top: red ? topStalled(candidatesByCell.get(cellKey(office.id, stage.key)) ?? [], input.now) : [],
      });
    }
  }
  return {
    from: input.from.toISOString(), to: input.to.toISOString(), generatedAt: input.now.toISOString(),
    stages: stages.map((s, i) => ({ key: s.key, name: s.name, order: s.order ?? i + 1, thresholdHours: hours(thresholds.get(s.key) ?? null) })),
    offices: input.offices,
    cells,
  };
}

export const redCells = (h: HeatmapData): HeatmapCell[] => h.cells.filter((c) => c.red);

// ---- calendar days and ISO weeks in the business time zone (business-time.ts does the arithmetic) ----

export { calendarDaysBetween, isoWeekRange, localDate, startOfLocalDay } from './business-time';

/** R5: stalled when the last update is more than `days` calendar days before today (in `tz`). */
export function isStalled(lastUpdate: Date, now: Date, days = 7, tz = businessZone()): boolean {
  return calendarDaysBetween(lastUpdate, now, tz) > days;
}

/**
 * The latest instant a last update may have for the customer to be stalled now: the start of the local day
 * `days` calendar days ago (an update before it is more than `days` calendar days old). For SQL prefilters.
 */
export function stalledBefore(now: Date, days = 7, tz = businessZone()): Date {
  return fromWall(wall(now, tz).startOf('day').subtract(days, 'day'), tz);
}

/** ISO-8601 week of an instant in `tz`, as `2026-W48`. */
export function isoWeek(at: Date, tz = businessZone()): string {
  return isoWeekOf(at, tz);
}

export function previousIsoWeek(week: string, tz = businessZone()): string {
  const { start } = isoWeekRange(week, tz);
  return isoWeekOf(new Date(start.getTime() - DAY_MS / 2), tz);
}

/** The default period of the page and the weekly picture: the last `days` local days up to now. */
export function defaultPeriod(now: Date, days = 30, tz = businessZone()): { from: Date; to: Date } {
  return { from: stalledBefore(now, days - 1, tz), to: now };
}

// ---- funnel (R8) ----

export interface FunnelStep {
  from: string;
  to: string;
  fromName: string;
  toName: string;
  /** Customers that entered `from` in the period. */
  entered: number;
  /** Of those, the ones that entered `to` afterwards (within the window, when given). */
  advanced: number;
  /** advanced / entered, 0..1; null when nobody entered. */
  rate: number | null;
}

export function penetration(entered: number, advanced: number): number | null {
  return entered > 0 ? Math.round((advanced / entered) * 1000) / 1000 : null;
}

/** Consecutive open-stage pairs: lead→first_call, first_call→demo_done, … */
export function consecutivePairs(process: ProcessDefinition): { from: string; to: string; fromName: string; toName: string }[] {
  const stages = openStages(process);
  return stages.slice(0, -1).map((s, i) => ({ from: s.key, to: stages[i + 1]!.key, fromName: s.name, toName: stages[i + 1]!.name }));
}

// ---- who sees what ----

export interface OrgPerson {
  userId: string;
  officeId: string | null;
  roles: readonly string[];
  supervisorId: string | null;
  active: boolean;
}

export type Scope = { kind: 'all' } | { kind: 'offices'; offices: string[] } | { kind: 'none' };

/**
 * The offices a person manages: admins all; a supervisor the offices of the active people who report to them,
 * directly or further down (cycles are tolerated); everyone else none. Matching of userids is case-insensitive.
 */
export function managedScope(userId: string, people: readonly OrgPerson[]): Scope {
  const lower = userId.toLowerCase();
  const me = people.find((p) => p.userId.toLowerCase() === lower);
  if (!me || !me.active) return { kind: 'none' };
  if (me.roles.includes('admin')) return { kind: 'all' };
  const reportsOf = new Map<string, OrgPerson[]>();
  for (const p of people) {
    if (!p.supervisorId) continue;
    const k = p.supervisorId.toLowerCase();
    reportsOf.set(k, [...(reportsOf.get(k) ?? []), p]);
  }
  const offices = new Set<string>();
  const seen = new Set<string>([lower]);
  const queue = [lower];
  while (queue.length) {
    for (const r of reportsOf.get(queue.shift()!) ?? []) {
      const k = r.userId.toLowerCase();
      if (seen.has(k)) continue;
      seen.add(k);
      queue.push(k);
      if (r.active && r.officeId) offices.add(r.officeId);
    }
  }
  return offices.size ? { kind: 'offices', offices: [...offices].sort() } : { kind: 'none' };
}

/** The scope narrowed to one requested office; `none` when the office is outside it. */
export function narrowScope(scope: Scope, office: string | undefined): Scope {
  if (!office || scope.kind === 'none') return scope;
  if (scope.kind === 'all' || scope.offices.includes(office)) return { kind: 'offices', offices: [office] };
  return { kind: 'none' };
}

/** Managers who get the weekly picture: admins and supervisors with at least one active report. */
export function managers(people: readonly OrgPerson[]): string[] {
  const hasReports = new Set(people.filter((p) => p.active && p.supervisorId).map((p) => p.supervisorId!.toLowerCase()));
  return people.filter((p) => p.active && (p.roles.includes('admin') || hasReports.has(p.userId.toLowerCase()))).map((p) => p.userId);
}
