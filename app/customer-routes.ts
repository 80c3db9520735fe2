/**
 * The admin customer API (bearer ADMIN_TOKEN): list and inspect customers with their audit trail, and let other
 * systems (chat archives, CRMs) add documents and communication records. Every input is validated before
 * anything is written; a refusal is `400 {error, message (zh-CN), issues?}` and writes nothing.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { texts } from '../cards/texts';
import type { Clock } from '../domain/clock';
import type { ProcessDefinition } from '../domain/types';
import { getCustomer, history, listCustomers, listDocuments, recentTouchpoints, type CustomerRow } from '../store/customers';
import { addDocument, changeOwner, keepDocumentBytes, recordTouchpoint } from '../usecases/customers';
import { callOf, type UseCaseDeps } from '../usecases/deps';
import { stalledCustomers } from '../usecases/stall';
import type { Database } from '../store/db';
import { requireAdmin } from './admin-auth';
import type { Config } from './config';
import { checkDocument, loadDisplayProcess, MAX_UPLOAD_BYTES, stageName } from './upload-routes';

const T = texts.customerApi;
/** customer ids are referenced from int4 columns: larger numbers cannot exist. */
const MAX_ID = 2_147_483_647;
/** A touchpoint may be dated a little ahead of our clock (clock skew between systems), never more. */
const FUTURE_SKEW_MS = 5 * 60_000;
/** Base64 of the largest file plus room for the other fields. */
const DOCUMENT_JSON_LIMIT = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4 + 64 * 1024;

export interface CustomerApiDeps {
  database: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  /** The process definition for stage names; read from `config.processConfig` when not given. */
  process?: ProcessDefinition | null;
  /** The use cases' dependencies: documents, ownership changes and touchpoints go through the same functions as chat. */
  useCases: UseCaseDeps;
  /** After a transaction that wrote messages (wake the delivery worker). */
  afterCommit?(): void;
}

interface Issue {
  path: string;
  message: string;
}

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly issues?: Issue[]) {
    super(message);
  }
}

function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.') || '(body)';
    if (i.code === 'unrecognized_keys') return { path, message: `未知字段：${i.keys.join('、')}` };
    if (i.code === 'invalid_type' && i.path.length === 0) return { path, message: '应为 JSON 对象' };
    return { path, message: i.message };
  });
}

function parse<S extends z.ZodType>(schema: S, data: unknown, message: string): z.output<S> {
  const r = schema.safeParse(data);
  if (!r.success) throw new ApiError(400, 'invalid_input', message, issuesOf(r.error));
  return r.data;
}

const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
const queryText = (max: number, what: string) =>
  z.preprocess(emptyToUndefined, z.string({ error: `${what} 只能出现一次，且应为文本` }).trim().max(max, { error: `${what} 最长 ${max} 个字符` }).optional());

const listQuery = z.object({
  stage: queryText(64, 'stage'),
  office: queryText(64, 'office'),
  owner: queryText(64, 'owner'),
  q: queryText(100, 'q'),
  flag: z.preprocess(emptyToUndefined, z.enum(['stalled'], { error: 'flag 目前只支持 stalled' }).optional()),
  limit: z.preprocess(emptyToUndefined, z.coerce.number({ error: 'limit 应为 1–500 的整数' })
    .int({ error: 'limit 应为 1–500 的整数' }).min(1, { error: 'limit 应为 1–500 的整数' }).max(500, { error: 'limit 应为 1–500 的整数' }).default(100)),
  offset: z.preprocess(emptyToUndefined, z.coerce.number({ error: 'offset 应为非负整数' })
    .int({ error: 'offset 应为非负整数' }).min(0, { error: 'offset 应为非负整数' }).max(1_000_000, { error: 'offset 过大' }).default(0)),
});

const customerIdField = z.number({ error: 'customerId 应为正整数' }).int({ error: 'customerId 应为正整数' })
  .min(1, { error: 'customerId 应为正整数' }).max(MAX_ID, { error: 'customerId 超出范围' });

const touchpointBody = z.strictObject({
  customerId: customerIdField,
  direction: z.enum(['in', 'out'], { error: 'direction 应为 in（客户→销售）或 out（销售→客户）' }),
  channel: z.string({ error: 'channel 为必填文本，如 wecom、phone、email' }).trim()
    .min(1, { error: 'channel 为必填文本，如 wecom、phone、email' }).max(32, { error: 'channel 最长 32 个字符' }),
  at: z.iso.datetime({ offset: true, error: 'at 应为带时区的 ISO-8601 时间，如 2026-11-20T14:05:00+08:00' }),
  text: z.string({ error: 'text 应为文本' }).max(10_000, { error: 'text 最长 10000 个字符' }).nullable().optional(),
  actorId: z.string({ error: 'actorId 应为企业微信 userid' }).trim().min(1, { error: 'actorId 不能为空' })
    .max(64, { error: 'actorId 最长 64 个字符' }).nullable().optional(),
});

const ownerBody = z.strictObject({
  ownerId: z.string({ error: 'ownerId 应为企业微信 userid' }).trim().min(1, { error: 'ownerId 应为企业微信 userid' }).max(64),
  actorId: z.string().trim().min(1).max(64).optional(),
  note: z.string().trim().max(500).optional(),
});

const documentBody = z.strictObject({
  name: z.string({ error: 'name 为必填的文件名，如 华夏医疗报价单.pdf' }).trim()
    .min(1, { error: 'name 为必填的文件名，如 华夏医疗报价单.pdf' }).max(255, { error: 'name 最长 255 个字符' }),
  mimeType: z.string({ error: 'mimeType 为必填文本，如 application/pdf' }).trim().max(255, { error: 'mimeType 最长 255 个字符' }),
  contentBase64: z.string({ error: 'contentBase64 为必填的 Base64 文件内容' }),
  uploaderId: z.string({ error: 'uploaderId 为必填的企业微信 userid' }).trim()
    .min(1, { error: 'uploaderId 为必填的企业微信 userid' }).max(64, { error: 'uploaderId 最长 64 个字符' }),
});

/** Standard base64 (padding optional, whitespace ignored) → bytes; anything else is refused rather than half-decoded. */
function decodeBase64(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new ApiError(400, 'bad_base64', T.badBase64, [{ path: 'contentBase64', message: T.badBase64 }]);
  }
  const approx = Math.floor((clean.length * 3) / 4);
  if (approx > MAX_UPLOAD_BYTES + 2) throw new ApiError(413, 'too_large', texts.upload.errors.tooLarge(MAX_UPLOAD_BYTES / 1024 / 1024));
  return Buffer.from(clean, 'base64');
}

function parseId(raw: string): number {
  if (!/^\d{1,16}$/.test(raw) || Number(raw) < 1) throw new ApiError(400, 'bad_id', T.badId(raw));
  const id = Number(raw);
  if (id > MAX_ID) throw new ApiError(404, 'customer_not_found', T.notFound(id));
  return id;
}

export function createCustomerRoutes(deps: CustomerApiDeps): express.Router {
  const process = deps.process !== undefined ? deps.process : loadDisplayProcess(deps.config.processConfig, deps.log);
  const db = deps.database.db;
  const r = express.Router();
  const paths = ['/api/customers', '/api/touchpoints'];
  r.use(paths, requireAdmin(deps.config.adminToken));

  const withStage = (c: CustomerRow) => ({ ...c, stageName: stageName(process, c.stage) });

  /** `stage=` may be a key (negotiating) or a name (价格谈判中). */
  function stageKey(input: string): string {
    if (!process) return input;
    const s = process.stages.find((x) => x.key === input) ?? process.stages.find((x) => x.name === input);
    if (s) return s.key;
    const options = process.stages.map((x) => `${x.key}（${x.name}）`).join('、');
    throw new ApiError(400, 'unknown_stage', T.unknownStage(input, options), [{ path: 'stage', message: T.unknownStage(input, options) }]);
  }

  r.get('/api/customers', async (req: Request, res: Response) => {
    const q = parse(listQuery, req.query, T.badQuery);
    // flag=stalled: the customers the R5 rule flags now (usecases/stall.ts, the same rule as the dashboard's list).
    const ids = q.flag === 'stalled' ? (await stalledCustomers(deps.database, db, deps.useCases.process, deps.clock.now())).map((x) => x.id) : undefined;
    const rows = await listCustomers(db, {
      stage: q.stage ? stageKey(q.stage) : undefined, officeId: q.office, ownerId: q.owner, q: q.q, limit: q.limit, offset: q.offset, ids,
    });
    res.json({ items: rows.map(withStage), limit: q.limit, offset: q.offset });
  });

  r.get('/api/customers/:id', async (req: Request, res: Response) => {
    const id = parseId(String(req.params.id));
    const c = await getCustomer(db, id);
    if (!c) throw new ApiError(404, 'customer_not_found', T.notFound(id));
    const [events, docs, touches] = await Promise.all([history(db, id), listDocuments(db, id), recentTouchpoints(db, id, 3)]);
    res.json({
      customer: withStage(c),
      history: events.map((e) => ({ ...e, fromStageName: stageName(process, e.fromStage), toStageName: stageName(process, e.toStage) })),
      documents: docs,
      touchpoints: touches,
    });
  });

  r.post('/api/customers/:id/documents', express.json({ limit: DOCUMENT_JSON_LIMIT }), async (req: Request, res: Response) => {
    const id = parseId(String(req.params.id));
    const body = parse(documentBody, req.body, T.badBody);
    const content = decodeBase64(body.contentBase64);
    const check = await checkDocument({ name: body.name, content, declaredMimeType: body.mimeType });
    if (!check.ok) throw new ApiError(check.status, check.error, check.message);
    const bytes = await keepDocumentBytes(deps.useCases, content);
    const doc = await db.transaction(async (tx) => {
      const r = await addDocument(callOf(tx, deps.useCases, deps.clock.now(), 'api', 'api'), deps.useCases, {
        customerId: id, name: check.name, mimeType: check.mimeType, bytes, uploaderId: body.uploaderId,
      });
      if (r.kind === 'not_found') throw new ApiError(404, 'customer_not_found', T.notFound(id));
      return r.document;
    });
    deps.afterCommit?.();
    res.status(201).json({ ok: true, document: doc });
  });

  // Ownership change (客户转移): the customer goes to another rep, logged in its history.
  r.post('/api/customers/:id/owner', express.json({ limit: '64kb' }), async (req: Request, res: Response) => {
    const id = parseId(String(req.params.id));
    const body = parse(ownerBody, req.body, T.badBody);
    const now = deps.clock.now();
    const result = await db.transaction(async (tx) => {
      const r = await changeOwner(callOf(tx, deps.useCases, now, 'api', 'api'), deps.useCases, {
        actor: { userId: body.actorId ?? 'api', trusted: true }, customer: id, to: body.ownerId, note: body.note ?? null,
      });
      switch (r.kind) {
        case 'not_found': throw new ApiError(404, 'customer_not_found', T.notFound(id));
        case 'unknown_person':
        case 'ambiguous_person':
          throw new ApiError(400, 'unknown_owner', T.unknownOwner(body.ownerId), [{ path: 'ownerId', message: T.unknownOwner(body.ownerId) }]);
        case 'conflict': throw new ApiError(409, 'conflict', T.conflict);
        case 'same_owner': return r.customer;
        case 'not_allowed': throw new ApiError(403, 'forbidden', T.conflict); // unreachable: the admin API is trusted
        case 'changed': return r.customer;
      }
    });
    deps.afterCommit?.();
    res.json({ ok: true, customer: withStage(result) });
  });

  r.post('/api/touchpoints', express.json({ limit: '1mb' }), async (req: Request, res: Response) => {
    const body = parse(touchpointBody, req.body, T.badBody);
    const now = deps.clock.now();
    const at = new Date(body.at);
    if (at.getTime() > now.getTime() + FUTURE_SKEW_MS) {
      throw new ApiError(400, 'at_in_future', T.atInFuture, [{ path: 'at', message: T.atInFuture }]);
    }
    const result = await db.transaction(async (tx) => {
      const r = await recordTouchpoint(callOf(tx, deps.useCases, now, 'api', 'api'), deps.useCases, {
        customerId: body.customerId, direction: body.direction, channel: body.channel, text: body.text ?? null, actorId: body.actorId ?? null, at,
      });
      if (r.kind === 'not_found') throw new ApiError(404, 'customer_not_found', T.notFound(body.customerId));
      return { touchpoint: r.touchpoint, customer: { id: r.customer.id, lastCustomerMessageAt: r.customer.lastCustomerMessageAt } };
    });
    res.status(201).json({ ok: true, ...result });
  });

  // Refusals and failures of these routes as zh-CN JSON (body parser errors included).
  r.use(paths, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof ApiError) {
      res.status(err.status).json({ error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) });
      return;
    }
    const e = err as { status?: number; type?: string };
    if (e.type === 'entity.parse.failed') res.status(400).json({ error: 'bad_json', message: T.badJson });
    else if (e.type === 'entity.too.large') res.status(413).json({ error: 'too_large', message: T.tooLarge });
    else if (e.status && e.status >= 400 && e.status < 500) res.status(400).json({ error: 'bad_request', message: T.badBody });
    else {
      ((req as Request & { log?: Logger }).log ?? deps.log).error({ err }, 'customer api failed');
      res.status(500).json({ error: 'internal_error', message: T.internal });
    }
  });

  return r;
}
