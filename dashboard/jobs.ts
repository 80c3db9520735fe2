/**
 * Jobs the scheduler runs (the lead wires the timing):
 *   weeklyHeatmapJob  — every Monday: the heatmap rendered as a PNG, one file per distinct office scope (the
 *                       channel uploads it as media at delivery), then to each manager (admins, and supervisors with reports) an image message
 *                       and a one-line summary with a signed link to the page;
 *   objectionAlertJob — R10: the objection words whose share jumped last ISO week, to the managers of the office.
 * Both go through the outbox (so WeCom's per-member limits and retries apply) and are idempotent per ISO week: a
 * second run in the same week sends nothing (app_state `dashboard.weekly_heatmap.<week>` /
 * `dashboard.objection_alert.<week>`), unless `force`.
 */
import { businessZone } from '../domain/business-time';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { OutMessage } from '../bot/channel';
import { outboxRows } from '../usecases/emit';
import { dashboardTexts as T } from '../cards/dashboard-texts';
import type { Clock } from '../domain/clock';
import {
  DAY_MS, defaultPeriod, isoWeek, localDate, managedScope, managers, redCells, type Scope,
} from '../domain/dashboard';
import { percent } from '../domain/objections';
import type { ProcessDefinition } from '../domain/types';
import { orgPeople } from '../store/analytics';
import type { Database, DbOrTx } from '../store/db';
import type { NewOutboxMessage } from '../store/outbox';
import { appState } from '../store/schema';
import { renderHeatmapPng } from './render';
import { createDashboardService, type DashboardService } from './service';

export interface DashboardJobDeps {
  database: Database;
  /** Where the pictures are written (under DATA_DIR); the channel uploads them as media when it delivers. */
  mediaDir: string;
  outbox: { enqueue(on: DbOrTx, messages: NewOutboxMessage[], now: Date): Promise<unknown> };
  clock: Clock;
  log: Logger;
  process: ProcessDefinition;
  /** A signed dashboard link for one person (dashboard/access.ts dashboardLink). */
  link(userId: string): Promise<string>;
  service?: DashboardService;
  /** Called after messages were written to the outbox (e.g. runner.kick('outbox')). */
  onEnqueued?(): void;
  /** Period of the weekly picture, in days up to now (default 30, as the page). */
  periodDays?: number;
  fontDirs?: string[];
  tz?: string;
  /** Send even if this ISO week's run already happened. */
  force?: boolean;
}

const scopeKey = (s: Scope) => (s.kind === 'offices' ? s.offices.join(',') : s.kind);

/** Claims `key` in app_state inside `tx`; false when a previous run already did. */
async function claim(database: Database, tx: DbOrTx, key: string, value: unknown, now: Date, force: boolean): Promise<boolean> {
  if (force) {
    await tx.insert(appState).values({ key, value, updatedAt: now }).onConflictDoUpdate({ target: appState.key, set: { value, updatedAt: now } });
    return true;
  }
  const rows = await database.rows<{ key: string }>(sql`
    insert into app_state (key, value, updated_at) values (${key}, ${JSON.stringify(value)}::jsonb, ${now})
    on conflict (key) do nothing returning key`, tx);
  return rows.length > 0;
}

async function alreadyRan(database: Database, key: string): Promise<boolean> {
  return (await database.rows(sql`select 1 from app_state where key = ${key}`)).length > 0;
}

function message(recipient: string, body: OutMessage, cause: string): NewOutboxMessage {
  return outboxRows([recipient], body, cause)[0]!;
}

export interface WeeklyHeatmapResult {
  week: string;
  skipped: boolean;
  managers: string[];
  images: number;
}

export async function weeklyHeatmapJob(deps: DashboardJobDeps): Promise<WeeklyHeatmapResult> {
  const tz = deps.tz ?? businessZone();
  const now = deps.clock.now();
  const week = isoWeek(now, tz);
  const service = deps.service ?? createDashboardService({ database: deps.database, process: deps.process, log: deps.log, cacheMs: 0, tz });
  const people = await orgPeople(deps.database);
  const recipients = managers(people).map((userId) => ({ userId, scope: managedScope(userId, people) })).filter((m) => m.scope.kind !== 'none');
  const period = defaultPeriod(now, deps.periodDays ?? 30, tz);
  const periodText = `${localDate(period.from, tz)} 至 ${localDate(period.to, tz)}`;

  const claimKey = `dashboard.weekly_heatmap.${week}`;
  if (!deps.force && (await alreadyRan(deps.database, claimKey))) {
    deps.log.info({ week }, 'weekly heatmap job: already sent this week');
    return { week, skipped: true, managers: [], images: 0 };
  }

  const pictures = new Map<string, { file: string; name: string; red: { office: string; stage: string; hours: number }[] }>();
  for (const m of recipients) {
    const key = scopeKey(m.scope);
    if (pictures.has(key)) continue;
    const data = await service.heatmap(m.scope, period, now);
    const png = renderHeatmapPng(data, { fontDirs: deps.fontDirs, tz });
    const name = `heatmap-${localDate(now, tz)}.png`;
    const file = path.join(deps.mediaDir, `heatmap-${week}-${createHash('sha1').update(key).digest('hex').slice(0, 10)}.png`);
    await fsp.mkdir(deps.mediaDir, { recursive: true });
    await fsp.writeFile(file, png);
    const stageName = new Map(data.stages.map((s) => [s.key, s.name]));
    const officeName = new Map(data.offices.map((o) => [o.id, o.name]));
    const red = redCells(data).sort((a, b) => (b.hours ?? 0) - (a.hours ?? 0))
      .map((c) => ({ office: officeName.get(c.officeId) ?? String(c.officeId), stage: stageName.get(c.stage) ?? c.stage, hours: c.hours ?? 0 }));
    pictures.set(key, { file, name, red });
  }

  const links = new Map(await Promise.all(recipients.map(async (m) => [m.userId, await deps.link(m.userId)] as const)));
  const messages = recipients.flatMap((m) => {
    const p = pictures.get(scopeKey(m.scope))!;
    return [
      message(m.userId, { type: 'image', media: { path: p.file, name: p.name, contentType: 'image/png' } }, `dashboard:weekly:${week}`),
      message(m.userId, { type: 'text', text: T.weekly.summary(periodText, p.red, links.get(m.userId)!) }, `dashboard:weekly:${week}`),
    ];
  });
  const sent = await deps.database.db.transaction(async (tx) => {
    if (!(await claim(deps.database, tx, claimKey, { at: now.toISOString(), managers: recipients.length }, now, !!deps.force))) return false;
    await deps.outbox.enqueue(tx, messages, now);
    return true;
  });
  if (sent) deps.onEnqueued?.();
  deps.log.info({ week, managers: recipients.length, images: pictures.size, skipped: !sent }, 'weekly heatmap job');
  return { week, skipped: !sent, managers: sent ? recipients.map((m) => m.userId) : [], images: pictures.size };
}

export interface ObjectionAlertResult {
  week: string;
  skipped: boolean;
  jumps: number;
  recipients: string[];
}

/** Reports the jumps of `week` (default: the ISO week before now's, i.e. last week when run on Monday). */
export async function objectionAlertJob(deps: DashboardJobDeps & { week?: string }): Promise<ObjectionAlertResult> {
  const tz = deps.tz ?? businessZone();
  const now = deps.clock.now();
  const week = deps.week ?? isoWeek(new Date(now.getTime() - 7 * DAY_MS), tz);
  const service = deps.service ?? createDashboardService({ database: deps.database, process: deps.process, log: deps.log, cacheMs: 0, tz });
  const jumps = await service.objectionJumps(week);
  const people = await orgPeople(deps.database);
  const names = await service.officeNames({ kind: 'all' });
  const byRecipient = new Map<string, string[]>();
  for (const userId of managers(people)) {
    const scope = managedScope(userId, people);
    const mine = jumps.filter((j) => scope.kind === 'all' || (scope.kind === 'offices' && j.officeId !== null && scope.offices.includes(j.officeId)));
    if (!mine.length) continue;
    const link = await deps.link(userId);
    byRecipient.set(userId, mine.map((j) => T.objectionAlert({
      office: j.officeId === null ? T.page.unassignedOffice : names.get(j.officeId) ?? j.officeId, term: j.term, share: percent(j.share),
      previous: percent(j.previousShare), count: j.count, total: j.total, week, link,
    })));
  }
  const messages = [...byRecipient].map(([userId, lines]) => message(userId, { type: 'text', text: lines.join('\n\n') }, `dashboard:objections:${week}`));
  if (!messages.length) {
    deps.log.info({ week, jumps: jumps.length }, 'objection alert job: nothing to report');
    return { week, skipped: false, jumps: jumps.length, recipients: [] };
  }
  const sent = await deps.database.db.transaction(async (tx) => {
    if (!(await claim(deps.database, tx, `dashboard.objection_alert.${week}`, { at: now.toISOString(), jumps: jumps.length }, now, !!deps.force))) return false;
    await deps.outbox.enqueue(tx, messages, now);
    return true;
  });
  if (sent) deps.onEnqueued?.();
  deps.log.info({ week, jumps: jumps.length, recipients: byRecipient.size, skipped: !sent }, 'objection alert job');
  return { week, skipped: !sent, jumps: jumps.length, recipients: sent ? [...byRecipient.keys()] : [] };
}
