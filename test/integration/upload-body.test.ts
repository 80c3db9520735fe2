/**
 * The upload page's body reader (app/upload-body.ts): the bytes arrive whole and unchanged in shared memory, with or
 * without Content-Length, and a body too large, compressed, or shorter than it said is refused as express.raw did.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sharedRawBody } from '../../app/upload-body';

const LIMIT = 1024 * 1024;

describe('sharedRawBody', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    const app = express();
    app.post('/up', sharedRawBody(LIMIT), (req: Request, res: Response) => {
      const body = req.body as Buffer;
      res.json({ shared: body.buffer instanceof SharedArrayBuffer, size: body.length, sha: createHash('sha256').update(body).digest('hex') });
    });
    app.use((err: { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 500).json({ type: err.type ?? null });
    });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  /** Sends `chunks` one write each; with `length`, a Content-Length header (else chunked). */
  function send(chunks: Buffer[], headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/up', headers }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
      });
      req.on('error', reject);
      for (const c of chunks) req.write(c);
      req.end();
    });
  }
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('with Content-Length: the exact bytes, in shared memory', async () => {
    const body = randomBytes(700_000);
    const chunks = [body.subarray(0, 100_000), body.subarray(100_000, 650_000), body.subarray(650_000)];
    const r = await send(chunks, { 'content-length': String(body.length) });
    expect(r).toEqual({ status: 200, json: { shared: true, size: body.length, sha: sha(body) } });
  });

  it('chunked (no Content-Length): the exact bytes, in shared memory', async () => {
    const body = randomBytes(900_000);
    const chunks = Array.from({ length: 9 }, (_, i) => body.subarray(i * 100_000, (i + 1) * 100_000));
    const r = await send(chunks);
    expect(r).toEqual({ status: 200, json: { shared: true, size: body.length, sha: sha(body) } });
  });

  it('an empty body is an empty buffer', async () => {
    expect(await send([], { 'content-length': '0' })).toEqual({ status: 200, json: { shared: true, size: 0, sha: sha(Buffer.alloc(0)) } });
  });

  it('over the limit: 413 entity.too.large, declared or found while reading a chunked body', async () => {
    expect(await send([], { 'content-length': String(LIMIT + 1) })).toEqual({ status: 413, json: { type: 'entity.too.large' } });
    const big = Array.from({ length: 12 }, () => Buffer.alloc(100_000, 1));
    expect(await send(big)).toEqual({ status: 413, json: { type: 'entity.too.large' } });
  });

  it('a compressed body: 415', async () => {
    expect(await send([Buffer.from('x')], { 'content-encoding': 'gzip', 'content-length': '1' })).toEqual({ status: 415, json: { type: 'encoding.unsupported' } });
  });
});
