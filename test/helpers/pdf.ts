/** Test and benchmark PDFs. */
import { randomBytes } from 'node:crypto';

/** A valid PDF of about `bytes` bytes: one page and one large stream object, as a scanned 报价单 is. */
export function pdfOf(bytes: number): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  const add = (b: Buffer) => {
    parts.push(b);
    at += b.length;
  };
  add(Buffer.from('%PDF-1.4\n', 'latin1'));
  const obj = (n: number, body: string) => {
    offsets[n] = at;
    add(Buffer.from(`${n} 0 obj\n${body}\nendobj\n`, 'latin1'));
  };
  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  obj(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>');
  const payload = randomBytes(Math.max(1024, bytes - 1024));
  offsets[4] = at;
  add(Buffer.from(`4 0 obj\n<< /Length ${payload.length} >>\nstream\n`, 'latin1'));
  add(payload);
  add(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xref = at;
  add(Buffer.from(`xref\n0 5\n0000000000 65535 f \n${[1, 2, 3, 4].map((n) => `${String(offsets[n]).padStart(10, '0')} 00000 n \n`).join('')}` +
    `trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}
