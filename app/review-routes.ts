/**
 * Quality review HTTP routes.
 *
 * Admin token (Bearer ADMIN_TOKEN):
 *   GET  /api/metrics/penetration?from=&to=&a=&b=&window=72h&by=office|rep   R8, computed on the database
 *   GET  /api/reviews?status=pending|scored|overdue&reviewer=&from=&to=&limit=   reviews + reviewer timeliness
 *   GET  /api/reviews/timeliness?from=&to=&reviewer=                          share scored within the deadline
 *   GET  /api/reviews/sampling/:day                                           a run, re-created from its seed
 *   GET  /api/reviews/:id                                                     one review with every score version
 *   POST /api/reviews/sampling/run {"day"?, "seed"?}                          draw a day now (once per day)
 *   POST /api/reviews/leaderboard/run {"week"?, "force"?}                     send a week's leaderboard now
 * Public, signed:
 *   GET  /review/doc/:token      a delivered document, from the link on a scoring card (expires)
 *
 * Dates: `YYYY-MM-DD` (business time zone; `to` includes that whole day) or ISO-8601 with a zone. Default period: the
 * last 30 days up to now.
 */
import { addLocalDays, parseLocal } from '../domain/business-time';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { OutMessage } from '../bot/channel';
import { emitter } from '../usecases/emit';
import type { Clock } from '../domain/clock';
import { parseDuration } from '../domain/duration';
import { recreateRun, type RecordedPopulation } from '../domain/sampling';
import { verifyDocToken, type ReviewServiceDeps } from '../usecases/review-service';
import type { SigningKeys } from '../usecases/signed-token';
import type { DocumentBytes } from '../usecases/document-bytes';
import { runLeaderboard, runSampling } from '../usecases/review-jobs';
import type { Database, Tx } from '../store/db';
import { listOffices, listPeople } from '../store/org';
import type { OutboxRepo } from '../store/outbox';
import { penetrationCounts, rate, type PenetrationBy } from '../store/penetration';
import { documentContent, getReview, getRun, listReviews, reviewerTimeliness, scoresOf, type ReviewStatusFilter } from '../store/reviews';
import { requireAdmin } from './admin-auth';
import { securityHeaders } from '../usecases/security-headers';

export interface ReviewRoutesDeps {
  database: Database;
  clock: Clock;
  log: Logger;
  adminToken?: string;
  outbox: OutboxRepo;
  service: ReviewServiceDeps;
  /** Keys that verify review document links (usecases/signed-token.ts). */
  docKeys: SigningKeys;
  /** Where uploaded documents' bytes are kept (decision 0013): the download reads them through it. */
  documentBytes: DocumentBytes;
  onEnqueued(): void;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/;

class BadRequest extends Error {
  constructor(readonly code: string, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

function str(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** A date parameter: a local day (for `to`, its end) or an instant with a zone. */
function dateParam(req: Request, name: 'from' | 'to'): Date | undefined {
  const v = str(req, name);
  if (v === undefined) return undefined;
  const day = DATE.test(v) ? parseLocal(v) : null;
  if (day) return name === 'to' ? addLocalDays(day, 1) : day;
  if (INSTANT.test(v) && !Number.isNaN(Date.parse(v))) return new Date(v);
  throw new BadRequest('bad_date', `${name} 应为日期 YYYY-MM-DD 或带时区的 ISO-8601 时间`, { param: name });
}

function period(req: Request, now: Date): { from: Date; to: Date } {
  const to = dateParam(req, 'to') ?? now;
  const from = dateParam(req, 'from') ?? new Date(to.getTime() - 30 * DAY_MS);
  if (from.getTime() >= to.getTime()) throw new BadRequest('bad_period', 'from 必须早于 to');
  return { from, to };
}

function handle(fn: (req: Request, res: Response) => Promise<void>) {
  return async (req: Request, res: Response) => {
    try {
      await fn(req, res);
    } catch (err) {
      if (err instanceof BadRequest) {
        res.status(400).json({ error: err.code, message: err.message, ...err.extra });
        return;
      }
      throw err;
    }
  };
}

export function createReviewRoutes(deps: ReviewRoutesDeps): express.Router {
  const r = express.Router();
  const admin = requireAdmin(deps.adminToken);
  const stages = () => deps.service.process.stages.map((s) => s.key);

  r.get('/api/metrics/penetration', admin, handle(async (req, res) => {
    const defaults = deps.service.settings.penetration;
    const a = str(req, 'a') ?? defaults.from;
    const b = str(req, 'b') ?? defaults.to;
    for (const [name, key] of [['a', a], ['b', b]] as const) {
      if (!stages().includes(key)) throw new BadRequest('unknown_stage', `没有阶段“${key}”`, { param: name, allowed: stages() });
    }
    if (a === b) throw new BadRequest('same_stage', 'a 与 b 不能是同一个阶段');
    const windowText = str(req, 'window') ?? defaults.window;
    const windowMs = parseDuration(windowText);
    if (windowMs === null || windowMs <= 0) throw new BadRequest('bad_window', 'window 应为时长，如 72h、3d、90m');
    const byText = str(req, 'by');
    if (byText !== undefined && byText !== 'office' && byText !== 'rep') throw new BadRequest('bad_by', 'by 应为 office 或 rep');
    const by = (byText ?? null) as PenetrationBy | null;
    const { from, to } = period(req, deps.clock.now());
    const started = process.hrtime.bigint();
    const result = await penetrationCounts(deps.database, { a, b, from, to, windowSeconds: windowMs / 1000, by });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    let names = new Map<string, string>();
    if (by === 'office') names = new Map((await listOffices(deps.database.db)).map((o) => [o.id, o.name]));
    if (by === 'rep') names = new Map((await listPeople(deps.database.db, { activeOnly: false })).map((p) => [p.userId, p.name]));
    res.json({
      a, b, from: from.toISOString(), to: to.toISOString(), window: windowText, windowSeconds: windowMs / 1000, by,
      total: { ...result.total, rate: rate(result.total) },
      groups: result.groups.map((g) => ({ key: g.key, name: g.key ? names.get(g.key) ?? g.key : null, entered: g.entered, advanced: g.advanced, rate: rate(g) })),
      queryMs: Math.round(ms * 10) / 10,
    });
  }));

  r.get('/api/reviews/timeliness', admin, handle(async (req, res) => {
    const now = deps.clock.now();
    const { from, to } = period(req, now);
    res.json({ from: from.toISOString(), to: to.toISOString(), reviewers: await reviewerTimeliness(deps.database, { from, to, now, reviewer: str(req, 'reviewer') }) });
  }));

  r.get('/api/reviews/sampling/:day', admin, handle(async (req, res) => {
    const day = String(req.params.day);
    if (!DATE.test(day)) throw new BadRequest('bad_day', 'day 应为 YYYY-MM-DD');
    const run = await getRun(deps.database.db, day);
    if (!run) {
      res.status(404).json({ error: 'not_found', message: `${day} 没有抽样记录` });
      return;
    }
    const again = recreateRun({ seed: run.seed, sharePermille: run.share, population: run.population as RecordedPopulation });
    const recorded = (run.drawn as { assignments?: { taskId: number; reviewerId: string | null }[] }).assignments ?? [];
    const same = JSON.stringify(again.drawn.map((d) => [d.taskId, d.reviewerId])) === JSON.stringify(recorded.map((d) => [d.taskId, d.reviewerId]));
    res.json({ run, recreated: { drawn: again.drawn, quota: again.quota, owed: again.owed, matches: same } });
  }));

  r.get('/api/reviews', admin, handle(async (req, res) => {
    const now = deps.clock.now();
    const { from, to } = period(req, now);
    const status = str(req, 'status');
    if (status !== undefined && !['pending', 'scored', 'overdue'].includes(status)) throw new BadRequest('bad_status', 'status 应为 pending、scored 或 overdue');
    const limit = Math.min(Math.max(Number(str(req, 'limit') ?? 200) || 200, 1), 2000);
    const reviewer = str(req, 'reviewer');
    const [items, timeliness] = await Promise.all([
      listReviews(deps.database, { status: status as ReviewStatusFilter | undefined, reviewer, from, to, now, limit }),
      reviewerTimeliness(deps.database, { from, to, now, reviewer }),
    ]);
    res.json({ from: from.toISOString(), to: to.toISOString(), items, timeliness });
  }));

  r.get('/api/reviews/:id', admin, handle(async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequest('bad_id', 'id 应为正整数');
    const review = await getReview(deps.database.db, id);
    if (!review) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    res.json({ review, scores: await scoresOf(deps.database.db, id) });
  }));

  /** Runs a job body in one transaction whose messages go to the outbox, like a timer would. */
  async function inTransaction<T>(fn: (ctx: { tx: Tx; now: Date; log: Logger; emit(to: string[], m: OutMessage): Promise<void> }) => Promise<T>): Promise<T> {
    const now = deps.clock.now();
    const result = await deps.database.db.transaction(async (tx) => fn({
      tx, now, log: deps.log,
      emit: emitter(tx, deps.outbox.enqueue, now, 'api:reviews'),
    }));
    deps.onEnqueued();
    return result;
  }

  const json = express.json({ limit: '16kb' });
  r.post('/api/reviews/sampling/run', admin, json, handle(async (req, res) => {
    const body = (req.body ?? {}) as { day?: unknown; seed?: unknown };
    if (body.day !== undefined && (typeof body.day !== 'string' || !DATE.test(body.day))) throw new BadRequest('bad_day', 'day 应为 YYYY-MM-DD');
    if (body.seed !== undefined && (typeof body.seed !== 'string' || !body.seed || body.seed.length > 64)) throw new BadRequest('bad_seed', 'seed 应为 1–64 个字符的文本');
    const jobDeps = { database: deps.database, service: deps.service };
    res.json(await inTransaction((ctx) => runSampling(jobDeps, ctx, { day: body.day as string | undefined, seed: body.seed as string | undefined })));
  }));

  r.post('/api/reviews/leaderboard/run', admin, json, handle(async (req, res) => {
    const body = (req.body ?? {}) as { week?: unknown; force?: unknown };
    if (body.week !== undefined && (typeof body.week !== 'string' || !/^\d{4}-W\d{2}$/.test(body.week))) throw new BadRequest('bad_week', 'week 应为 ISO 周，如 2026-W48');
    const jobDeps = { database: deps.database, service: deps.service };
    const out = await inTransaction((ctx) => runLeaderboard(jobDeps, ctx, { week: body.week as string | undefined, force: body.force === true }));
    res.json({ ...out, teams: out.teams.map((t) => ({ team: t.team, name: t.name, recipients: t.recipients, ...t.board })) });
  }));

  r.get('/review/doc/:token', securityHeaders('file'), handle(async (req, res) => {
    const v = await verifyDocToken(String(req.params.token), deps.docKeys, deps.clock.now());
    if (!v.ok) {
      res.status(v.reason === 'expired' ? 410 : 404).type('text/plain; charset=utf-8').send(v.reason === 'expired' ? '链接已过期' : '链接无效');
      return;
    }
    const doc = await documentContent(deps.database.db, v.docId);
    // The bytes through the same port the upload kept them with: the row, or a file under DATA_DIR.
    const content = doc ? await deps.documentBytes.read(doc) : null;
    if (!doc || !content) {
      if (doc) deps.log.error({ documentId: doc.id, sha256: doc.sha256 }, 'document bytes missing');
      res.status(404).type('text/plain; charset=utf-8').send('文件不存在');
      return;
    }
    res.setHeader('content-type', doc.mimeType);
    res.setHeader('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(doc.name)}`);
    res.setHeader('cache-control', 'private, no-store');
    res.send(content);
  }));

  return r;
}
