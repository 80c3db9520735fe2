/**
 * My work (issue 14): what a person has to do, in chat. `我的任务`/`待办` lists the open tasks assigned to the person
 * (overdue, due today, later); supervisors get `团队` (their team's customers by stage), `停滞` (their team's stalled
 * customers) and `待评分` (reviews waiting for their score); on working days each rep gets one morning digest with
 * today's due tasks and stalled customers. Read-only use cases: (tx, deps, input) → the reply text.
 */
import { isWorkingDay, type WorkCalendar } from '../domain/working-time';
import { addLocalDays, startOfLocalDay } from '../domain/business-time';
import { findStage } from '../domain/stages';
import type { ProcessDefinition } from '../domain/types';
import { myWorkTexts as T, taskGroups, type StallLine, type TaskLine } from '../cards/my-work-texts';
import { findStalled } from './stall';
import { listCustomers, recentTouchpoints } from '../store/customers';
import type { Database, Tx } from '../store/db';
import { listPeople } from '../store/org';
import { listReviews } from '../store/reviews';
import { customers, tasks } from '../store/schema';
import { findPerson, type PersonRow } from '../store/people';
import { and, asc, eq, inArray } from 'drizzle-orm';

export interface MyWorkDeps { database: Database; process: ProcessDefinition }

const MAX_LINES = 12;

/** The end of the business day (the business time zone) that contains `now`. */
export function endOfBusinessDay(now: Date): Date {
  return addLocalDays(startOfLocalDay(now), 1);
}

const taskName = (process: ProcessDefinition, kind: string) => process.tasks.find((t) => t.key === kind)?.name ?? (kind === 'review' ? '质检评分' : kind);

/** Open tasks of some people, with the customer's name, soonest first. */
async function openTasks(tx: Tx, process: ProcessDefinition, assignees: string[]): Promise<(TaskLine & { assigneeId: string })[]> {
  if (!assignees.length) return [];
  const rows = await tx.select({ kind: tasks.kind, dueAt: tasks.dueAt, assigneeId: tasks.assigneeId, customer: customers.name })
    .from(tasks).leftJoin(customers, eq(customers.id, tasks.customerId))
    .where(and(inArray(tasks.assigneeId, assignees), eq(tasks.status, 'open'))).orderBy(asc(tasks.dueAt));
  return rows.map((r) => ({ name: taskName(process, r.kind), customer: r.customer ?? null, dueAt: r.dueAt, assigneeId: r.assigneeId }));
}

function group(list: TaskLine[], now: Date) {
  const end = endOfBusinessDay(now).getTime();
  return {
    overdue: list.filter((t) => t.dueAt.getTime() < now.getTime()),
    today: list.filter((t) => t.dueAt.getTime() >= now.getTime() && t.dueAt.getTime() < end),
    later: list.filter((t) => t.dueAt.getTime() >= end),
  };
}

function capped(lines: string[]): string[] {
  return lines.length > MAX_LINES + 1 ? [...lines.slice(0, MAX_LINES), T.more(lines.length - MAX_LINES)] : lines;
}

/** `我的任务` / `待办`. */
export async function myTasks(tx: Tx, deps: MyWorkDeps, input: { userId: string; now: Date }): Promise<string> {
  const list = await openTasks(tx, deps.process, [input.userId]);
  if (!list.length) return (await teamOf(tx, input.userId)) ? T.noTasksManager : T.noTasks;
  return [T.tasksTitle(list.length), ...capped(taskGroups(group(list, input.now), input.now)), T.tasksFoot(list.find((t) => t.customer)?.customer ?? null)].join('\n');
}

/** Everyone below a person in the org (direct and further down); admins see everyone. Null when nobody reports to them. */
export async function teamOf(tx: Tx, userId: string): Promise<PersonRow[] | null> {
  const everyone = await listPeople(tx);
  const me = everyone.find((p) => p.userId.toLowerCase() === userId.toLowerCase());
  if (me?.roles.includes('admin')) return everyone.filter((p) => p.userId !== me.userId);
  const team: PersonRow[] = [];
  const seen = new Set([userId.toLowerCase()]);
  let frontier = [userId.toLowerCase()];
  while (frontier.length) {
    const next = everyone.filter((p) => p.supervisorId && frontier.includes(p.supervisorId.toLowerCase()) && !seen.has(p.userId.toLowerCase()));
    next.forEach((p) => seen.add(p.userId.toLowerCase()));
    team.push(...next);
    frontier = next.map((p) => p.userId.toLowerCase());
  }
  return team.length ? team : null;
}

/** `团队`: the team's open customers by stage. */
export async function teamByStage(tx: Tx, deps: MyWorkDeps, input: { userId: string }): Promise<string> {
  const team = await teamOf(tx, input.userId);
  if (!team) return T.notManager;
  const list = await listCustomers(tx, { ownerIds: team.map((p) => p.userId), limit: 5000 });
  const open = list.filter((c) => !findStage(deps.process, c.stage)?.outcome);
  if (!open.length) return T.teamEmpty;
  const lines = deps.process.stages.filter((s) => !s.outcome).map((s) => {
    const here = open.filter((c) => c.stage === s.key);
    return here.length ? T.teamStage(s.name, here.length, here.slice(0, 3).map((c) => c.name), here.length - 3) : null;
  }).filter((l): l is string => !!l);
  return [T.teamTitle(open.length), ...lines].join('\n');
}

async function stalledLines(tx: Tx, deps: MyWorkDeps, owners: PersonRow[], now: Date): Promise<StallLine[]> {
  const byId = new Map(owners.map((p) => [p.userId.toLowerCase(), p]));
  const stalled = await findStalled(deps.database, tx, deps.process, now);
  return stalled.filter((s) => byId.has(s.ownerId.toLowerCase())).sort((a, b) => b.days - a.days).map((s) => ({
    customer: s.name, ownerName: byId.get(s.ownerId.toLowerCase())?.name ?? s.ownerId,
    stage: findStage(deps.process, s.stage)?.name ?? s.stage, days: s.days, flag: s.flag,
  }));
}

/** `停滞`: the team's stalled customers (R5 rules), longest first. */
export async function teamStalled(tx: Tx, deps: MyWorkDeps, input: { userId: string; now: Date }): Promise<string> {
  const team = await teamOf(tx, input.userId);
  if (!team) return T.notManager;
  const lines = await stalledLines(tx, deps, team, input.now);
  if (!lines.length) return T.stalledNone;
  return [T.stalledTitle(lines.length), ...capped(lines.map(T.stalledLine)), T.stalledFoot(lines[0]!.customer)].join('\n');
}

/** `待评分`: reviews assigned to the person and not scored yet (overdue ones included). */
export async function reviewsWaiting(tx: Tx, deps: MyWorkDeps, input: { userId: string; now: Date }): Promise<string> {
  const all = await listReviews(deps.database, { reviewer: input.userId, from: new Date(0), to: new Date(input.now.getTime() + 1), now: input.now, limit: 50 }, tx);
  const waiting = all.filter((r) => r.status !== 'scored').sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  if (!waiting.length) {
    // Nothing to score: say so, or, to someone who never scores (a rep), whose command this is.
    const me = await findPerson(tx, input.userId);
    const mayScore = !!me && me.roles.some((r) => r !== 'rep');
    return mayScore ? T.reviewsNone : T.notReviewer;
  }
  const people = new Map((await listPeople(tx, { activeOnly: false })).map((p) => [p.userId.toLowerCase(), p.name]));
  const names = new Map((await listCustomers(tx, { limit: 5000 })).map((c) => [c.id, c.name]));
  const lines = waiting.map((r) => T.reviewLine({
    taskName: taskName(deps.process, r.taskKind), repName: people.get(r.repId.toLowerCase()) ?? r.repId,
    customer: r.customerId ? names.get(r.customerId) ?? null : null, dueAt: r.dueAt,
  }, input.now));
  return [T.reviewsTitle(waiting.length), ...capped(lines)].join('\n');
}

/**
 * The morning digest (cron, working days only): to each active person with tasks due today or overdue, or stalled
 * customers of their own, one message. Returns how many were sent.
 */
export async function morningDigest(tx: Tx, deps: MyWorkDeps & { calendar: WorkCalendar | null }, input: {
  now: Date; emit(to: string[], text: string): Promise<void>;
}): Promise<number> {
  if (deps.calendar && !isWorkingDay(deps.calendar, input.now)) return 0;
  const everyone = await listPeople(tx);
  const due = (await openTasks(tx, deps.process, everyone.map((p) => p.userId)))
    .filter((t) => t.dueAt.getTime() < endOfBusinessDay(input.now).getTime());
  const stalled = await findStalled(deps.database, tx, deps.process, input.now);
  let sent = 0;
  for (const p of everyone) {
    const mine = due.filter((t) => t.assigneeId.toLowerCase() === p.userId.toLowerCase());
    const myStalled: StallLine[] = [];
    for (const s of stalled.filter((x) => x.ownerId.toLowerCase() === p.userId.toLowerCase())) {
      const [last] = await recentTouchpoints(tx, s.id, 1);
      myStalled.push({
        customer: s.name, ownerName: p.name, stage: findStage(deps.process, s.stage)?.name ?? s.stage, days: s.days, flag: s.flag,
        last: last ? { at: last.at, text: last.text ?? '', fromCustomer: last.direction === 'in' } : null,
      });
    }
    if (!mine.length && !myStalled.length) continue;
    const lines = [T.morningTitle(p.name), ...taskGroups({ ...group(mine, input.now), later: [] }, input.now)];
    if (myStalled.length) lines.push(T.morningStalled(myStalled.length), ...myStalled.map(T.morningStalledLine));
    await input.emit([p.userId], [...capped(lines), T.morningFoot].join('\n'));
    sent++;
  }
  return sent;
}
