import { opensAsPdf, samplePdf } from '../../../app/pdf-check';

describe('opensAsPdf', () => {
  it('leaves the checked bytes intact when the Buffer owns its memory (pdf.js transfers what it is given)', async () => {
    // Over 4 KB, Buffer.concat allocates outside the shared pool: what express.raw hands the upload route.
    const pdf = Buffer.concat([samplePdf('big'), Buffer.alloc(64 * 1024, 0x20)]);
    expect(pdf.buffer.byteLength).toBe(pdf.length);
    const before = Buffer.from(pdf);
    expect(await opensAsPdf(pdf)).toBe(true);
    expect(pdf.length).toBe(before.length);
    expect(pdf.equals(before)).toBe(true);
  });

  it('refuses bytes that only start like a PDF', async () => {
    expect(await opensAsPdf(Buffer.from('%PDF-1.4\n<html></html>', 'latin1'))).toBe(false);
  });
});
