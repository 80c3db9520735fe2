/**
 * A 报价单 or any other .pdf must open as a PDF, not just start with `%PDF-` (a `%PDF-` line followed by HTML was
 * accepted before). Parsed with pdf-parse (pdf.js underneath), locally: no network, no child process, Node ≥ 20.
 *
 * The parse runs on a worker thread of its own, one per check (decision 0013): a damaged file that starts like a
 * PDF (a truncated scan, say) makes pdf.js rebuild its cross-reference table by scanning every byte, which held the
 * event loop 0.7–0.95 s for 20 MB in one go — callback acks and /healthz waited. The thread reads the bytes from
 * shared memory (the upload route receives them there, app/upload-body.ts); other buffers are copied there a slice
 * per turn. On Linux the thread lowers its own priority, so that starting it and loading pdf.js (~0.2 s of CPU)
 * yield to the event loop and the embedded database's thread.
 */
import { Worker } from 'node:worker_threads';
import { joinInSlices } from './upload-body';

/** A parse that takes longer than this fails the upload with an error (and its thread is ended). */
const CHECK_TIMEOUT_MS = 30_000;
/**
 * The check's thread runs at this nice value (Linux only: there it applies to the calling thread; elsewhere it would
 * lower the whole process). Not 19: under full load the check must still finish well within CHECK_TIMEOUT_MS.
 */
const THREAD_NICE = 10;
/** Checks running at once (each thread loads pdf.js and holds a copy of the file); the others wait their turn. */
const MAX_CHECKS = 2;
/** A check's thread may not grow its heap beyond this (a hostile PDF cannot take the process's memory). */
const THREAD_HEAP_MB = 512;

let running = 0;
const queued: (() => void)[] = [];
async function checkSlot(): Promise<() => void> {
  if (running >= MAX_CHECKS) await new Promise<void>((resolve) => queued.push(resolve));
  else running++;
  // A freed slot passes straight to the next waiter (running stays the same), else it is given back.
  return () => {
    const next = queued.shift();
    if (next) next();
    else running--;
  };
}

/** The worker's code: plain CommonJS, so it runs the same from dist/ (`npm start`) and from sources (tests). */
const workerSource = (pdfParse: string, nice: number | null) => `
const { parentPort, workerData } = require('node:worker_threads');
${nice === null ? '' : `try { require('node:os').setPriority(${nice}); } catch {}`}
const { PDFParse } = require(${JSON.stringify(pdfParse)});
(async () => {
  // pdf.js takes (detaches) what it is given: its own copy, made here, of the bytes the main thread shares.
  const data = new Uint8Array(workerData.bytes, workerData.offset, workerData.length).slice();
  const parser = new PDFParse({ data });
  let ok = false;
  try {
    ok = (await parser.getInfo()).total > 0;
  } catch {
    ok = false; // InvalidPDFException, PasswordException, … : not a document we can accept
  } finally {
    await parser.destroy().catch(() => undefined);
  }
  parentPort.postMessage(ok);
})();
`;

let pdfParsePath: string | null = null;

/** True when pdf.js can read the document's structure and it has at least one page. */
export async function opensAsPdf(content: Buffer): Promise<boolean> {
  const release = await checkSlot();
  try {
    return await checkOnThread(content);
  } finally {
    release();
  }
}

/**
 * The bytes as shared memory the check's thread can read: the upload route's body already is (app/upload-body.ts);
 * anything else is copied into shared memory a slice per turn of the event loop.
 */
async function shared(content: Buffer): Promise<{ bytes: SharedArrayBuffer; offset: number; length: number }> {
  const view = content.buffer instanceof SharedArrayBuffer ? content : await joinInSlices([content], content.length);
  return { bytes: view.buffer as SharedArrayBuffer, offset: view.byteOffset, length: view.length };
}

async function checkOnThread(content: Buffer): Promise<boolean> {
  // The thread copies what it gives pdf.js (which detaches the bytes it is given: that once emptied the upload's own
  // buffer); `content` stays whole for storing and the main thread copies nothing it does not have to.
  const data = await shared(content);
  pdfParsePath ??= require.resolve('pdf-parse');
  const worker = new Worker(workerSource(pdfParsePath, process.platform === 'linux' ? THREAD_NICE : null), {
    eval: true, workerData: data, resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
  });
  try {
    return await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the PDF check took over ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        fn();
      };
      worker.once('message', (ok: unknown) => done(() => resolve(ok === true)));
      // Out of its heap on a hostile file: not a document we can accept, like any other that pdf.js cannot open.
      worker.once('error', (err) => done(() => ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? resolve(false) : reject(err))));
      worker.once('exit', (code) => done(() => reject(new Error(`the PDF check's thread exited (${code})`))));
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * A small valid one-page PDF (with its title in the document info), for the sandbox's demo upload and for tests.
 * Built with exact xref offsets so strict readers open it too.
 */
export function samplePdf(title = 'sample'): Buffer {
  const safe = title.replace(/[^\x20-\x7e]/g, '?').replace(/[()\\]/g, '');
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    `<< /Title (${safe}) >>`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
