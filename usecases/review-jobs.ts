/**
 * The quality review's cron jobs (durable timers, once per occurrence across instances):
 *   review_sampling     — daily (default 08:30): draws the configured share of the tasks finished the day before
 *                         (domain/sampling.ts), records the run with its seed and population, opens a review per
 *                         drawn task and sends the scoring card to its reviewer. One run per day, ever.
 *   review_leaderboard  — weekly (default Monday 09:00): the previous ISO week's 方案提交及时率 per rep and team,
 *                         as markdown to each team member; the last one gets a private coach offer and the coach
 *                         assignment is recorded. Once per week (app_state claim), unless forced.
 * Both run inside the timer's transaction; messages go out through `emit` (the outbox of that transaction).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { OutMessage } from '../domain/messages';
import { coachNoticeText, coachOfferText, leaderboardMessage, reviewTexts } from '../cards/review-cards';
import { isoWeek, isoWeekRange, previousIsoWeek } from '../domain/dashboard';
import { durationMs } from '../domain/duration';
import { buildLeaderboard, chooseCoach, type Leaderboard, type RepCases } from '../domain/leaderboard';
import { REVIEW_TASK_KIND } from '../domain/review-config';
import { assignReviewers, drawSample, type Assignment, type RecordedPopulation, type ReviewerPolicy } from '../domain/sampling';
import { formatLocal, startOfLocalDay } from '../domain/business-time';
import { businessDay } from '../domain/schedule';
import { TEXTS_ZH } from '../domain/texts.zh';
import { openReview, type ReviewServiceDeps } from './review-service';
import type { Database, Tx } from '../store/db';
import { listOffices, listPeople, supervisorChain, type PersonRow } from '../store/org';
import { penetrationCounts } from '../store/penetration';
import { insertRun, previousRun, recordCoach, runsOfDays, samplingPopulation } from '../store/reviews';

const DAY_MS = 86_400_000;

export interface JobContext {
  tx: Tx;
  now: Date;
  log: Logger;
  emit(to: string[], message: OutMessage): Promise<void>;
}

export interface ReviewJobDeps {
  database: Database;
  service: ReviewServiceDeps;
}

/** Local midnight (business time zone) of a business day `YYYY-MM-DD`. */
export function dayStart(day: string): Date {
  return startOfLocalDay(day);
}

function daysBetween(from: string, toExclusive: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${toExclusive}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

interface RecordedDraw { assignments: Assignment[]; quota: number; owed: string[]; rrNext: number }

export interface SamplingOutcome {
  day: string;
  skipped: boolean;
  runId: number | null;
  population: number;
  drawn: number;
  reviews: number;
  unassigned: number;
}

/** The reviewer policy at draw time, recorded with the run so the assignment can be replayed. */
async function reviewerPolicy(tx: Tx, deps: ReviewJobDeps, reps: string[], day: string): Promise<ReviewerPolicy> {
  const s = deps.service.settings.sampling;
  const pool = s.pool.length ? s.pool : (await listPeople(tx, { role: 'reviewer' })).map((p) => p.userId);
  const supervisors: Record<string, string[]> = {};
  for (const rep of reps) supervisors[rep] = (await supervisorChain(tx, rep, 5)).map((p) => p.userId);
  const fallback = (await listPeople(tx, { role: 'admin' })).map((p) => p.userId);
  const prev = await previousRun(tx, day);
  const rrStart = Number((prev?.drawn as Partial<RecordedDraw> | null)?.rrNext ?? 0) || 0;
  return { mode: s.reviewers, pool, rrStart, supervisors, fallback };
}

/** The daily draw for `day` (default: the business day before `now`). */
export async function runSampling(deps: ReviewJobDeps, ctx: JobContext, opts: { day?: string; seed?: string } = {}): Promise<SamplingOutcome> {
  const { tx, now } = ctx;
  const settings = deps.service.settings;
  const day = opts.day ?? businessDay(new Date(now.getTime() - DAY_MS));
  const from = dayStart(day);
  const to = new Date(from.getTime() + DAY_MS);
  const tasks = await samplingPopulation(tx, { from, to, kinds: settings.sampling.tasks, exclude: [REVIEW_TASK_KIND] });
  // Earlier days of the same ISO week: their population and draws (stratification over the week).
  const weekStartDay = businessDay(isoWeekRange(isoWeek(from)).start);
  const earlier = await runsOfDays(tx, daysBetween(weekStartDay, day));
  const represented = new Set<string>();
  let weekPopulation = 0;
  let weekDrawn = 0;
  for (const run of earlier) {
    const pop = run.population as Partial<RecordedPopulation>;
    const drawn = run.drawn as Partial<RecordedDraw>;
    weekPopulation += pop.tasks?.length ?? 0;
    weekDrawn += drawn.assignments?.length ?? 0;
    for (const a of drawn.assignments ?? []) represented.add(a.repId);
  }
  const seed = opts.seed ?? randomBytes(8).toString('hex');
  const sharePermille = Math.round(settings.sampling.share * 1000);
  const week = { population: weekPopulation, drawn: weekDrawn, represented: [...represented].sort() };
  const draw = drawSample({ seed, sharePermille, tasks, week });
  const reps = [...new Set(tasks.map((t) => t.repId))].sort();
  const policy = await reviewerPolicy(tx, deps, reps, day);
  const { assignments, rrNext } = assignReviewers(draw.drawn, policy);
  const population: RecordedPopulation = { tasks, week, policy };
  const recorded: RecordedDraw = { assignments, quota: draw.quota, owed: draw.owed, rrNext };
  const run = await insertRun(tx, { day, seed, share: sharePermille, population, drawn: recorded, at: now });
  if (!run) {
    ctx.log.info({ day }, 'sampling: this day was already drawn');
    return { day, skipped: true, runId: null, population: tasks.length, drawn: 0, reviews: 0, unassigned: 0 };
  }
  let opened = 0;
  const perReviewer = new Map<string, number>();
  for (const a of assignments) {
    if (!a.reviewerId) continue;
    const review = await openReview(tx, deps.service, { assignment: { ...a, reviewerId: a.reviewerId }, samplingRunId: run.id, now, emit: ctx.emit });
    if (!review) continue;
    opened += 1;
    perReviewer.set(a.reviewerId, (perReviewer.get(a.reviewerId) ?? 0) + 1);
  }
  for (const [reviewer, n] of perReviewer) if (n > 1) await ctx.emit([reviewer], { type: 'text', text: reviewTexts.assigned(n) });
  const unassigned = assignments.filter((a) => !a.reviewerId);
  if (unassigned.length) ctx.log.warn({ day, tasks: unassigned.map((a) => a.taskId) }, 'sampling: no reviewer other than the rep (check direct_leader, the reviewer pool or admins)');
  ctx.log.info({ day, seed, population: tasks.length, quota: draw.quota, drawn: assignments.length, opened }, 'sampling run recorded');
  return { day, skipped: false, runId: run.id, population: tasks.length, drawn: assignments.length, reviews: opened, unassigned: unassigned.length };
}

// ---- the weekly leaderboard ----

export interface LeaderboardOutcome {
  week: string;
  skipped: boolean;
  teams: { team: string; name: string; recipients: string[]; board: Leaderboard }[];
  coaches: { repId: string; coachId: string | null }[];
}

function weekPeriodText(week: string): string {
  const { start, end } = isoWeekRange(week);
  const d = (at: Date) => formatLocal(at, 'M月D日');
  return `${week}（${d(start)}–${d(new Date(end.getTime() - DAY_MS))}）`;
}

/** Claims the week in app_state inside the transaction; false when it already ran (unless forced). */
async function claimWeek(database: Database, tx: Tx, week: string, now: Date, force: boolean): Promise<boolean> {
  const key = `review.leaderboard.${week}`;
  const value = JSON.stringify({ at: now.toISOString() });
  if (force) {
    await database.rows(sql`insert into app_state (key, value, updated_at) values (${key}, ${value}::jsonb, ${now})
      on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`, tx);
    return true;
  }
  const rows = await database.rows(sql`insert into app_state (key, value, updated_at) values (${key}, ${value}::jsonb, ${now})
    on conflict (key) do nothing returning key`, tx);
  return rows.length > 0;
}

/** The previous ISO week's leaderboard, per team. */
export async function runLeaderboard(deps: ReviewJobDeps, ctx: JobContext, opts: { week?: string; force?: boolean } = {}): Promise<LeaderboardOutcome> {
  const { tx, now } = ctx;
  const lb = deps.service.settings.leaderboard;
  const week = opts.week ?? previousIsoWeek(isoWeek(now));
  if (!(await claimWeek(deps.database, tx, week, now, !!opts.force))) return { week, skipped: true, teams: [], coaches: [] };
  const withinMs = durationMs(lb.within);
  const { start, end } = isoWeekRange(week);
  // Cases: demos whose deadline (demo + within) fell in the week, so every case is decided now.
  const counts = await penetrationCounts(deps.database, {
    a: lb.from, b: lb.to, from: new Date(start.getTime() - withinMs), to: new Date(end.getTime() - withinMs), windowSeconds: withinMs / 1000, by: 'rep',
  }, tx);
  const everyone = await listPeople(tx, { activeOnly: false });
  const byId = new Map(everyone.map((p) => [p.userId.toLowerCase(), p]));
  const offices = new Map((await listOffices(tx)).map((o) => [o.id, o.name]));
  const teamOf = (p: PersonRow): string | null => (lb.team === 'office' ? p.officeId : p.supervisorId);
  const teams = new Map<string, RepCases[]>();
  // Every team with an active rep hears about the week, even when nobody in it has enough cases to be ranked.
  for (const p of everyone) {
    const team = p.active && p.roles.includes('rep') ? teamOf(p) : null;
    if (team && !teams.has(team)) teams.set(team, []);
  }
  for (const g of counts.groups) {
    const person = g.key ? byId.get(g.key.toLowerCase()) : undefined;
    const team = person ? teamOf(person) : null;
    if (!person || !team) continue;
    const list = teams.get(team) ?? [];
    list.push({ repId: person.userId, name: person.name, cases: g.entered, onTime: g.advanced });
    teams.set(team, list);
  }
  const withinText = TEXTS_ZH.formatDuration(withinMs);
  const outcome: LeaderboardOutcome = { week, skipped: false, teams: [], coaches: [] };
  let offers = 0;
  for (const [team, reps] of [...teams].sort(([a], [b]) => a.localeCompare(b))) {
    // A team where nobody reaches minCases still gets the message: it says why nobody is ranked.
    const board = buildLeaderboard(reps, { minCases: lb.minCases, top: lb.top });
    const members = lb.team === 'office'
      ? everyone.filter((p) => p.active && p.officeId === team).map((p) => p.userId)
      : [team, ...everyone.filter((p) => p.active && p.supervisorId === team).map((p) => p.userId)];
    const name = lb.team === 'office' ? offices.get(team) ?? team : `${byId.get(team.toLowerCase())?.name ?? team}团队`;
    await ctx.emit(members, leaderboardMessage({ teamName: name, period: weekPeriodText(week), board, withinText }));
    outcome.teams.push({ team, name, recipients: members, board });
    for (const last of board.last) {
      const coachId = chooseCoach(last.repId, { coaches: lb.coaches, offset: offers++, best: board.ranked.map((r) => r.repId) });
      const row = await recordCoach(tx, { repId: last.repId, coachId, week, reason: `方案提交及时率末位 ${Math.round(last.rate * 100)}%（${last.onTime}/${last.cases}）` }, now);
      if (!row) continue; // already offered this week
      const coach = coachId ? byId.get(coachId.toLowerCase()) : undefined;
      const coachName = coach?.name ?? coachId;
      await ctx.emit([last.repId], { type: 'text', text: coachOfferText({ repName: last.name, rate: last.rate, onTime: last.onTime, cases: last.cases, coachName, withinText }) });
      if (coachId && coachName) await ctx.emit([coachId], { type: 'text', text: coachNoticeText({ coachName, repName: last.name }) });
      outcome.coaches.push({ repId: last.repId, coachId });
    }
  }
  ctx.log.info({ week, teams: outcome.teams.length, coaches: outcome.coaches.length }, 'leaderboard sent');
  return outcome;
}
