/**
 * HTTP routes of material packs (issue 13). The customer's side, no sign-in (the signed link is the key):
 *   GET  /m/:token            the material page (preview + download); records nothing
 *   GET  /m/:token/file       the PDF (inline; ?download=1 as an attachment); records nothing
 *   POST /m/:token/open       the page's beacon after render: counts the open (the first one is 资料已接收)
 * Admin API (bearer ADMIN_TOKEN):
 *   GET  /api/materials                         the library, packs and current versions
 *   POST /api/materials/:key/versions           a new version (raw PDF body, x-file-name header)
 *   POST /api/customers/:id/packs {actorId}     send the customer's pack (returns the links)
 *   POST /api/customers/:id/merge {into, ownerId?, actorId?}   merge a customer into another (history kept)
 *   POST /api/duplicates/:id {action: merge|assign|dismiss, ownerId?, actorId?}
 *   GET  /api/metrics/materials?from=&to=&by=office|rep&onTime=24h
 * Every action is one use case (usecases/); messages go to the outbox in the same transaction.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import { parseDuration } from '../domain/duration';
import type { MaterialsConfig } from '../domain/materials';
import type { Database, Tx } from '../store/db';
import { latestMaterialVersion } from '../store/materials';
import type { OutboxRepo } from '../store/outbox';
import { mergeCustomer, resolveDuplicate } from '../usecases/duplicates';
import { emitter } from '../usecases/emit';
import type { MaterialDeps } from '../usecases/material-deps';
import { materialFileProblem, uploadMaterialVersion, viewMaterial } from '../usecases/material-file';
import { materialMeasures } from '../usecases/material-measures';
import { recordMaterialOpen } from '../usecases/record-material-open';
import { sendPack } from '../usecases/send-pack';
import { requireAdmin } from './admin-auth';
import { sharedRawBody } from './upload-body';
import { opensAsPdf } from './pdf-check';
import { materialTexts } from '../cards/material-texts';
import { verifyLink } from './material-link';
import { invalidPage, materialPage, pageHeaders } from './material-page';
import { cspNonce, securityHeaders } from '../usecases/security-headers';

export interface MaterialRoutesDeps {
  database: Database;
  clock: Clock;
  log: Logger;
  outbox: OutboxRepo;
  adminToken: string | undefined;
  materials: MaterialsConfig;
  linkKey: Buffer;
  deps: Omit<MaterialDeps, 'emit'>;
  onEnqueued(): void;
}

const idParam = (raw: string) => (/^\d{1,9}$/.test(raw) && Number(raw) > 0 ? Number(raw) : null);

export function createMaterialRoutes(d: MaterialRoutesDeps): express.Router {
  const r = express.Router();
  const db = d.database.db;

  /** Runs a use case in one transaction with an emit that writes to the outbox; kicks delivery after commit. */
  async function inTx<T>(cause: string, fn: (tx: Tx, deps: MaterialDeps, now: Date) => Promise<T>): Promise<T> {
    const now = d.clock.now();
    let wrote = 0;
    const result = await db.transaction(async (tx) => {
      const emit = emitter(tx, d.outbox.enqueue, now, cause);
      const out = await fn(tx, { ...d.deps, emit }, now);
      wrote = emit.count();
      return out;
    });
    if (wrote) d.onEnqueued();
    return result;
  }

  // ---- the customer's side ----
  const claimsOf = (req: Request) => {
    const v = verifyLink(String(req.params.token), d.linkKey);
    return v.ok ? v.claims : null;
  };

  r.get('/m/:token', securityHeaders('material'), async (req, res) => {
    const nonce = cspNonce(res);
    const claims = claimsOf(req);
    const view = claims ? await db.transaction((tx) => viewMaterial(tx, d.deps, claims)) : null;
    if (!view) {
      res.status(claims ? 404 : 403).set(pageHeaders()).send(invalidPage(nonce));
      return;
    }
    res.status(200).set(pageHeaders()).send(materialPage({
      nonce, token: String(req.params.token), title: view.link.title, itemNo: view.link.itemNo, total: view.total,
      version: view.link.version, repName: view.repName,
    }));
  });

  r.get('/m/:token/file', securityHeaders('file'), async (req, res) => {
    const claims = claimsOf(req);
    const view = claims ? await db.transaction((tx) => viewMaterial(tx, d.deps, claims)) : null;
    if (!view?.file) {
      res.status(claims ? 404 : 403).type('text/plain; charset=utf-8').send('链接无效');
      return;
    }
    const name = encodeURIComponent(`${view.link.title}.pdf`);
    res.status(200).set({
      'content-type': 'application/pdf', 'cache-control': 'private, no-store', 'x-robots-tag': 'noindex',
      'content-disposition': `${req.query.download ? 'attachment' : 'inline'}; filename*=UTF-8''${name}`,
    }).send(view.file.content);
  });

  r.post('/m/:token/open', async (req, res) => {
    const claims = claimsOf(req);
    if (!claims) {
      res.status(403).json({ ok: false, error: 'bad_link' });
      return;
    }
    if (req.get('x-material-beacon') !== '1') {
      res.status(400).json({ ok: false, error: 'not_a_beacon' });
      return;
    }
    const result = await inTx(`material:${claims.linkId}`, (tx, deps, now) => recordMaterialOpen(tx, deps, { claims, now }));
    if (!result.ok) {
      res.status(404).json({ ok: false, error: 'not_found' });
      return;
    }
    res.json({ ok: true, first: result.first, openCount: result.openCount, packReceived: result.packReceived });
  });

  // ---- admin API ----
  const admin = requireAdmin(d.adminToken);
  const bad = (res: Response, status: number, error: string, message: string) => res.status(status).json({ error, message });

  r.get('/api/materials', admin, async (_req, res) => {
    const materials = [];
    for (const m of d.materials.materials) {
      const uploaded = await latestMaterialVersion(db, m.key);
      materials.push({ ...m, currentVersion: Math.max(m.version, uploaded?.version ?? 0), uploaded });
    }
    res.json({ materials, packs: d.materials.packs });
  });

  r.post('/api/materials/:key/versions', admin, sharedRawBody(21 * 1024 * 1024), async (req, res) => {
    const fileName = decodeURIComponent(String(req.get('x-file-name') ?? ''));
    const content = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const actorId = String(req.query.actorId ?? 'api').slice(0, 64);
    const materialKey = String(req.params.key);
    // The cheap checks first, then whether it opens (on the PDF check's thread, outside any transaction).
    const problem = materialFileProblem(d.deps, { materialKey, fileName, content });
    if (problem) return void bad(res, problem.status, problem.error, problem.message);
    if (!(await opensAsPdf(content))) return void bad(res, 415, 'not_pdf', materialTexts.versions.damaged);
    try {
      const out = await inTx('api', (tx, _deps, now) => uploadMaterialVersion(tx, d.deps, {
        materialKey, fileName, content, actorId, now, adminChecked: true,
      }));
      if (!out.ok) return void bad(res, out.status, out.error, out.message);
      res.status(201).json({ ok: true, version: out.version });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return void bad(res, 409, 'conflict', materialTexts.versions.conflict);
      throw err;
    }
  });

  const actorBody = z.strictObject({ actorId: z.string().trim().min(1).max(64) });
  r.post('/api/customers/:id/packs', admin, express.json({ limit: '16kb' }), async (req, res) => {
    const id = idParam(String(req.params.id));
    const body = actorBody.safeParse(req.body ?? {});
    if (!id || !body.success) return void bad(res, 400, 'invalid_input', '需要客户编号和 actorId（发送资料包的销售的企业微信 userid）。');
    const out = await inTx('api', (tx, deps, now) => sendPack(tx, deps, { customerId: id, actorId: body.data.actorId, source: 'api', now }));
    if (!out.ok) return void bad(res, out.reason === 'not_found' ? 404 : out.reason === 'not_allowed' ? 403 : 409, out.reason, out.text);
    res.status(201).json({ ok: true, sendId: out.send.id, pack: out.pack.key, items: out.items, text: out.text });
  });

  const mergeBody = z.strictObject({ into: z.number().int().positive(), ownerId: z.string().trim().min(1).max(64).optional(), actorId: z.string().trim().min(1).max(64).optional() });
  r.post('/api/customers/:id/merge', admin, express.json({ limit: '16kb' }), async (req, res) => {
    const id = idParam(String(req.params.id));
    const body = mergeBody.safeParse(req.body ?? {});
    if (!id || !body.success) return void bad(res, 400, 'invalid_input', '请求体应为 {"into": 保留的客户编号, "ownerId"?: 负责人, "actorId"?: 操作人}');
    const out = await inTx('api', (tx, deps, now) => mergeCustomer(tx, deps, {
      dropId: id, keepId: body.data.into, ownerId: body.data.ownerId, actorId: body.data.actorId ?? 'api', adminChecked: true, source: 'api', now,
    }));
    if (!out.ok) return void bad(res, out.status, 'refused', out.text);
    res.json({ ok: true, customer: out.kept, message: out.text });
  });

  const dupBody = z.strictObject({ action: z.enum(['merge', 'assign', 'dismiss']), ownerId: z.string().trim().min(1).max(64).optional(), actorId: z.string().trim().min(1).max(64).optional() });
  r.post('/api/duplicates/:id', admin, express.json({ limit: '16kb' }), async (req, res) => {
    const id = idParam(String(req.params.id));
    const body = dupBody.safeParse(req.body ?? {});
    if (!id || !body.success || (body.data.action === 'assign' && !body.data.ownerId)) {
      return void bad(res, 400, 'invalid_input', '请求体应为 {"action": "merge"|"assign"|"dismiss", "ownerId": assign 时必填}');
    }
    const out = await inTx('api', (tx, deps, now) => resolveDuplicate(tx, deps, {
      duplicateId: id, action: body.data.action, ownerId: body.data.ownerId, actorId: body.data.actorId ?? 'api', adminChecked: true, source: 'api', now,
    }));
    if (!out.ok) return void bad(res, out.status, 'refused', out.text);
    res.json({ ok: true, customer: out.kept, message: out.text });
  });

  r.get('/api/metrics/materials', admin, async (req, res) => {
    const now = d.clock.now();
    const to = req.query.to ? new Date(String(req.query.to)) : now;
    const from = req.query.from ? new Date(String(req.query.from)) : new Date(to.getTime() - 30 * 86_400_000);
    const by = req.query.by === 'rep' ? 'rep' : req.query.by === undefined || req.query.by === 'office' ? 'office' : null;
    const onTime = req.query.onTime ? parseDuration(String(req.query.onTime)) : 24 * 3_600_000;
    if (!by || !Number.isFinite(from.getTime()) || !Number.isFinite(to.getTime()) || from >= to || !onTime) {
      return void bad(res, 400, 'invalid_query', 'from/to 应为 ISO 时间且 from < to；by 为 office 或 rep；onTime 如 24h');
    }
    res.json(await materialMeasures(d.database, d.materials, { from, to, by, onTimeMs: onTime }));
  });

  r.use(['/m', '/api/materials', '/api/duplicates', '/api/metrics/materials'], (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: number; type?: string };
    if (e.type === 'entity.too.large') return void bad(res, 413, 'too_large', '文件过大。');
    if (e.type === 'encoding.unsupported') return void bad(res, 415, 'unsupported_encoding', materialTexts.versions.compressed);
    if (e.status && e.status >= 400 && e.status < 500) return void bad(res, 400, 'bad_request', '请求格式不正确。');
    ((req as Request & { log?: Logger }).log ?? d.log).error({ err }, 'material route failed');
    bad(res, 500, 'internal_error', '服务器内部错误，请稍后重试。');
  });
  return r;
}
