/**
 * A 报价单 or any other .pdf must open as a PDF, not just start with `%PDF-` (a `%PDF-` line followed by HTML was
 * accepted before). Parsed with pdf-parse (pdf.js underneath), locally: no network, no worker process, Node ≥ 20.
 */
import { PDFParse } from 'pdf-parse';

/** True when pdf.js can read the document's structure and it has at least one page. */
export async function opensAsPdf(content: Buffer): Promise<boolean> {
  // A copy: pdf.js transfers the bytes it is given to its (fake, in-process) worker, which detaches them — given a
  // view of `content`, a Buffer that owns its memory (any body over 4 KB) was emptied and the upload stored 0 bytes.
  const parser = new PDFParse({ data: new Uint8Array(content) });
  try {
    const info = await parser.getInfo();
    return info.total > 0;
  } catch {
    return false; // InvalidPDFException, PasswordException, … : not a document we can accept
  } finally {
    await parser.destroy().catch(() => undefined);
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
