/**
 * The SOP media cache (R9) on real PostgreSQL: one upload per file while the media_id is fresh, a new upload after
 * 2.5 days (one clock), after the file changes, and after WeCom says 40007; refs outside config/sop are refused;
 * concurrent resolves share one upload. WeCom is a fake client object counting uploads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { AdjustableClock } from '../../app/clock';
import type { ApiLogger, MediaType, UploadedMedia } from '../../bot/wecom/api';
import { WecomApiError } from '../../bot/errors';
import {
  MEDIA_MAX_AGE_MS, MediaRefError, createMediaCache, sopRef, type CachedMedia, type MediaCache,
} from '../../bot/wecom/media';
import { appState } from '../../store/schema';
import { openTestDatabase, type TestDatabase } from '../helpers/db';

const PROJECT_SOP_DIR = path.join(__dirname, '..', '..', 'config', 'sop');
const PROPOSAL = '方案撰写SOP.md';
const CHECKLIST = '技术话术应答质检表.md';
const HOUR = 60 * 60 * 1000;
const quietLog: ApiLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Upload { type: MediaType; filename: string; data: Buffer; contentType?: string; mediaId: string }

/** WeCom's media upload; `created_at` as WeCom stamps it, here the test's stated clock. */
function fakeClient(opts: { delayMs?: number } = {}) {
  const uploads: Upload[] = [];
  return {
    uploads,
    async uploadMedia(type: MediaType, filename: string, data: Buffer, contentType?: string): Promise<UploadedMedia> {
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      const mediaId = `media_${uploads.length + 1}`;
      uploads.push({ type, filename, data: Buffer.from(data), contentType, mediaId });
      return { mediaId, createdAt: Math.floor(testNow().getTime() / 1000) };
    },
  };
}

let testNow: () => Date = () => { throw new Error('the test clock is set in beforeEach'); };

describe('SOP media cache (PostgreSQL)', () => {
  let database: TestDatabase;
  let root: string;
  let clock: AdjustableClock;
  let client: ReturnType<typeof fakeClient>;
  let cache: MediaCache;

  const make = (c = fakeClient()) => {
    client = c;
    cache = createMediaCache({ database, client, log: quietLog, clock, root });
    return cache;
  };
  const stored = async (file: string) => {
    const [row] = await database.db.select().from(appState).where(eq(appState.key, `media:sop:${file}`));
    return row?.value as CachedMedia | undefined;
  };

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await database?.close();
  });

  beforeEach(async () => {
    await database.db.delete(appState);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'media-cache-'));
    fs.mkdirSync(path.join(root, 'config'));
    fs.cpSync(PROJECT_SOP_DIR, path.join(root, 'config', 'sop'), { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), '{"name":"not-an-sop"}');
    clock = new AdjustableClock(new Date('2026-03-02T01:00:00Z'), { frozen: true });
    testNow = () => clock.now();
    make();
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('uploads the file once as a `file` media named after it, then reuses the media_id', async () => {
    const first = await cache.resolve(sopRef(PROPOSAL));
    expect(await cache.resolve(sopRef(PROPOSAL))).toBe(first);
    clock.advance(59 * HOUR); // still under 2.5 days (60 h)
    expect(await cache.resolve(`@sop:${PROPOSAL}`)).toBe(first);

    expect(client.uploads).toHaveLength(1);
    const [up] = client.uploads;
    const bytes = fs.readFileSync(path.join(PROJECT_SOP_DIR, PROPOSAL));
    expect(up).toMatchObject({ type: 'file', filename: PROPOSAL, mediaId: first });
    expect(up!.data.equals(bytes)).toBe(true);

    expect(await stored(PROPOSAL)).toEqual({
      mediaId: first,
      uploadedAt: '2026-03-02T01:00:00.000Z',
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });

    // A new process (new cache object) reuses the stored media_id instead of uploading again.
    const again = make(client);
    expect(await again.resolve(sopRef(PROPOSAL))).toBe(first);
    expect(client.uploads).toHaveLength(1);

    // Each SOP document has its own entry.
    const other = await cache.resolve(sopRef(CHECKLIST));
    expect(other).not.toBe(first);
    expect(client.uploads.map((u) => u.filename)).toEqual([PROPOSAL, CHECKLIST]);
  });

  it('uploads again once the media_id is 2.5 days old (by the one clock)', async () => {
    const first = await cache.resolve(sopRef(PROPOSAL));
    clock.advance(MEDIA_MAX_AGE_MS - 1);
    expect(await cache.resolve(sopRef(PROPOSAL))).toBe(first);
    expect(client.uploads).toHaveLength(1);

    clock.advance(1);
    const second = await cache.resolve(sopRef(PROPOSAL));
    expect(second).not.toBe(first);
    expect(client.uploads).toHaveLength(2);
    expect((await stored(PROPOSAL))?.uploadedAt).toBe(clock.now().toISOString());

    // The new id is fresh again for the next 2.5 days.
    clock.advance(24 * HOUR);
    expect(await cache.resolve(sopRef(PROPOSAL))).toBe(second);
    expect(client.uploads).toHaveLength(2);
  });

  it('uploads again when the file changed, with the new bytes', async () => {
    const first = await cache.resolve(sopRef(CHECKLIST));
    const file = path.join(root, 'config', 'sop', CHECKLIST);
    fs.appendFileSync(file, '\n附：2026 年 3 月修订。\n');

    const second = await cache.resolve(sopRef(CHECKLIST));
    expect(second).not.toBe(first);
    expect(client.uploads).toHaveLength(2);
    expect(client.uploads[1]!.data.equals(fs.readFileSync(file))).toBe(true);
    expect((await stored(CHECKLIST))?.sha256).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));

    expect(await cache.resolve(sopRef(CHECKLIST))).toBe(second);
    expect(client.uploads).toHaveLength(2);
  });

  it('invalidate (WeCom errcode 40007) makes the next resolve upload again', async () => {
    const first = await cache.resolve(sopRef(PROPOSAL));
    await cache.invalidate(sopRef(PROPOSAL));
    expect(await stored(PROPOSAL)).toBeUndefined();
    const second = await cache.resolve(sopRef(PROPOSAL));
    expect(second).not.toBe(first);
    expect(client.uploads).toHaveLength(2);

    // A late invalidation of the old id leaves the newer upload alone.
    await cache.invalidate(sopRef(PROPOSAL), first);
    expect(await cache.resolve(sopRef(PROPOSAL))).toBe(second);
    expect(client.uploads).toHaveLength(2);
  });

  it('withMediaId retries once with a fresh upload when WeCom answers 40007', async () => {
    const first = await cache.resolve(sopRef(PROPOSAL));
    const tried: string[] = [];
    const sent = await cache.withMediaId(sopRef(PROPOSAL), async (mediaId) => {
      tried.push(mediaId);
      if (mediaId === first) throw new WecomApiError(40007, 'invalid media_id', '/cgi-bin/message/send');
      return `sent ${mediaId}`;
    });
    expect(tried).toEqual([first, 'media_2']);
    expect(sent).toBe('sent media_2');
    expect(client.uploads).toHaveLength(2);

    // Other errors are not retried and do not touch the cache.
    await expect(cache.withMediaId(sopRef(PROPOSAL), async () => {
      throw new WecomApiError(45009, 'api freq out of limit', '/cgi-bin/message/send');
    })).rejects.toThrow(/45009/);
    expect((await stored(PROPOSAL))?.mediaId).toBe('media_2');
  });

  it('refuses refs outside config/sop and files that do not exist', async () => {
    const bad = [
      '@sop:../../package.json', '@sop:../package.json', '@sop:/etc/passwd', '@sop:sub/file.md', '@sop:..\\x.md',
      '@sop:', '@sop:..', '@sop:.hidden', `@sop:${PROPOSAL}\0.md`, 'package.json', `@file:${PROPOSAL}`,
    ];
    for (const ref of bad) {
      await expect(cache.resolve(ref)).rejects.toBeInstanceOf(MediaRefError);
    }
    await expect(cache.resolve('@sop:../../package.json')).rejects.toThrow(/plain file name/);
    await expect(cache.resolve('@sop:不存在的SOP.md')).rejects.toThrow(/no such file/);

    // A symlink inside config/sop that points elsewhere is refused too.
    fs.symlinkSync(path.join(root, 'package.json'), path.join(root, 'config', 'sop', 'link.md'));
    await expect(cache.resolve('@sop:link.md')).rejects.toThrow(/outside/);

    await expect(cache.invalidate('@sop:../../package.json')).rejects.toBeInstanceOf(MediaRefError);
    expect(client.uploads).toHaveLength(0);
    expect(await database.db.select().from(appState)).toHaveLength(0);
  });

  it('concurrent resolves of one ref share one upload', async () => {
    make(fakeClient({ delayMs: 50 }));
    const ids = await Promise.all(Array.from({ length: 5 }, () => cache.resolve(sopRef(PROPOSAL))));
    expect(new Set(ids).size).toBe(1);
    expect(client.uploads).toHaveLength(1);

    // After it settles, a later resolve reads the cache: no upload.
    expect(await cache.resolve(sopRef(PROPOSAL))).toBe(ids[0]);
    expect(client.uploads).toHaveLength(1);
  });

  it('a failed upload is not cached and the next resolve tries again', async () => {
    let fail = true;
    const inner = fakeClient();
    make({
      uploads: inner.uploads,
      async uploadMedia(...args: Parameters<typeof inner.uploadMedia>) {
        if (fail) throw new Error('connect ECONNREFUSED');
        return inner.uploadMedia(...args);
      },
    });
    await expect(Promise.all([cache.resolve(sopRef(PROPOSAL)), cache.resolve(sopRef(PROPOSAL))])).rejects.toThrow(/ECONNREFUSED/);
    expect(await stored(PROPOSAL)).toBeUndefined();
    fail = false;
    expect(await cache.resolve(sopRef(PROPOSAL))).toBe('media_1');
  });
});
