/** Operations endpoints: health, readiness, metrics, and the admin views of the inbox and outbox. */
import express, { type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Clock } from '../domain/clock';
import type { Database } from '../store/db';
import type { InboxRepo, InboxStatus } from '../store/inbox';
import type { OutboxRepo, OutboxStatus } from '../store/outbox';
import { requireAdmin } from './admin-auth';
import type { Metrics } from './metrics';

export interface OpsDeps {
  database: Database;
  redis: Redis | null;
  inbox: InboxRepo;
  outbox: OutboxRepo;
  metrics: Metrics;
  clock: Clock;
  adminToken?: string;
  /** METRICS_LISTEN is set: /metrics is served there only (createMetricsRouter), not on the main port. */
  metricsElsewhere?: boolean;
  onRetry(): void;
}

/** GET /metrics (Prometheus text). Mounted behind the admin token on the main port, or open on METRICS_LISTEN. */
export function createMetricsRouter(deps: Pick<OpsDeps, 'inbox' | 'outbox' | 'metrics' | 'clock'>, guard?: express.RequestHandler): express.Router {
  const r = express.Router();
  r.get('/metrics', ...(guard ? [guard] : []), async (_req: Request, res: Response) => {
    try {
      const lag = await deps.inbox.lag(deps.clock.now());
      deps.metrics.inboxOpen.set(lag.open);
      deps.metrics.inboxLag.set(lag.oldestSeconds);
      deps.metrics.outboxByStatus.reset();
      for (const s of await deps.outbox.stats()) deps.metrics.outboxByStatus.set({ status: s.status }, s.count);
    } catch {
      /* database down: still serve process metrics */
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return r;
}

const INBOX_STATUSES = ['pending', 'processing', 'done', 'failed'];
const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'merged'];

function limitOf(req: Request): number {
  const n = Number(req.query.limit ?? 100);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : 100;
}

export function createOpsRoutes(deps: OpsDeps): express.Router {
  const r = express.Router();

  r.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  r.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await deps.database.ping();
      checks.database = 'ok';
    } catch {
      checks.database = 'down';
    }
    if (deps.redis) {
      try {
        await deps.redis.ping();
        checks.redis = 'ok';
      } catch {
        checks.redis = 'down';
      }
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ ok, checks });
  });

  // Not public: queue depths and error counts tell an outsider too much. Bearer ADMIN_TOKEN, or METRICS_LISTEN.
  if (!deps.metricsElsewhere) r.use(createMetricsRouter(deps, requireAdmin(deps.adminToken)));

  const admin = express.Router();
  admin.use(requireAdmin(deps.adminToken));

  admin.get('/inbox', async (req: Request, res: Response) => {
    const status = req.query.status as string | undefined;
    if (status && !INBOX_STATUSES.includes(status)) {
      res.status(400).json({ error: 'bad_status', allowed: INBOX_STATUSES });
      return;
    }
    const rows = await deps.inbox.list({ status: status as InboxStatus | undefined, limit: limitOf(req) });
    res.json({ items: rows });
  });

  admin.post('/inbox/:id/retry', async (req: Request, res: Response) => {
    const ok = await deps.inbox.retry(Number(req.params.id), deps.clock.now());
    if (ok) deps.onRetry();
    res.status(ok ? 200 : 404).json({ ok });
  });

  admin.get('/outbox', async (req: Request, res: Response) => {
    const status = req.query.status as string | undefined;
    if (status && !OUTBOX_STATUSES.includes(status)) {
      res.status(400).json({ error: 'bad_status', allowed: OUTBOX_STATUSES });
      return;
    }
    const recipient = typeof req.query.recipient === 'string' ? req.query.recipient : undefined;
    const rows = await deps.outbox.list({ status: status as OutboxStatus | undefined, recipient, limit: limitOf(req) });
    res.json({ items: rows });
  });

  admin.post('/outbox/:id/retry', async (req: Request, res: Response) => {
    const ok = await deps.outbox.retry(Number(req.params.id), deps.clock.now());
    if (ok) deps.onRetry();
    res.status(ok ? 200 : 404).json({ ok });
  });

  r.use('/api', admin);
  return r;
}
