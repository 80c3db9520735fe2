/**
 * The dashboard's numbers: the store's SQL (store/analytics.ts) put together with the domain rules
 * (domain/dashboard.ts, domain/objections.ts). Everything is computed from the database on request and kept in a
 * small cache for at most `cacheMs` (default 30 s, never more than 60 s), keyed by the reader's scope, so the page
 * reflects a stage change within a minute and one person's numbers never answer another's request.
 */
import type { Logger } from 'pino';
import { businessZone } from '../domain/business-time';
import { dashboardTexts as T } from '../cards/dashboard-texts';
import {
  buildHeatmap, calendarDaysBetween, consecutivePairs, dashboardSettings, isOverThreshold, isoWeek, isoWeekRange,
  managedScope, penetration, previousIsoWeek, stageThresholds,
  type FunnelStep, type HeatmapData, type Scope,
} from '../domain/dashboard';
import { countByOfficeWeek, detectJumps, rankTerms, type RankedTerm, type TermJump } from '../domain/objections';
import { openStages } from '../domain/stages';
import type { ProcessDefinition } from '../domain/types';
import {
  currentStayCandidates, dwellAggregates, funnelCounts, lastTouchpoints, objectionsIn, orgPeople, scopedOffices,
  type TouchpointBrief,
} from '../store/analytics';
import type { Database } from '../store/db';
import { sharedSegmenter, type Segmenter } from '../usecases/segmenter';
import { stalledCustomers } from '../usecases/stall';

export const MAX_CACHE_MS = 60_000;

export interface DashboardServiceDeps {
  database: Database;
  process: ProcessDefinition;
  log: Logger;
  /** Cache lifetime; default 30 s; capped at 60 s; 0 disables. */
  cacheMs?: number;
  segmenter?: Segmenter;
  tz?: string;
}

export interface Period {
  from: Date;
  to: Date;
}

export interface StalledEntry {
  customerId: number;
  name: string;
  officeId: string | null;
  officeName: string;
  ownerId: string;
  ownerName: string | null;
  stageEnteredAt: string;
  lastUpdate: string;
  daysSinceUpdate: number;
  flag: string;
  touchpoints: { at: string; kind: string; direction: string; text: string | null }[];
}

export interface ObjectionSummary {
  from: string;
  to: string;
  total: number;
  segmenter: Segmenter['mode'];
  terms: RankedTerm[];
  byOffice: { officeId: string | null; officeName: string; total: number; terms: RankedTerm[] }[];
  byWeek: { week: string; total: number; terms: RankedTerm[] }[];
}

const scopeKey = (s: Scope) => (s.kind === 'offices' ? `o:${s.offices.join(',')}` : s.kind);

export function createDashboardService(deps: DashboardServiceDeps) {
  const { database, process } = deps;
  const tz = deps.tz ?? businessZone();
  const ttl = Math.min(Math.max(0, deps.cacheMs ?? 30_000), MAX_CACHE_MS);
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  const termCache = new Map<number, string[]>();
  let segmenter = deps.segmenter ?? null;
  const seg = () => (segmenter ??= sharedSegmenter(deps.log));

  function cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    if (ttl === 0) return compute();
    const hit = cache.get(key);
    const wall = Date.now();
    if (hit && wall - hit.at < ttl) return hit.value as Promise<T>;
    const value = compute();
    cache.set(key, { at: wall, value });
    value.catch(() => cache.delete(key));
    if (cache.size > 500) for (const [k, v] of cache) if (wall - v.at >= ttl || cache.size > 500) cache.delete(k);
    return value;
  }

  const periodKey = (p: Period) => `${p.from.toISOString()}|${p.to.toISOString()}`;
  /**
   * The business instant as part of a cache key, in steps of the cache's lifetime: on the wall clock it changes as
   * often as entries expire anyway; when the sandbox moves the clock (+1天) the answer is computed afresh at once.
   */
  const instantKey = (now: Date) => String(Math.floor(now.getTime() / Math.max(ttl, 1000)));
  /** The business clock's `now`, rounded down to the cache lifetime so cached answers are consistent. */
  const stable = (now: Date) => (ttl ? new Date(Math.floor(now.getTime() / 1000) * 1000) : now);

  async function people() {
    return cached('people', () => orgPeople(database));
  }

  /** Who the person is and which offices they may see. */
  async function access(userId: string): Promise<{ person: { userId: string; name: string; roles: readonly string[] } | null; scope: Scope }> {
    const all = await people();
    const person = all.find((p) => p.userId.toLowerCase() === userId.toLowerCase()) ?? null;
    return { person: person && { userId: person.userId, name: person.name, roles: person.roles }, scope: managedScope(userId, all) };
  }

  async function officeNames(scope: Scope): Promise<Map<string, string>> {
    const rows = await cached(`offices:${scopeKey(scope)}`, () => scopedOffices(database, scope));
    return new Map(rows.map((o) => [o.id, o.name]));
  }

  const nameOf = (names: Map<string, string>, id: string | null) => (id === null ? T.page.unassignedOffice : names.get(id) ?? id);

  async function heatmap(scope: Scope, period: Period, now: Date): Promise<HeatmapData> {
    return cached(`heatmap:${scopeKey(scope)}:${periodKey(period)}:${instantKey(now)}`, async () => {
      const at = stable(now);
      const stages = openStages(process).map((s) => s.key);
      const [aggregates, names] = await Promise.all([
        dwellAggregates(database, { scope, stages, from: period.from, to: period.to, now: at }),
        officeNames(scope),
      ]);
      const thresholds = stageThresholds(process);
      const red = aggregates.filter((a) => isOverThreshold(a.avgSeconds === null ? null : a.avgSeconds * 1000, thresholds.get(a.stage)));
      const candidates = await currentStayCandidates(database, red.map((a) => ({ officeId: a.officeId, stage: a.stage })), 3);
      const ids = new Set<string | null>(scope.kind === 'offices' ? scope.offices : [...names.keys()]);
      if (scope.kind === 'all') for (const a of aggregates) ids.add(a.officeId);
      const offices = [...ids].sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
        .map((id) => ({ id, name: nameOf(names, id) }));
      return buildHeatmap({ process, offices, aggregates, candidates, from: period.from, to: period.to, now: at });
    });
  }

  async function funnel(scope: Scope, period: Period, windowSeconds: number | null): Promise<FunnelStep[]> {
    return cached(`funnel:${scopeKey(scope)}:${periodKey(period)}:${windowSeconds}`, async () => {
      const pairs = consecutivePairs(process);
      const counts = await funnelCounts(database, { scope, pairs, from: period.from, to: period.to, windowSeconds });
      return pairs.map((p, i) => ({ ...p, entered: counts[i]!.entered, advanced: counts[i]!.advanced, rate: penetration(counts[i]!.entered, counts[i]!.advanced) }));
    });
  }

  async function stalled(scope: Scope, now: Date): Promise<StalledEntry[]> {
    return cached(`stalled:${scopeKey(scope)}:${instantKey(now)}`, async () => {
      const at = stable(now);
      // The one R5 rule (usecases/stall.ts): the same list as the daily flags and GET /api/customers?flag=stalled.
      const [stuck, names] = await Promise.all([stalledCustomers(database, undefined, process, at, scope, tz), officeNames(scope)]);
      const touches = await lastTouchpoints(database, stuck.map((r) => r.id), 3);
      const byCustomer = new Map<number, TouchpointBrief[]>();
      for (const t of touches) byCustomer.set(t.customerId, [...(byCustomer.get(t.customerId) ?? []), t]);
      return stuck.map((r) => ({
        customerId: r.id, name: r.name, officeId: r.officeId, officeName: nameOf(names, r.officeId), ownerId: r.ownerId,
        ownerName: r.ownerName, stageEnteredAt: r.stageEnteredAt.toISOString(), lastUpdate: r.lastUpdate.toISOString(),
        daysSinceUpdate: calendarDaysBetween(r.lastUpdate, at, tz), flag: r.flag,
        touchpoints: (byCustomer.get(r.id) ?? []).map((t) => ({ at: t.at.toISOString(), kind: t.kind, direction: t.direction, text: t.text })),
      }));
    });
  }

  function termsOf(row: { id: number; text: string }): string[] {
    let terms = termCache.get(row.id);
    if (!terms) {
      terms = seg().terms(row.text);
      if (termCache.size > 100_000) termCache.clear();
      termCache.set(row.id, terms);
    }
    return terms;
  }

  async function objections(scope: Scope, period: Period, limit = 30): Promise<ObjectionSummary> {
    return cached(`objections:${scopeKey(scope)}:${periodKey(period)}:${limit}`, async () => {
      const [rows, names] = await Promise.all([objectionsIn(database, { scope, from: period.from, to: period.to }), officeNames(scope)]);
      const records = rows.map((r) => ({ officeId: r.officeId, week: isoWeek(r.at, tz), terms: termsOf(r) }));
      const group = <K>(key: (r: (typeof records)[number]) => K) => {
        const m = new Map<K, typeof records>();
        for (const r of records) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
        return m;
      };
      return {
        from: period.from.toISOString(), to: period.to.toISOString(), total: records.length, segmenter: seg().mode,
        terms: rankTerms(records, limit),
        byOffice: [...group((r) => r.officeId)].map(([officeId, rs]) => ({ officeId, officeName: nameOf(names, officeId), total: rs.length, terms: rankTerms(rs, 10) }))
          .sort((a, b) => b.total - a.total),
        byWeek: [...group((r) => r.week)].map(([week, rs]) => ({ week, total: rs.length, terms: rankTerms(rs, 10) }))
          .sort((a, b) => a.week.localeCompare(b.week)),
      };
    });
  }

  /** R10 jumps of `week` against the week before, every office (for the manager report). Not cached. */
  async function objectionJumps(week: string): Promise<TermJump[]> {
    const previous = previousIsoWeek(week, tz);
    const rows = await objectionsIn(database, { scope: { kind: 'all' }, from: isoWeekRange(previous, tz).start, to: isoWeekRange(week, tz).end });
    const counts = countByOfficeWeek(rows.map((r) => ({ officeId: r.officeId, week: isoWeek(r.at, tz), terms: termsOf(r) })));
    return detectJumps(counts, week, previous, dashboardSettings(process).objectionJump);
  }

  return { access, people, heatmap, funnel, stalled, objections, objectionJumps, officeNames, clear: () => cache.clear(), ttlMs: ttl, tz };
}

export type DashboardService = ReturnType<typeof createDashboardService>;
