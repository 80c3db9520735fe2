import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';

/**
 * The express app every server here starts from (the bot, and the benchmark's bare baseline): no x-powered-by,
 * proxy-aware, and a request id (`x-request-id`, echoed back) with a child logger on `req.log`.
 */
export function createHttpApp(log: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const id = (req.get('x-request-id') ?? '').slice(0, 64) || randomUUID();
    (req as Request & { log: Logger }).log = log.child({ reqId: id });
    res.setHeader('x-request-id', id);
    next();
  });
  return app;
}
