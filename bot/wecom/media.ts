/**
 * Uploaded-media cache for the SOP documents (R9). A ref `@sop:<file name>` names a file in `<root>/config/sop/`;
 * it is uploaded once as a WeCom `file` media (the file name is what the rep sees, wecom-api.md §3.7) and the
 * media_id is kept in `app_state` under `media:sop:<file name>` as `{ mediaId, uploadedAt, sha256 }`.
 *
 * A media_id lives 3 days at WeCom; we reuse it while it is younger than 2.5 days (by the one clock) and the
 * file's bytes are unchanged, and upload again otherwise. When WeCom answers errcode 40007 (invalid media_id)
 * the caller invalidates the ref (or uses `withMediaId`, which does it and retries once).
 *
 * Only plain file names inside config/sop are accepted: no separators, no `..`, no symlink escaping the folder.
 * Two resolves of one ref at once share one upload (in-process promise map); across processes a rare double
 * upload is harmless (the later row wins).
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { MEDIA_MAX_BYTES, type ApiLogger, type WecomClient } from './api';
import { BotError, BotErrorCode, WecomApiError } from '../errors';
import type { Clock } from '../../domain/clock';
import type { Database } from '../../store/db';
import { appState } from '../../store/schema';

export const SOP_REF_PREFIX = '@sop:';
/** Where SOP documents live, relative to the project root. */
export const SOP_DIR = path.join('config', 'sop');
/** WeCom keeps a media_id 3 days; we stop reusing it half a day earlier. */
export const MEDIA_MAX_AGE_MS = 2.5 * 24 * 60 * 60 * 1000;
/** WeCom's errcode for an invalid (e.g. expired) media_id. */
export const INVALID_MEDIA_ID_ERRCODE = 40007;

export interface CachedMedia {
  mediaId: string;
  /** ISO instant, from the one clock. */
  uploadedAt: string;
  /** Hex sha256 of the bytes that were uploaded. */
  sha256: string;
}

export interface MediaCacheDeps {
  database: Database;
  client: Pick<WecomClient, 'uploadMedia'>;
  log: ApiLogger;
  clock: Clock;
  /** The project root; SOP files are read from `<root>/config/sop/`. */
  root: string;
}

export interface MediaCache {
  /** A media_id for the ref, uploading the file when there is no fresh one. Throws MediaRefError for a bad ref. */
  resolve(ref: string): Promise<string>;
  /**
   * Forgets the cached media_id so the next resolve uploads again (WeCom said 40007). With `staleMediaId`, only
   * that id is forgotten, so a late invalidation cannot throw away a newer upload.
   */
  invalidate(ref: string, staleMediaId?: string): Promise<void>;
  /** resolve → fn(mediaId); when fn fails with errcode 40007, invalidate and retry once with a fresh upload. */
  withMediaId<T>(ref: string, fn: (mediaId: string) => Promise<T>): Promise<T>;
}

/** A media ref that is malformed, points outside config/sop, or names a missing/unusable file. */
export class MediaRefError extends BotError {
  constructor(readonly ref: string, reason: string) {
    super(BotErrorCode.Configuration, `media ref ${JSON.stringify(ref)}: ${reason}`);
    this.name = 'MediaRefError';
  }
}

export const sopRef = (fileName: string): string => `${SOP_REF_PREFIX}${fileName}`;
export const isMediaRef = (s: string): boolean => s.startsWith(SOP_REF_PREFIX);
export const isInvalidMediaIdError = (err: unknown): boolean =>
  err instanceof WecomApiError && err.errcode === INVALID_MEDIA_ID_ERRCODE;

/** The file name of a `@sop:` ref, or a MediaRefError when it is not a plain file name. */
export function parseSopRef(ref: string): string {
  if (typeof ref !== 'string' || !ref.startsWith(SOP_REF_PREFIX)) {
    throw new MediaRefError(String(ref), `expected ${SOP_REF_PREFIX}<file name>`);
  }
  const name = ref.slice(SOP_REF_PREFIX.length).normalize('NFC');
  if (
    !name || name === '.' || name === '..' || name.startsWith('.') || /[/\\\0]/.test(name) ||
    path.basename(name) !== name || path.win32.basename(name) !== name
  ) {
    throw new MediaRefError(ref, `only a plain file name inside ${SOP_DIR} is allowed`);
  }
  return name;
}

const cacheKey = (fileName: string) => `media:sop:${fileName}`;

function isCachedMedia(v: unknown): v is CachedMedia {
  const o = v as Partial<CachedMedia> | null;
  return !!o && typeof o.mediaId === 'string' && !!o.mediaId && typeof o.uploadedAt === 'string' && typeof o.sha256 === 'string';
}

export function createMediaCache(deps: MediaCacheDeps): MediaCache {
  const { database, client, log, clock } = deps;
  const sopDir = path.resolve(deps.root, SOP_DIR);
  const inflight = new Map<string, Promise<string>>();

  /** The file's bytes, after checking it really is a regular file inside config/sop (symlinks included). */
  async function readSop(ref: string, fileName: string): Promise<Buffer> {
    const file = path.join(sopDir, fileName);
    let real: string;
    let realDir: string;
    try {
      [real, realDir] = await Promise.all([fsp.realpath(file), fsp.realpath(sopDir)]);
    } catch {
      throw new MediaRefError(ref, `no such file in ${SOP_DIR}`);
    }
    if (path.dirname(real) !== realDir) throw new MediaRefError(ref, `resolves outside ${SOP_DIR}`);
    const stat = await fsp.stat(real);
    if (!stat.isFile()) throw new MediaRefError(ref, 'not a regular file');
    if (stat.size > MEDIA_MAX_BYTES.file) {
      throw new MediaRefError(ref, `${stat.size} bytes; WeCom file media are limited to ${MEDIA_MAX_BYTES.file} bytes`);
    }
    return fsp.readFile(real);
  }

  async function readCache(key: string): Promise<CachedMedia | null> {
    const [row] = await database.db.select().from(appState).where(eq(appState.key, key)).limit(1);
    return row && isCachedMedia(row.value) ? row.value : null;
  }

  async function load(ref: string, fileName: string): Promise<string> {
    const key = cacheKey(fileName);
    const data = await readSop(ref, fileName);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const now = clock.now();
    const cached = await readCache(key);
    if (cached) {
      const age = now.getTime() - Date.parse(cached.uploadedAt);
      // A negative age means the row was written by a clock ahead of ours: we cannot tell its real age.
      if (cached.sha256 === sha256 && age >= 0 && age < MEDIA_MAX_AGE_MS) return cached.mediaId;
      log.info(
        { ref, reason: cached.sha256 !== sha256 ? 'file changed' : 'expiring', uploadedAt: cached.uploadedAt },
        'media: uploading again',
      );
    }
    const uploaded = await client.uploadMedia('file', fileName, data, contentTypeOf(fileName));
    const value: CachedMedia = { mediaId: uploaded.mediaId, uploadedAt: now.toISOString(), sha256 };
    await database.db.insert(appState).values({ key, value, updatedAt: now })
      .onConflictDoUpdate({ target: appState.key, set: { value, updatedAt: now } });
    log.info({ ref, bytes: data.length }, 'media: uploaded');
    return uploaded.mediaId;
  }

  async function resolve(ref: string): Promise<string> {
    const fileName = parseSopRef(ref);
    const key = cacheKey(fileName);
    const pending = inflight.get(key);
    if (pending) return pending;
    const p = load(ref, fileName).finally(() => {
      if (inflight.get(key) === p) inflight.delete(key);
    });
    inflight.set(key, p);
    return p;
  }

  async function invalidate(ref: string, staleMediaId?: string): Promise<void> {
    const key = cacheKey(parseSopRef(ref));
    // A resolve already under way may hand out the stale id: the next resolve must not join it.
    inflight.delete(key);
    const where = staleMediaId === undefined
      ? eq(appState.key, key)
      : and(eq(appState.key, key), sql`${appState.value}->>'mediaId' = ${staleMediaId}`);
    await database.db.delete(appState).where(where);
    log.warn({ ref, staleMediaId }, 'media: cached media_id invalidated');
  }

  async function withMediaId<T>(ref: string, fn: (mediaId: string) => Promise<T>): Promise<T> {
    const mediaId = await resolve(ref);
    try {
      return await fn(mediaId);
    } catch (err) {
      if (!isInvalidMediaIdError(err)) throw err;
      await invalidate(ref, mediaId);
      return fn(await resolve(ref));
    }
  }

  return { resolve, invalidate, withMediaId };
}

function contentTypeOf(fileName: string): string {
  switch (path.extname(fileName).toLowerCase()) {
    case '.md': return 'text/markdown; charset=utf-8';
    case '.txt': return 'text/plain; charset=utf-8';
    case '.pdf': return 'application/pdf';
    case '.docx': return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    case '.xlsx': return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    default: return 'application/octet-stream';
  }
}
