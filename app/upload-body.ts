/**
 * The upload page's request body (`POST /upload/:token`, up to 20 MB), read into shared memory as it arrives.
 *
 * express.raw (raw-body) collects the chunks and joins them when the body ends: for 20 MB that one copy held the
 * event loop ~70 ms in the embedded benchmark, and the PDF check's copy for its thread (app/pdf-check.ts) another
 * ~80 ms, while callbacks waited for their acks. Here each chunk is copied into its place as it arrives (a few
 * kilobytes per turn of the event loop) in a SharedArrayBuffer sized by Content-Length, so the body needs no final
 * join, and the PDF check's thread reads the same memory (it copies what it gives pdf.js itself). A body without
 * Content-Length (chunked) is gathered and joined a slice per turn.
 *
 * Errors carry what express.raw's do, so the route's error handler answers the same: `type: 'entity.too.large'`
 * (413) past the limit, status 415 for a compressed body (not accepted, like `inflate: false`), status 400 when the
 * body does not match its Content-Length or the client goes away.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Bytes joined per turn of the event loop for a body without Content-Length. */
const JOIN_SLICE = 2 * 1024 * 1024;

const httpError = (status: number, message: string, type?: string) => Object.assign(new Error(message), { status, statusCode: status, expose: true, ...(type ? { type } : {}) });

/** Middleware: `req.body` becomes a Buffer over a SharedArrayBuffer holding the whole body. */
export function sharedRawBody(limit: number): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.destroyed || req.readableAborted) { // the client went away while earlier middleware was busy
      next(httpError(400, 'request aborted', 'request.aborted'));
      return;
    }
    const encoding = String(req.headers['content-encoding'] || 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      next(httpError(415, `content encoding "${encoding}" is not accepted`, 'encoding.unsupported'));
      return;
    }
    const header = req.headers['content-length'];
    const declared = header === undefined ? null : Number(header);
    if (declared !== null && (!Number.isSafeInteger(declared) || declared < 0)) {
      next(httpError(400, 'invalid content-length', 'request.size.invalid'));
      return;
    }
    if (declared !== null && declared > limit) {
      next(httpError(413, 'request entity too large', 'entity.too.large'));
      return;
    }

    let finished = false;
    const finish = (err: Error | null, body?: Buffer) => {
      if (finished) return;
      finished = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) {
        next(err);
        return;
      }
      req.body = body;
      next();
    };

    // Allocated when the first bytes arrive, not on the headers' word alone.
    let shared: Buffer | null = null;
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      if (declared !== null) shared ??= Buffer.from(new SharedArrayBuffer(declared));
      if (received + chunk.length > (declared ?? limit)) {
        finish(declared === null
          ? httpError(413, 'request entity too large', 'entity.too.large')
          : httpError(400, 'request size did not match content length', 'request.size.invalid'));
        return;
      }
      if (shared) chunk.copy(shared, received);
      else chunks.push(chunk);
      received += chunk.length;
    };
    const onEnd = () => {
      if (declared !== null) {
        if (received !== declared) finish(httpError(400, 'request size did not match content length', 'request.size.invalid'));
        else finish(null, shared ?? Buffer.from(new SharedArrayBuffer(0)));
        return;
      }
      void joinInSlices(chunks, received).then((body) => finish(null, body), (err: Error) => finish(err));
    };
    const onError = (err: Error) => finish(Object.assign(httpError(400, 'request aborted', 'request.aborted'), { cause: err }));
    const onClose = () => {
      if (!req.complete) finish(httpError(400, 'request aborted', 'request.aborted'));
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  };
}

/** Joins chunks into one shared buffer (SharedArrayBuffer), yielding to the event loop every JOIN_SLICE bytes. */
export async function joinInSlices(chunks: readonly Buffer[], total: number): Promise<Buffer> {
  const out = Buffer.from(new SharedArrayBuffer(total));
  let at = 0;
  let sinceYield = 0;
  for (const c of chunks) {
    c.copy(out, at);
    at += c.length;
    sinceYield += c.length;
    if (sinceYield >= JOIN_SLICE) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return out;
}
