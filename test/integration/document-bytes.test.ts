/**
 * Where an uploaded document's bytes live (decision 0013), end to end through the upload page and the reviewer's
 * download link: a file under DATA_DIR in embedded mode on disk (the real PGlite on its own thread, the row's
 * content NULL), the row with PostgreSQL and with the in-memory embedded database. Upload failures leave no row.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import express from 'express';
import pino from 'pino';
import { createUploadToken, uploadExpiry, uploadKey } from '../../app/upload-link';
import { createUploadRoutes } from '../../app/upload-routes';
import { createCustomer } from '../../store/customers';
import { openDatabase } from '../../store/db';
import { documentFilePath, documentsDir } from '../../store/document-bytes';
import { migrate } from '../../store/migrate';
import { createDocToken, reviewDocKeys } from '../../usecases/review-service';
import { startTestBot, type TestBot } from '../helpers/bot';
import type { Driver } from '../helpers/db';
import { pdfOf } from '../helpers/pdf';
import { mockWecom, testConfig } from '../helpers/wecom';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Fixture {
  t: TestBot;
  dataDir: string | null;
  upload(customerId: number, body: Buffer, name: string, base?: string): Promise<{ status: number; json: { document?: { id: number; sha256: string; size: number } } }>;
  download(documentId: number): Promise<{ status: number; body: Buffer; type: string | null }>;
  newCustomer(name: string): Promise<{ id: number }>;
  row(id: number): Promise<{ content: Buffer | null; sha256: string; size: number } | undefined>;
  count(): Promise<number>;
}

async function fixture(mode: 'embedded-disk' | Driver): Promise<Fixture> {
  let t: TestBot;
  let dataDir: string | null = null;
  if (mode === 'embedded-disk') {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-docbytes-'));
    // What `npm start` opens without DATABASE_URL: PGlite on disk, on its own thread.
    const db = await openDatabase({ dataDir });
    await migrate(db);
    t = await startTestBot({ db, config: { dataDir } });
  } else {
    t = await startTestBot({ driver: mode });
  }
  const key = uploadKey(testConfig());
  const keys = reviewDocKeys(testConfig());
  return {
    t, dataDir,
    async upload(customerId, body, name, base = t.base) {
      const token = await createUploadToken({ customerId, userId: 'lina', expiresAt: uploadExpiry(t.clock.now()) }, key);
      const res = await fetch(`${base}/upload/${token}`, { method: 'POST', body, headers: { 'content-type': 'application/pdf', 'x-file-name': encodeURIComponent(name) } });
      return { status: res.status, json: (await res.json()) as { document?: { id: number; sha256: string; size: number } } };
    },
    async download(documentId) {
      const now = t.clock.now();
      const token = await createDocToken(documentId, { issuedAt: now, expiresAt: new Date(now.getTime() + 86_400_000) }, keys);
      const res = await fetch(`${t.base}/review/doc/${token}`);
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
    },
    newCustomer: (name) => createCustomer(t.db.db, { name, industry: null, ownerId: 'lina', officeId: 'east', stage: 'lead', source: 'api' }, t.clock.now()),
    async row(id) {
      const [r] = await t.db.rows<{ content: Buffer | Uint8Array | null; sha256: string; size: number }>(sql`select content, sha256, size from documents where id = ${id}`);
      return r && { ...r, content: r.content === null ? null : Buffer.from(r.content) };
    },
    async count() {
      const [r] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from documents`);
      return r!.n;
    },
  };
}

async function close(f: Fixture | undefined): Promise<void> {
  if (!f) return;
  await f.t.stop();
  if (f.dataDir) fs.rmSync(f.dataDir, { recursive: true, force: true });
}

/** A second upload route on the same bot whose observer can fail inside the upload's transaction. */
async function failingRoute(f: Fixture): Promise<{ base: string; close(): Promise<void> }> {
  const app = express();
  app.use(createUploadRoutes({
    database: f.t.db, clock: f.t.clock, config: testConfig(), log: pino({ level: 'silent' }), process: null, useCases: f.t.bot.useCases,
    onUploaded: async () => {
      throw new Error('outbox down');
    },
  }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('document bytes in embedded mode on disk: a file under DATA_DIR', () => {
  let f: Fixture | undefined;
  let wecom: ReturnType<typeof mockWecom>;
  beforeAll(async () => {
    wecom = mockWecom(); // an upload makes the bot confirm it to the rep in chat
    f = await fixture('embedded-disk');
  }, 60_000);
  afterAll(async () => {
    await close(f);
    wecom.done();
  });

  it('keeps the bytes in DATA_DIR/documents/<sha[0..2]>/<sha>, the row’s content NULL; a reviewer downloads them byte for byte', async () => {
    const c = await f!.newCustomer('华夏医疗');
    const pdf = pdfOf(3 * 1024 * 1024);
    const res = await f!.upload(c.id, pdf, '华夏医疗报价单.pdf');
    expect(res.status).toBe(201);
    const doc = res.json.document!;
    expect(doc).toMatchObject({ sha256: sha(pdf), size: pdf.length });

    const file = path.join(f!.dataDir!, 'documents', sha(pdf).slice(0, 2), sha(pdf));
    expect(documentFilePath(documentsDir(f!.dataDir!), sha(pdf))).toBe(file);
    expect(fs.readFileSync(file).equals(pdf)).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual([sha(pdf)]); // no temporary file left beside it
    expect(await f!.row(doc.id)).toEqual({ content: null, sha256: sha(pdf), size: pdf.length });

    const got = await f!.download(doc.id);
    expect(got.status).toBe(200);
    expect(got.type).toBe('application/pdf');
    expect(got.body.equals(pdf)).toBe(true);
  });

  it('the same bytes uploaded twice: two rows, one file; both download', async () => {
    const c = await f!.newCustomer('恒信医械');
    const pdf = pdfOf(200 * 1024);
    const a = await f!.upload(c.id, pdf, '方案.pdf');
    const b = await f!.upload(c.id, pdf, '方案-再传.pdf');
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.json.document!.id).not.toBe(b.json.document!.id);
    expect(fs.readdirSync(path.join(f!.dataDir!, 'documents', sha(pdf).slice(0, 2))).filter((n) => n.startsWith(sha(pdf)))).toEqual([sha(pdf)]);
    for (const d of [a, b]) expect((await f!.download(d.json.document!.id)).body.equals(pdf)).toBe(true);
  });

  it('a transaction that fails leaves no row (its file, content-addressed, is harmless and serves a later upload)', async () => {
    const c = await f!.newCustomer('安康药业');
    const pdf = pdfOf(300 * 1024);
    const before = await f!.count();
    const route = await failingRoute(f!);
    try {
      const res = await f!.upload(c.id, pdf, '报价单.pdf', route.base);
      expect(res.status).toBe(500);
      // The bytes were kept before the transaction: the file is there, but no row names it.
      expect(fs.existsSync(documentFilePath(documentsDir(f!.dataDir!), sha(pdf)))).toBe(true);
    } finally {
      await route.close();
    }
    expect(await f!.count()).toBe(before);
    const again = await f!.upload(c.id, pdf, '报价单.pdf');
    expect(again.status).toBe(201);
    expect((await f!.download(again.json.document!.id)).body.equals(pdf)).toBe(true);
  });

  it('bytes that cannot be kept fail the upload before any row is written', async () => {
    const c = await f!.newCustomer('康宁医院');
    const pdf = pdfOf(100 * 1024);
    // Where the shard folder would go, a plain file: the folder cannot be made.
    const shard = path.join(f!.dataDir!, 'documents', sha(pdf).slice(0, 2));
    fs.mkdirSync(path.dirname(shard), { recursive: true });
    fs.writeFileSync(shard, 'not a folder');
    try {
      const before = await f!.count();
      const res = await f!.upload(c.id, pdf, '报价单.pdf');
      expect(res.status).toBe(500);
      expect(await f!.count()).toBe(before);
    } finally {
      fs.rmSync(shard);
    }
  });

  it('a row whose file is gone is a 404 for the reviewer, not a crash; rows from before (bytes in the row) still download', async () => {
    const c = await f!.newCustomer('仁和诊所');
    const legacy = pdfOf(10 * 1024);
    const [row] = await f!.t.db.rows<{ id: number }>(sql`insert into documents (customer_id, name, mime_type, size, sha256, uploader_id, source, content, uploaded_at)
      values (${c.id}, '旧报价单.pdf', 'application/pdf', ${legacy.length}, ${sha(legacy)}, 'lina', 'upload', ${legacy}, now()) returning id`);
    expect((await f!.download(row!.id)).body.equals(legacy)).toBe(true);

    const pdf = pdfOf(20 * 1024);
    const up = await f!.upload(c.id, pdf, '方案.pdf');
    fs.rmSync(documentFilePath(documentsDir(f!.dataDir!), sha(pdf)));
    const got = await f!.download(up.json.document!.id);
    expect(got.status).toBe(404);
    expect(got.body.toString('utf8')).toBe('文件不存在');
  });
});

describe.each<Driver>(['postgres', 'pglite'])('document bytes with %s: in the row', (driver) => {
  let f: Fixture | undefined;
  let wecom: ReturnType<typeof mockWecom>;
  beforeAll(async () => {
    wecom = mockWecom();
    f = await fixture(driver);
  });
  afterAll(async () => {
    await close(f);
    wecom.done();
  });

  it('stores the bytes in documents.content; a reviewer downloads them byte for byte', async () => {
    const c = await f!.newCustomer('华夏医疗');
    const pdf = pdfOf(1024 * 1024);
    const res = await f!.upload(c.id, pdf, '报价单.pdf');
    expect(res.status).toBe(201);
    const row = await f!.row(res.json.document!.id);
    expect(row!.sha256).toBe(sha(pdf));
    expect(row!.content!.equals(pdf)).toBe(true);
    expect((await f!.download(res.json.document!.id)).body.equals(pdf)).toBe(true);
  });

  it('a transaction that fails leaves no row', async () => {
    const c = await f!.newCustomer('恒信医械');
    const before = await f!.count();
    const route = await failingRoute(f!);
    try {
      const res = await f!.upload(c.id, pdfOf(50 * 1024), '报价单.pdf', route.base);
      expect(res.status).toBe(500);
    } finally {
      await route.close();
    }
    expect(await f!.count()).toBe(before);
  });
});
