import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Bearer ADMIN_TOKEN for the ops/admin API. Without ADMIN_TOKEN configured, the admin API is closed. */
export function requireAdmin(adminToken: string | undefined) {
  const expected = adminToken ? Buffer.from(adminToken) : null;
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
    if (!expected) {
      res.status(503).json({ error: 'admin_api_disabled', message: '未配置 ADMIN_TOKEN，管理接口已关闭' });
      return;
    }
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.status(401).json({ error: 'unauthorized', message: '管理令牌无效' });
      return;
    }
    next();
  };
}
