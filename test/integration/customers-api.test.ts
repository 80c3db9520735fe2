/**
 * The upload page (signed links, file checks, storage) and the admin customer API on a live server, real
 * PostgreSQL. Nothing here calls WeCom.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import express from 'express';
import pino from 'pino';
import { createUploadToken, uploadExpiry, uploadKey } from '../../app/upload-link';
import { createUploadRoutes, type UploadedInfo } from '../../app/upload-routes';
import { addTouchpoint, changeStage, createCustomer, getCustomer, recordRefusal, type CustomerRow } from '../../store/customers';
import { startTestBot, type TestBot } from '../helpers/bot';
import { ADMIN_TOKEN, mockWecom, testConfig } from '../helpers/wecom';
import { samplePdf } from '../../app/pdf-check';

const MB = 1024 * 1024;
const key = uploadKey(testConfig());
const PDF = samplePdf('quotation');
const DOCX = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('[Content_Types].xml fake zip body')]);
const XLS = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(64, 1)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('upload page and customer API', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeAll(async () => {
    wecom = mockWecom(); // an upload makes the bot confirm it to the rep in chat
    t = await startTestBot();
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });
  beforeEach(async () => {
    await t.db.execScript('truncate customers, customer_events, documents, touchpoints, forms restart identity');
  });

  const newCustomer = (name: string, o: { stage?: string; ownerId?: string; officeId?: string | null } = {}) =>
    createCustomer(t.db.db, {
      name, industry: null, ownerId: o.ownerId ?? 'lina', officeId: o.officeId ?? 'east', stage: o.stage ?? 'lead', source: 'api',
    }, t.clock.now());

  const linkPath = async (c: { id: number }, userId = 'lina', expiresAt = uploadExpiry(t.clock.now())) =>
    `/upload/${await createUploadToken({ customerId: c.id, userId, expiresAt }, key)}`;

  async function upload(path: string | Promise<string>, body: Buffer, name: string, type = 'application/pdf') {
    const res = await fetch(t.base + (await path), {
      method: 'POST', body, headers: { 'content-type': type, 'x-file-name': encodeURIComponent(name) },
    });
    return { status: res.status, json: (await res.json()) as Json };
  }

  async function api(method: string, path: string, body?: unknown, o: { token?: string | null; contentType?: string } = {}) {
    const headers: Record<string, string> = {};
    if (o.token !== null) headers.authorization = `Bearer ${o.token ?? ADMIN_TOKEN}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    const res = await fetch(t.base + path, { method, headers, body: payload });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as Json };
  }

  async function count(table: 'documents' | 'touchpoints' | 'customers'): Promise<number> {
    const [r] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)}`);
    return r!.n;
  }

  describe('the upload page', () => {
    it('renders the customer, the stage and the document rule, mobile-first, with a locked-down policy', async () => {
      const c = await newCustomer('华夏医疗 <b>&"', { stage: 'proposal_submitted' });
      const res = await fetch(t.base + (await linkPath(c)));
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'nonce-/);
      expect(html).toContain('华夏医疗 &lt;b&gt;&amp;&quot;'); // escaped, never markup
      expect(html).not.toContain('华夏医疗 <b>');
      expect(html).toContain('4 方案已提交');
      expect(html).toContain('报价单 需为 PDF，文件名包含“报价单”，须在客户上次留言后72小时内上传');
      expect(html).toContain('accept=".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"');
      expect(html).toContain('name="viewport"');
      expect(html).not.toMatch(/<(link|img)\b|src="http/); // no external assets
    });

    it('stores a real PDF with its sha256, the rep as uploader, the clock’s time, and shows it in the customer API', async () => {
      const c = await newCustomer('华夏医疗', { stage: 'proposal_submitted' });
      const res = await upload(linkPath(c, 'lina'), PDF, '华夏医疗报价单.pdf');
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({
        ok: true,
        document: { customerId: c.id, name: '华夏医疗报价单.pdf', mimeType: 'application/pdf', size: PDF.length, sha256: sha(PDF), uploaderId: 'lina', source: 'upload' },
      });
      expect(res.json.document.content).toBeUndefined();
      const [row] = await t.db.rows<{ content: Buffer; uploaded_at: Date }>(sql`select content, uploaded_at from documents`);
      expect(Buffer.from(row!.content).equals(PDF)).toBe(true);
      expect(Math.abs(new Date(row!.uploaded_at).getTime() - t.clock.now().getTime())).toBeLessThan(5000);

      const detail = await api('GET', `/api/customers/${c.id}`);
      expect(detail.status).toBe(200);
      expect(detail.json.documents).toEqual([expect.objectContaining({ name: '华夏医疗报价单.pdf', sha256: sha(PDF), size: PDF.length })]);
      expect(detail.json.documents[0].content).toBeUndefined();
    });

    it('accepts Office files by extension and first bytes, storing the type of the extension', async () => {
      const c = await newCustomer('华夏医疗');
      const docx = await upload(linkPath(c), DOCX, '方案.DOCX', 'application/octet-stream');
      expect(docx.status).toBe(201);
      expect(docx.json.document.mimeType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
      const xls = await upload(linkPath(c), XLS, '报价明细.xls', '');
      expect(xls.status).toBe(201);
      expect(xls.json.document.mimeType).toBe('application/vnd.ms-excel');
    });

    it('refuses a text file renamed .pdf, an unsupported extension and Office names with the wrong bytes with 415', async () => {
      const c = await newCustomer('华夏医疗');
      const txt = await upload(linkPath(c), Buffer.from('这其实是一个文本文件\n'), '报价单.pdf');
      expect(txt).toEqual({ status: 415, json: { error: 'content_mismatch', message: expect.stringContaining('内容与扩展名不符') } });
      expect((await upload(linkPath(c), PDF, 'setup.exe')).status).toBe(415);
      expect((await upload(linkPath(c), PDF, 'no-extension')).status).toBe(415);
      expect((await upload(linkPath(c), PDF, '方案.docx')).json.error).toBe('content_mismatch'); // a PDF is not a zip
      expect(await count('documents')).toBe(0);
    });

    it('refuses a file that starts with %PDF- but is not a PDF (HTML behind it) with a clear answer; a real PDF passes', async () => {
      const c = await newCustomer('华夏医疗');
      const fake = Buffer.from('%PDF-1.7\n<html><body><script>alert(1)</script>报价</body></html>\n');
      const res = await upload(linkPath(c), fake, '华夏医疗报价单.pdf');
      expect(res).toEqual({ status: 415, json: { error: 'not_a_pdf', message: expect.stringContaining('无法作为 PDF 打开') } });
      expect(await count('documents')).toBe(0);
      expect((await upload(linkPath(c), samplePdf('quotation'), '华夏医疗报价单.pdf')).status).toBe(201);
      expect(await count('documents')).toBe(1);
    });

    it('refuses 21 MB with 413 and a zh-CN message, an empty file and a missing name with 400', async () => {
      const c = await newCustomer('华夏医疗');
      const big = Buffer.concat([PDF, Buffer.alloc(21 * MB - PDF.length, 0x20)]);
      const res = await upload(linkPath(c), big, '大报价单.pdf');
      expect(res).toEqual({ status: 413, json: { error: 'too_large', message: '文件超过 20 MB，请压缩或拆分后再上传。' } });
      expect((await upload(linkPath(c), Buffer.alloc(0), '报价单.pdf')).json.error).toBe('empty');
      const noName = await fetch(t.base + (await linkPath(c)), { method: 'POST', body: PDF, headers: { 'content-type': 'application/pdf' } });
      expect(noName.status).toBe(400);
      expect(await count('documents')).toBe(0);
    });

    it('answers an expired link with 410 (page and upload) and stores nothing', async () => {
      const c = await newCustomer('华夏医疗');
      const link = await linkPath(c); // 24 hours from now
      t.clock.advance(24 * 3_600_000 + 1000);
      const page = await fetch(t.base + link);
      expect(page.status).toBe(410);
      expect(await page.text()).toContain('链接已过期');
      const post = await upload(link, PDF, '报价单.pdf');
      expect(post.status).toBe(410);
      expect(post.json).toMatchObject({ error: 'expired', message: expect.stringContaining('已过期') });
      expect(await count('documents')).toBe(0);
    });

    it('answers a tampered or garbled link with 403 and stores nothing', async () => {
      const c = await newCustomer('华夏医疗');
      const other = await newCustomer('别人的客户');
      const [head, body, sig] = (await linkPath(c)).slice('/upload/'.length).split('.');
      // The same signature on a payload pointing at another customer, valid until 2100.
      const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
      const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, c: other.id, exp: 4102444800 })).toString('base64url')}.${sig}`;
      const page = await fetch(`${t.base}/upload/${forged}`);
      expect(page.status).toBe(403);
      expect(await page.text()).toContain('链接无效');
      expect((await upload(`/upload/${forged}`, PDF, '报价单.pdf')).json.error).toBe('bad_signature');
      expect((await fetch(`${t.base}/upload/not-a-token`)).status).toBe(403);
      expect(await count('documents')).toBe(0);
    });

    it('answers a link to a customer that no longer exists with 404', async () => {
      const res = await fetch(t.base + (await linkPath({ id: 999 })));
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('客户不存在');
    });

    it('tells the bot through onUploaded in the upload’s transaction; if that fails, nothing is half-written', async () => {
      const calls: UploadedInfo[] = [];
      let fail = false;
      const app = express();
      app.use(createUploadRoutes({
        database: t.db, clock: t.clock, config: testConfig(), log: pino({ level: 'silent' }), process: null, useCases: t.bot.useCases,
        onUploaded: async (info) => {
          calls.push(info);
          if (fail) throw new Error('outbox down');
        },
      }));
      const server = http.createServer(app);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const c = await newCustomer('华夏医疗');
        const path = await linkPath(c, 'wangfang');
        const send = () => fetch(base + path, { method: 'POST', body: PDF, headers: { 'x-file-name': encodeURIComponent('报价单.pdf') } });
        const first = await send();
        expect(first.status).toBe(201);
        const doc = ((await first.json()) as Json).document;
        expect(calls).toEqual([expect.objectContaining({ customerId: c.id, userId: 'wangfang', documentId: doc.id, name: '报价单.pdf' })]);
        fail = true;
        const second = await send();
        expect(second.status).toBeGreaterThanOrEqual(500);
        expect(await second.text()).not.toMatch(/at .*\.ts/); // no stack trace
        expect(calls).toHaveLength(2);
        expect(await count('documents')).toBe(1); // rolled back with the failed confirmation
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  });

  describe('GET /api/customers', () => {
    let customers: CustomerRow[];
    beforeEach(async () => {
      customers = [
        await newCustomer('华夏医疗', { stage: 'negotiating', ownerId: 'lina', officeId: 'east' }),
        await newCustomer('华南物流', { stage: 'lead', ownerId: 'wangfang', officeId: 'south' }),
        await newCustomer('Acme 100% Corp', { stage: 'negotiating', ownerId: 'wangfang', officeId: 'south' }),
        await newCustomer('北辰科技', { stage: 'won', ownerId: 'lina', officeId: 'east' }),
      ];
    });
    const names = (r: { json: Json }) => (r.json.items as { name: string }[]).map((i) => i.name);

    it('lists everything with the stage name beside the key', async () => {
      const res = await api('GET', '/api/customers');
      expect(res.status).toBe(200);
      expect(names(res)).toEqual(['华夏医疗', '华南物流', 'Acme 100% Corp', '北辰科技']);
      expect(res.json.items[0]).toMatchObject({ id: customers[0]!.id, stage: 'negotiating', stageName: '价格谈判中', ownerId: 'lina' });
      expect(res.json.items[3]).toMatchObject({ stage: 'won', stageName: '已签约' });
    });

    it('filters by stage (key or name), owner, office and name, and pages', async () => {
      expect(names(await api('GET', '/api/customers?stage=negotiating'))).toEqual(['华夏医疗', 'Acme 100% Corp']);
      expect(names(await api('GET', `/api/customers?stage=${encodeURIComponent('价格谈判中')}`))).toEqual(['华夏医疗', 'Acme 100% Corp']);
      expect(names(await api('GET', '/api/customers?owner=wangfang'))).toEqual(['华南物流', 'Acme 100% Corp']);
      expect(names(await api('GET', '/api/customers?owner=wangfang&stage=lead'))).toEqual(['华南物流']);
      expect(names(await api('GET', '/api/customers?office=east'))).toEqual(['华夏医疗', '北辰科技']);
      expect(names(await api('GET', `/api/customers?q=${encodeURIComponent('华')}`))).toEqual(['华夏医疗', '华南物流']);
      expect(names(await api('GET', '/api/customers?q=acme'))).toEqual(['Acme 100% Corp']); // case-insensitive
      expect(names(await api('GET', `/api/customers?q=${encodeURIComponent('100%')}`))).toEqual(['Acme 100% Corp']);
      expect(names(await api('GET', `/api/customers?q=${encodeURIComponent('%')}`))).toEqual(['Acme 100% Corp']); // % is literal
      expect(names(await api('GET', '/api/customers?limit=2&offset=1'))).toEqual(['华南物流', 'Acme 100% Corp']);
      expect(names(await api('GET', '/api/customers?stage=&owner='))).toHaveLength(4); // empty = unset
    });

    it('refuses bad parameters with 400 and a zh-CN message', async () => {
      for (const q of ['limit=0', 'limit=abc', 'limit=501', 'offset=-1', 'stage=nonsense', 'owner=a&owner=b']) {
        const res = await api('GET', `/api/customers?${q}`);
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      }
      expect((await api('GET', '/api/customers?stage=nonsense')).json.message).toContain('negotiating（价格谈判中）');
    });

    it('needs the admin token', async () => {
      expect((await api('GET', '/api/customers', undefined, { token: null })).status).toBe(401);
      expect((await api('GET', '/api/customers', undefined, { token: 'wrong-token-wrong-token' })).status).toBe(401);
      expect((await api('GET', `/api/customers/${customers[0]!.id}`, undefined, { token: null })).status).toBe(401);
      expect((await api('POST', '/api/touchpoints', {}, { token: null })).status).toBe(401);
    });
  });

  describe('GET /api/customers/:id', () => {
    it('returns the customer, its whole history in order with refusals as data, documents, and the last 3 touchpoints', async () => {
      const c = await newCustomer('华夏医疗', { stage: 'proposal_submitted' });
      const failures = [{ code: 'guard', kind: 'document', hint: '请上传报价单' }];
      await recordRefusal(t.db.db, { customer: c, to: 'negotiating', actorId: 'lina', source: 'text', failures, processVersion: '1' }, t.clock.now());
      await changeStage(t.db.db, {
        customer: c, to: 'demo_done', actorId: 'lina', source: 'card', processVersion: '1', kind: 'stage_change',
      }, t.clock.now());
      const base = t.clock.now().getTime();
      for (let i = 0; i < 4; i++) {
        await addTouchpoint(t.db.db, {
          customerId: c.id, direction: 'in', channel: 'wecom', text: `留言${i}`, actorId: null, at: new Date(base - (10 - i) * 60_000),
        }, t.clock.now());
      }
      const res = await api('GET', `/api/customers/${c.id}`);
      expect(res.status).toBe(200);
      expect(res.json.customer).toMatchObject({ id: c.id, name: '华夏医疗', stage: 'demo_done', stageName: '产品演示完成', version: 2 });
      expect(res.json.history.map((e: Json) => e.kind)).toEqual(['created', 'refusal', 'stage_change']);
      expect(res.json.history[1]).toMatchObject({
        fromStage: 'proposal_submitted', fromStageName: '方案已提交', toStage: 'negotiating', toStageName: '价格谈判中', failures,
      });
      expect(res.json.history[2]).toMatchObject({ toStageName: '产品演示完成', source: 'card' });
      expect(res.json.documents).toEqual([]);
      expect(res.json.touchpoints.map((p: Json) => p.text)).toEqual(['留言3', '留言2', '留言1']);
    });

    it('answers 404 for a missing customer and 400 for an id that is not a positive integer', async () => {
      expect(await api('GET', '/api/customers/424242')).toEqual({ status: 404, json: { error: 'customer_not_found', message: expect.stringContaining('424242') } });
      expect((await api('GET', '/api/customers/99999999999')).status).toBe(404);
      for (const bad of ['abc', '1.5', '-1', '0', '1e3']) {
        const res = await api('GET', `/api/customers/${bad}`);
        expect(res.status).toBe(400);
        expect(res.json.error).toBe('bad_id');
      }
    });
  });

  describe('POST /api/customers/:id/documents', () => {
    const doc = (o: Record<string, unknown> = {}) => ({
      name: '华夏医疗报价单.pdf', mimeType: 'application/pdf', contentBase64: PDF.toString('base64'), uploaderId: 'lina', ...o,
    });

    it('stores a document from a chat archive with 201', async () => {
      const c = await newCustomer('华夏医疗');
      const res = await api('POST', `/api/customers/${c.id}/documents`, doc());
      expect(res.status).toBe(201);
      expect(res.json.document).toMatchObject({ customerId: c.id, name: '华夏医疗报价单.pdf', sha256: sha(PDF), size: PDF.length, source: 'api', uploaderId: 'lina' });
      expect((await api('GET', `/api/customers/${c.id}`)).json.documents).toHaveLength(1);
    });

    it('applies the upload page’s checks and writes nothing on refusal', async () => {
      const c = await newCustomer('华夏医疗');
      const path = `/api/customers/${c.id}/documents`;
      const txt = Buffer.from('plain text').toString('base64');
      expect((await api('POST', path, doc({ contentBase64: txt }))).status).toBe(415);
      expect((await api('POST', path, doc({ name: 'a.exe' }))).status).toBe(415);
      expect((await api('POST', path, doc({ mimeType: 'text/plain' }))).status).toBe(415);
      expect((await api('POST', path, doc({ contentBase64: '' }))).json.error).toBe('empty');
      expect((await api('POST', path, doc({ contentBase64: '%%%not base64' }))).json.error).toBe('bad_base64');
      const missing = await api('POST', path, { name: 'x.pdf' });
      expect(missing.status).toBe(400);
      expect(missing.json.issues.map((i: Json) => i.path).sort()).toEqual(['contentBase64', 'mimeType', 'uploaderId']);
      expect((await api('POST', path, '{"name":', {})).json.error).toBe('bad_json');
      expect((await api('POST', '/api/customers/999/documents', doc())).status).toBe(404);
      expect((await api('POST', '/api/customers/abc/documents', doc())).status).toBe(400);
      // Just over 20 MB (inside the JSON limit) and far over it: both 413.
      const over = Buffer.concat([PDF, Buffer.alloc(20 * MB + 1 - PDF.length)]);
      const justOver = await api('POST', path, doc({ contentBase64: over.toString('base64') }));
      expect(justOver).toEqual({ status: 413, json: { error: 'too_large', message: expect.stringContaining('20 MB') } });
      const far = Buffer.concat([PDF, Buffer.alloc(21 * MB)]);
      expect((await api('POST', path, doc({ contentBase64: far.toString('base64') }))).status).toBe(413);
      expect(await count('documents')).toBe(0);
    });
  });

  describe('POST /api/touchpoints', () => {
    const iso = (msAgo: number) => new Date(t.clock.now().getTime() - msAgo).toISOString();

    it('records a customer→rep message and moves the last-message time; rep→customer and older ones do not', async () => {
      const c = await newCustomer('华夏医疗');
      const at = iso(3_600_000);
      const res = await api('POST', '/api/touchpoints', { customerId: c.id, direction: 'in', channel: 'wecom', at, text: '能否分期付款？' });
      expect(res.status).toBe(201);
      expect(res.json.touchpoint).toMatchObject({ customerId: c.id, direction: 'in', channel: 'wecom', text: '能否分期付款？' });
      expect(new Date(res.json.customer.lastCustomerMessageAt).toISOString()).toBe(at);
      expect((await getCustomer(t.db.db, c.id))!.lastCustomerMessageAt!.toISOString()).toBe(at);

      // rep→customer: recorded, does not move it
      const out = await api('POST', '/api/touchpoints', { customerId: c.id, direction: 'out', channel: 'phone', at: iso(60_000), text: null });
      expect(out.status).toBe(201);
      // an older customer message arriving late does not move it back; a zone offset is honoured
      const older = new Date(t.clock.now().getTime() - 7_200_000);
      const shanghai = new Date(older.getTime() + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
      expect((await api('POST', '/api/touchpoints', { customerId: c.id, direction: 'in', channel: 'email', at: shanghai, text: '旧邮件' })).status).toBe(201);
      expect((await getCustomer(t.db.db, c.id))!.lastCustomerMessageAt!.toISOString()).toBe(at);
      const detail = await api('GET', `/api/customers/${c.id}`);
      expect(detail.json.touchpoints.map((p: Json) => p.channel)).toEqual(['phone', 'wecom', 'email']);
      expect(detail.json.customer.lastCustomerMessageAt).toBe(at);
    });

    it('refuses bad input with 400, a zh-CN message and the issues, and writes nothing', async () => {
      const c = await newCustomer('华夏医疗');
      const ok = { customerId: c.id, direction: 'in', channel: 'wecom', at: iso(1000), text: 'hi' };
      const bad: [unknown, string][] = [
        [{ ...ok, direction: 'sideways' }, 'direction'],
        [{ ...ok, at: '2026-11-20 10:00' }, 'at'],
        [{ ...ok, at: '2026-11-20T10:00:00' }, 'at'], // no zone: ambiguous
        [{ ...ok, at: new Date(t.clock.now().getTime() + 3_600_000).toISOString() }, 'at'], // in the future
        [{ ...ok, customerId: '1' }, 'customerId'],
        [{ ...ok, customerId: 1.5 }, 'customerId'],
        [{ ...ok, channel: '' }, 'channel'],
        [{ ...ok, text: 42 }, 'text'],
        [{ ...ok, extra: true }, '(body)'],
        [[ok], '(body)'],
      ];
      for (const [body, path] of bad) {
        const res = await api('POST', '/api/touchpoints', body);
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
        expect(res.json.issues.map((i: Json) => i.path)).toContain(path);
      }
      const { customerId: _omit, ...noCustomer } = ok;
      expect((await api('POST', '/api/touchpoints', noCustomer)).json.issues[0]).toEqual({ path: 'customerId', message: 'customerId 应为正整数' });
      expect((await api('POST', '/api/touchpoints', 'customerId=1', { contentType: 'application/x-www-form-urlencoded' })).status).toBe(400);
      expect((await api('POST', '/api/touchpoints', '{oops')).json).toEqual({ error: 'bad_json', message: '请求体不是有效的 JSON。' });
      expect((await api('POST', '/api/touchpoints', { ...ok, customerId: 999 })).status).toBe(404);
      expect(await count('touchpoints')).toBe(0);
      expect((await getCustomer(t.db.db, c.id))!.lastCustomerMessageAt).toBeNull();
    });
  });
});
