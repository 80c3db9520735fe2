/**
 * The upload page (上传链接): `GET /upload/:token` serves a small zh-CN page for WeCom's in-app browser, and
 * `POST /upload/:token` takes the raw file body the page sends (no multipart). The token says who uploads for
 * which customer (app/upload-link.ts). Files are checked by extension and by their first bytes, stored with
 * their sha256 by the use case usecases/customers.ts addDocument (the same as the API's), which tells the rep in
 * chat and closes the tasks the file satisfies.
 */
import fs from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { texts } from '../cards/texts';
import type { Clock } from '../domain/clock';
import { durationMs } from '../domain/duration';
import { parseProcessConfig } from '../domain/process-config';
import { findStage, stageLabel } from '../domain/stages';
import { TEXTS_ZH } from '../domain/texts.zh';
import type { DocumentGuard, ProcessDefinition } from '../domain/types';
import { getCustomer, type CustomerRow, type DocumentRow } from '../store/customers';
import { addDocument, keepDocumentBytes } from '../usecases/customers';
import { callOf, type UseCaseDeps } from '../usecases/deps';
import type { Database, Tx } from '../store/db';
import type { Config } from './config';
import { uploadKey, verifyUploadToken, type UploadTokenFailure, type UploadTokenPayload } from './upload-link';
import { opensAsPdf } from './pdf-check';
import { sharedRawBody } from './upload-body';
import { cspNonce, securityHeaders } from '../usecases/security-headers';

const T = texts.upload;

/** Largest accepted file (20 MB). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const MAX_MB = MAX_UPLOAD_BYTES / 1024 / 1024;

type Magic = 'pdf' | 'zip' | 'ole';
const MAGIC: Record<Magic, Buffer> = {
  pdf: Buffer.from('%PDF-', 'latin1'),
  zip: Buffer.from([0x50, 0x4b, 0x03, 0x04]),
  ole: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
};

/** Accepted extensions: the MIME type we store (never the client's word) and the first bytes the file must have. */
export const FILE_TYPES: Record<string, { mimeType: string; magic: Magic }> = {
  pdf: { mimeType: 'application/pdf', magic: 'pdf' },
  doc: { mimeType: 'application/msword', magic: 'ole' },
  docx: { mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', magic: 'zip' },
  xls: { mimeType: 'application/vnd.ms-excel', magic: 'ole' },
  xlsx: { mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', magic: 'zip' },
  ppt: { mimeType: 'application/vnd.ms-powerpoint', magic: 'ole' },
  pptx: { mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', magic: 'zip' },
};
export const ACCEPT = Object.keys(FILE_TYPES).map((e) => `.${e}`).join(',');
/** Declared types a client may send besides the exact ones (browsers often do not know Office types). */
const GENERIC_MIME = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/zip', 'application/x-zip-compressed']);

export type FileCheck =
  | { ok: true; name: string; ext: string; mimeType: string }
  | { ok: false; status: 400 | 413 | 415; error: string; message: string };

/** A file name as a display string: no path, no control characters, at most 200 characters (extension kept). */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const name = base.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (name.length <= 200) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  return name.slice(0, 200 - ext.length) + ext;
}

/**
 * The checks every stored file passes, from the upload page or the API: present, not empty, at most 20 MB, an
 * accepted extension, and first bytes that match it (a .txt renamed .pdf is refused). `declaredMimeType`, when
 * given (the API), must be the type of the extension or a generic one.
 */
export function checkFile(input: { name: string; content: Buffer; declaredMimeType?: string }): FileCheck {
  const name = cleanFileName(input.name);
  if (!name) return { ok: false, status: 400, error: 'missing_name', message: T.errors.missingName };
  if (input.content.length === 0) return { ok: false, status: 400, error: 'empty', message: T.errors.empty };
  if (input.content.length > MAX_UPLOAD_BYTES) return { ok: false, status: 413, error: 'too_large', message: T.errors.tooLarge(MAX_MB) };
  const dot = name.lastIndexOf('.');
  const ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  const type = FILE_TYPES[ext];
  if (!type) return { ok: false, status: 415, error: 'unsupported_type', message: T.errors.unsupportedExtension(name) };
  if (input.declaredMimeType !== undefined) {
    const declared = input.declaredMimeType.split(';')[0]!.trim().toLowerCase();
    if (declared !== type.mimeType && !GENERIC_MIME.has(declared)) {
      return { ok: false, status: 415, error: 'unsupported_type', message: T.errors.unsupportedMime(input.declaredMimeType) };
    }
  }
  const magic = MAGIC[type.magic];
  if (input.content.length < magic.length || !input.content.subarray(0, magic.length).equals(magic)) {
    return { ok: false, status: 415, error: 'content_mismatch', message: T.errors.contentMismatch(name) };
  }
  return { ok: true, name, ext, mimeType: type.mimeType };
}

/** checkFile, and for a .pdf: it must open as a PDF (app/pdf-check.ts). */
export async function checkDocument(input: { name: string; content: Buffer; declaredMimeType?: string }): Promise<FileCheck> {
  const check = checkFile(input);
  if (check.ok && check.ext === 'pdf' && !(await opensAsPdf(input.content))) {
    return { ok: false, status: 415, error: 'not_a_pdf', message: T.errors.notAPdf(check.name) };
  }
  return check;
}

/**
 * The process definition, for showing stage names and upload rules only. A definition that cannot be read is
 * logged and the pages fall back to stage keys (the bot's handlers are what refuse to start on a bad file).
 */
export function loadDisplayProcess(file: string, log: Logger): ProcessDefinition | null {
  try {
    return parseProcessConfig(fs.readFileSync(file, 'utf8'), file);
  } catch (err) {
    log.warn({ err: (err as Error).message, file }, 'process definition not loaded; stages are shown by key');
    return null;
  }
}

/** zh-CN name of a stage key (the key itself when unknown). */
export function stageName(process: ProcessDefinition | null, key: string | null): string | null {
  if (key === null) return null;
  return (process && findStage(process, key)?.name) ?? key;
}

/** The document rules a rep must meet to leave `stage`, in words (from the process definition's document guards). */
export function uploadRules(process: ProcessDefinition | null, stage: string): string[] {
  if (!process) return [];
  const guards = process.guards.filter((g): g is DocumentGuard => g.kind === 'document' && (g.from === undefined || g.from === stage) && g.to !== stage);
  const rules = guards.map((g) => {
    const contains = g.name && 'contains' in g.name ? g.name.contains : null;
    const within = g.window?.within ? TEXTS_ZH.formatDuration(durationMs(g.window.within)) : null;
    const window = !g.window ? null
      : g.window.after === 'customer_last_message' ? T.windowAfterMessage(within) : T.windowAfterStage(within);
    return T.rule(g.label ?? contains ?? '所需文件', (g.fileTypes ?? []).map(TEXTS_ZH.fileTypeName), contains, window);
  });
  return [...new Set(rules)];
}

export interface UploadedInfo {
  customerId: number;
  userId: string;
  documentId: number;
  name: string;
}

export interface UploadDeps {
  database: Database;
  clock: Clock;
  config: Config;
  log: Logger;
  /** The use cases' dependencies: a stored file is the use case usecases/customers.ts addDocument (tells the rep, closes tasks). */
  useCases: UseCaseDeps;
  /** Observers of a stored file, inside the upload's transaction (`info.tx`): write only through it; a throw undoes the upload. */
  onUploaded?(info: UploadedInfo & { tx: Tx }): void | Promise<void>;
  /** After the commit (e.g. wake the delivery worker). */
  afterUploaded?(): void;
  /** The process definition for stage names and rules; read from `config.processConfig` when not given. */
  process?: ProcessDefinition | null;
}

const TOKEN_STATUS: Record<UploadTokenFailure, number> = { expired: 410, bad_signature: 403, malformed: 403 };

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CSS = `*{box-sizing:border-box}body{margin:0;background:#f2f3f5;color:#1f2329;font:16px/1.6 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei",sans-serif;-webkit-text-size-adjust:100%}
main{max-width:480px;margin:0 auto;padding:16px}.card{background:#fff;border-radius:12px;padding:20px 16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h1{font-size:20px;margin:0 0 12px}h2{font-size:15px;margin:16px 0 6px;color:#646a73}dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:4px 12px}
dt{color:#646a73}dd{margin:0;font-weight:600;word-break:break-all}ul{margin:0;padding-left:20px}li{margin:2px 0}
input[type=file]{display:block;width:100%;margin:16px 0 12px;padding:12px;border:1px dashed #c9cdd4;border-radius:8px;background:#fafafa;font-size:15px}
button{display:block;width:100%;padding:13px;border:0;border-radius:8px;background:#07c160;color:#fff;font-size:17px;font-weight:600}
button:disabled{background:#9fdcb9}#msg{min-height:1.6em;margin:12px 0 0;word-break:break-all}.ok{color:#07a152}.err{color:#d83931}
.foot{margin-top:16px;color:#8f959e;font-size:13px}`;

function page(title: string, body: string, nonce: string, script = ''): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover"><meta name="referrer" content="no-referrer">` +
    `<title>${escapeHtml(title)}</title><style nonce="${nonce}">${CSS}</style></head><body><main>${body}</main>` +
    (script ? `<script nonce="${nonce}">${script}</script>` : '') + '</body></html>';
}

function messagePage(title: string, text: string, nonce: string): string {
  return page(title, `<div class="card"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></div>`, nonce);
}

/** Plain ES5 so it runs in older in-app browsers; texts come in as JSON (with `<` escaped so nothing ends the script). */
function clientScript(): string {
  const t = JSON.stringify({ ...T.client, max: MAX_UPLOAD_BYTES }).replace(/</g, '\\u003c');
  return `(function(){var T=${t};var f=document.getElementById('file'),b=document.getElementById('go'),m=document.getElementById('msg');
function show(s,c){m.textContent=s;m.className=c||'';}
b.addEventListener('click',function(){var file=f.files&&f.files[0];if(!file){show(T.noFile,'err');return;}
if(file.size>T.max){show(T.tooLarge,'err');return;}b.disabled=true;show(T.uploading);
fetch(location.pathname,{method:'POST',body:file,headers:{'content-type':file.type||'application/octet-stream','x-file-name':encodeURIComponent(file.name)}})
.then(function(r){return r.json().then(function(j){return{ok:r.ok,j:j};},function(){return{ok:false,j:{message:r.status===413?T.tooLarge:T.failed}};});})
.then(function(x){if(x.ok){show(T.done.replace('{name}',x.j.document.name),'ok');f.value='';}else{show(x.j.message||T.failed,'err');}},function(){show(T.network,'err');})
.then(function(){b.disabled=false;});});})();`;
}

function uploadPage(c: CustomerRow, process: ProcessDefinition | null, payload: UploadTokenPayload, nonce: string): string {
  const stage = process ? findStage(process, c.stage) : undefined;
  const rules = [...uploadRules(process, c.stage), T.general(MAX_MB)];
  const body = `<div class="card"><h1>${T.title}</h1>` +
    `<dl><dt>${T.customer}</dt><dd id="customer">${escapeHtml(c.name)}</dd><dt>${T.stage}</dt><dd>${escapeHtml(stage ? stageLabel(stage) : c.stage)}</dd></dl>` +
    `<h2>${T.rulesTitle}</h2><ul>${rules.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` +
    `<input type="file" id="file" accept="${ACCEPT}" aria-label="${T.choose}">` +
    `<button id="go" type="button">${T.submit}</button><p id="msg" role="status" aria-live="polite"></p>` +
    `<p class="foot">${escapeHtml(T.expiresAt(TEXTS_ZH.formatTime(payload.expiresAt)))}</p></div>`;
  return page(`${T.title} · ${c.name}`, body, nonce, clientScript());
}

/** A page of this route; its security headers (CSP with the nonce) come from `securityHeaders('upload')`. */
function sendHtml(res: Response, status: number, render: (nonce: string) => string): void {
  res.status(status)
    .set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .send(render(cspNonce(res)));
}

interface UploadLocals {
  payload: UploadTokenPayload;
  customer: CustomerRow;
}

export function createUploadRoutes(deps: UploadDeps): express.Router {
  const key = uploadKey(deps.config);
  const process = deps.process !== undefined ? deps.process : loadDisplayProcess(deps.config.processConfig, deps.log);
  const logOf = (req: Request) => (req as Request & { log?: Logger }).log ?? deps.log;
  const r = express.Router();

  /** Resolves the token and its customer before any body is read, so strangers cannot make us buffer 20 MB. */
  function authenticate(asPage: boolean) {
    return async (req: Request, res: Response, next: NextFunction) => {
      const v = await verifyUploadToken(String(req.params.token), key, deps.clock.now());
      if (!v.ok) {
        const status = TOKEN_STATUS[v.reason];
        const [title, text] = v.reason === 'expired' ? [T.expiredTitle, T.expired] : [T.invalidTitle, T.invalid];
        if (asPage) sendHtml(res, status, (n) => messagePage(title, text, n));
        else res.status(status).set('cache-control', 'no-store').json({ error: v.reason, message: text });
        return;
      }
      const customer = await getCustomer(deps.database.db, v.payload.customerId);
      if (!customer) {
        if (asPage) sendHtml(res, 404, (n) => messagePage(T.customerMissingTitle, T.customerMissing, n));
        else res.status(404).json({ error: 'customer_not_found', message: T.customerMissing });
        return;
      }
      res.locals.upload = { payload: v.payload, customer } satisfies UploadLocals;
      next();
    };
  }

  r.get('/upload/:token', securityHeaders('upload'), authenticate(true), (_req: Request, res: Response) => {
    const { payload, customer } = res.locals.upload as UploadLocals;
    sendHtml(res, 200, (n) => uploadPage(customer, process, payload, n));
  });

  r.post(
    '/upload/:token',
    securityHeaders('upload'),
    authenticate(false),
    sharedRawBody(MAX_UPLOAD_BYTES), // into shared memory as it arrives (app/upload-body.ts)
    async (req: Request, res: Response) => {
      const { payload, customer } = res.locals.upload as UploadLocals;
      const content = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let rawName = '';
      try {
        rawName = decodeURIComponent(req.get('x-file-name') ?? '');
      } catch {
        res.status(400).json({ error: 'bad_file_name', message: T.errors.missingName });
        return;
      }
      const check = await checkDocument({ name: rawName, content });
      if (!check.ok) {
        res.status(check.status).json({ error: check.error, message: check.message });
        return;
      }
      // The bytes first, outside the transaction (hashed in slices; a file under DATA_DIR in embedded mode).
      const bytes = await keepDocumentBytes(deps.useCases, content);
      // The document, the rep's confirmation and the tasks it completes commit together, or not at all.
      const doc: DocumentRow = await deps.database.db.transaction(async (tx) => {
        const now = deps.clock.now();
        const r = await addDocument(callOf(tx, deps.useCases, now, 'upload', 'upload'), deps.useCases, {
          customerId: customer.id, name: check.name, mimeType: check.mimeType, bytes, uploaderId: payload.userId,
        });
        if (r.kind !== 'added') throw new Error('customer vanished during the upload');
        await deps.onUploaded?.({ customerId: customer.id, userId: payload.userId, documentId: r.document.id, name: r.document.name, tx });
        return r.document;
      });
      deps.afterUploaded?.();
      logOf(req).info({ customerId: customer.id, documentId: doc.id, size: doc.size, uploader: payload.userId }, 'document uploaded');
      res.status(201).set('cache-control', 'no-store').json({ ok: true, document: doc });
    },
  );

  // Body-reading failures on this route, as zh-CN JSON for the page's script (other errors go to the app's handler).
  r.use('/upload/:token', (err: { status?: number; type?: string }, req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || res.headersSent) {
      next(err);
      return;
    }
    if (err.type === 'entity.too.large') res.status(413).json({ error: 'too_large', message: T.errors.tooLarge(MAX_MB) });
    else if (err.status === 415) res.status(415).json({ error: 'unsupported_encoding', message: T.errors.badRequest });
    else if (err.status && err.status >= 400 && err.status < 500) res.status(400).json({ error: 'bad_request', message: T.errors.badRequest });
    else {
      logOf(req).error({ err }, 'upload failed');
      res.status(500).json({ error: 'internal_error', message: T.errors.internal });
    }
  });

  return r;
}
