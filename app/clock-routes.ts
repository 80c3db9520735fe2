/**
 * The time machine (时光机): `GET /api/clock` tells the one clock's time; `POST /api/clock` with
 * `{"advance": "2h"}` or `{"to": "2026-12-01T09:00:00+08:00"}` moves it forward and returns after everything that
 * fell due on the way has run — timers in order of their time, then the handlers and deliveries they caused.
 * Only in the sandbox or with ALLOW_TIME_TRAVEL=1, always behind the admin token.
 */
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { parseDuration } from '../domain/duration';
import type { Clock } from '../domain/clock';
import { TimeTravelRefused, type TimeMachine } from '../schedulers/time-travel';
import { requireAdmin } from './admin-auth';

export interface ClockRouteDeps {
  clock: Clock;
  /** The bot's one time machine; null when time travel is off (the routes answer 404). */
  timeMachine: TimeMachine | null;
  adminToken?: string;
  log: Logger;
}

export function createClockRoutes(deps: ClockRouteDeps): express.Router {
  const r = express.Router();
  const guard = (res: Response) => {
    if (!deps.timeMachine) {
      res.status(404).json({ error: 'time_travel_disabled', message: '时光机仅在沙箱或设置 ALLOW_TIME_TRAVEL=1 时可用' });
      return false;
    }
    return true;
  };
  r.get('/api/clock', requireAdmin(deps.adminToken), (_req, res) => {
    if (!guard(res)) return;
    res.json({ now: deps.clock.now().toISOString() });
  });
  r.post('/api/clock', requireAdmin(deps.adminToken), async (req: Request, res: Response) => {
    if (!guard(res)) return;
    const body = (req.body ?? {}) as { advance?: unknown; to?: unknown };
    let target: ((now: Date) => Date) | null = null;
    const by = typeof body.advance === 'string' ? parseDuration(body.advance) : null;
    if (by !== null) {
      target = (now) => new Date(now.getTime() + by); // from the clock's time when this jump's turn comes
    } else if (typeof body.to === 'string' && /\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(body.to) && !Number.isNaN(Date.parse(body.to))) {
      const to = new Date(body.to);
      target = () => to;
    }
    if (!target) {
      res.status(400).json({ error: 'bad_request', message: '请提供 {"advance": "2h"}（支持 d/h/m/s）或 {"to": 带时区的 ISO-8601 时间}' });
      return;
    }
    try {
      const { to, stops, saved } = await deps.timeMachine!.move(target);
      deps.log.info({ now: to.toISOString(), stops }, 'time machine: clock moved');
      if (!saved) deps.log.warn({ now: to.toISOString() }, 'time machine: the new position was not saved (a restart goes back to the last saved one)');
      res.json({ now: to.toISOString(), stops });
    } catch (err) {
      if (err instanceof TimeTravelRefused) {
        res.status(400).json(err.reason === 'backwards'
          ? { error: 'backwards', message: '时间只能向前拨' }
          : { error: 'bad_request', message: '目标时间无效（太远或不是有效的时间）' });
        return;
      }
      deps.log.error({ err }, 'time machine failed');
      res.status(500).json({ error: 'internal_error' });
    }
  });
  return r;
}
