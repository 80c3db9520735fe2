/**
 * SOP documents as PDF (issue 14): phones open a `.md` file as raw text, so every `config/sop/<name>.md` is laid
 * out as `config/sop/<name>.pdf` (pdfkit, the Chinese font embedded as a subset) when the bot starts, whenever the
 * PDF is missing or older than its source. The SOP push then sends the PDF; the Markdown stays the editable source.
 *
 * Without a CJK font (Debian: `apt-get install fonts-noto-cjk`) or a writable config/sop, the start goes on: one
 * clear warning, and the pushes send the `.md` as before.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { markdownBlocks, type Block } from '../domain/markdown-blocks';
import { projectRoot } from '../store/paths';
import { SOP_DIR, SOP_REF_PREFIX } from '../bot/wecom/media';

export interface CjkFont { regular: string; bold: string; regularName?: string; boldName?: string }

/** Where Debian/Ubuntu (fonts-noto-cjk, fonts-wqy-zenhei) and macOS keep a Simplified Chinese font. */
export const FONT_CANDIDATES: CjkFont[] = [
  {
    regular: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', regularName: 'NotoSansCJKsc-Regular',
    bold: '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', boldName: 'NotoSansCJKsc-Bold',
  },
  {
    regular: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', regularName: 'NotoSerifCJKsc-Regular',
    bold: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc', boldName: 'NotoSerifCJKsc-Bold',
  },
  { regular: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', regularName: 'WenQuanYiZenHei', bold: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', boldName: 'WenQuanYiZenHei' },
  { regular: '/System/Library/Fonts/PingFang.ttc', regularName: 'PingFangSC-Regular', bold: '/System/Library/Fonts/PingFang.ttc', boldName: 'PingFangSC-Semibold' },
];

export function findCjkFont(candidates: readonly CjkFont[] = FONT_CANDIDATES): CjkFont | null {
  return candidates.find((c) => fs.existsSync(c.regular) && fs.existsSync(c.bold)) ?? null;
}

/** The drawing runs in a worker thread (plain JS, scripts/sop-pdf-worker.js): parsing a CJK font takes seconds. */
export const RENDER_WORKER = path.join(projectRoot(), 'scripts', 'sop-pdf-worker.js');

/** Lays out one Markdown document as an A4 PDF with the font embedded (as a subset), off the event loop. */
export function renderSopPdf(markdown: string, font: CjkFont, title: string): Promise<Buffer> {
  const blocks: Block[] = markdownBlocks(markdown);
  return new Promise((resolve, reject) => {
    const worker = new Worker(RENDER_WORKER, { workerData: { blocks, font, title } });
    worker.once('message', (m: { pdf?: Uint8Array; error?: string }) => (m.pdf ? resolve(Buffer.from(m.pdf)) : reject(new Error(m.error ?? 'no PDF'))));
    worker.once('error', reject);
    worker.once('exit', (code) => (code !== 0 ? reject(new Error(`SOP PDF worker exited with ${code}`)) : undefined));
  });
}

export interface SopPdfs {
  /** Resolves when generation finished (or was skipped). */
  ready: Promise<void>;
  /** The ref to send for an SOP ref: `@sop:<name>.pdf` once its PDF is up to date, the ref itself otherwise. */
  preferred(ref: string): string;
}

/**
 * Generates the PDFs in the background (the start does not wait for it). Logs one warning, with the fix, when it
 * cannot (no font, read-only folder) — the `.md` files are sent then.
 */
export function prepareSopPdfs(opts: { root: string; log: { info(o: object, m: string): void; warn(o: object, m: string): void }; font?: CjkFont | null }): SopPdfs {
  const dir = path.join(opts.root, SOP_DIR);
  const ready = new Set<string>();
  const run = async () => {
    const sources = (await fsp.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.md'));
    if (!sources.length) return;
    const font = opts.font === undefined ? findCjkFont() : opts.font;
    if (!font) {
      opts.log.warn({ dir }, 'SOP PDFs not generated: no Chinese font found (Debian/Ubuntu: apt-get install fonts-noto-cjk). The SOP pushes send the .md files, which phones show as plain text.');
      return;
    }
    for (const md of sources) {
      const pdf = path.join(dir, md.replace(/\.md$/, '.pdf'));
      try {
        const [src, out] = await Promise.all([fsp.stat(path.join(dir, md)), fsp.stat(pdf).catch(() => null)]);
        if (!out || out.mtimeMs < src.mtimeMs) {
          const bytes = await renderSopPdf(await fsp.readFile(path.join(dir, md), 'utf8'), font, md.replace(/\.md$/, ''));
          // A temporary name of our own: several processes (instances, parallel test runs) may lay out the same SOP.
          const tmp = `${pdf}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
          await fsp.writeFile(tmp, bytes);
          await fsp.rename(tmp, pdf);
          opts.log.info({ file: path.basename(pdf), bytes: bytes.length }, 'SOP PDF generated');
        }
        ready.add(md);
      } catch (err) {
        opts.log.warn({ file: md, err: (err as Error).message }, 'SOP PDF not generated; the .md file is sent instead');
      }
    }
  };
  const done = run().catch((err: unknown) => opts.log.warn({ err: (err as Error).message }, 'SOP PDFs not generated; the .md files are sent instead'));
  return {
    ready: done,
    preferred(ref) {
      const name = ref.startsWith(SOP_REF_PREFIX) ? ref.slice(SOP_REF_PREFIX.length) : null;
      return name && ready.has(name) ? `${SOP_REF_PREFIX}${name.replace(/\.md$/, '.pdf')}` : ref;
    },
  };
}
