/**
 * Body-parser errors on a receiver route (too large, aborted, malformed): a clear status, never a stack trace.
 * Shared by every channel's receiver (bot/wecom/receiver.ts, bot/dingtalk/receiver.ts).
 */
import type { NextFunction, Request, Response } from 'express';

export function bodyErrors(outcome: (o: 'too_large' | 'malformed') => void) {
  return (err: { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction): void => {
    if (!err) return next();
    if (err.type === 'entity.too.large' || err.status === 413) {
      outcome('too_large');
      res.status(413).type('text/plain').send('payload too large');
      return;
    }
    outcome('malformed');
    res.status(400).type('text/plain').send('bad request');
  };
}
