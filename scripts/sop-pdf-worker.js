// Draws one SOP document (blocks from domain/markdown-blocks.ts) as an A4 PDF with pdfkit, in a worker thread so
// that parsing the CJK font (seconds) never blocks the bot. Input: workerData { blocks, font, title }; output: one
// message { pdf } or { error }. Plain JS so it runs the same from sources, from dist/ and under the tests.
const { parentPort, workerData } = require('worker_threads');
const PDFDocument = require('pdfkit');

const SIZES = { 1: 20, 2: 15, 3: 12.5 };
const M = 56;

function render({ blocks, font, title }) {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margins: { top: M, bottom: M, left: M, right: M }, info: { Title: title, Creator: 'sales-process-bot' }, lang: 'zh-CN' });
    const chunks = [];
    doc.on('data', (c) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('body', font.regular, font.regularName);
    doc.registerFont('bold', font.bold, font.boldName);
    const width = doc.page.width - 2 * M;
    const text = (s, opts = {}) => doc.text(s, { width, lineGap: 3, ...opts });

    function table(rows) {
      if (!rows.length) return;
      const n = Math.max(...rows.map((r) => r.length));
      const weight = Array.from({ length: n }, (_, c) => Math.max(2, ...rows.map((r) => Math.min(30, [...(r[c] || '')].length))));
      const total = weight.reduce((s, w) => s + w, 0);
      const widths = weight.map((w) => (w / total) * width);
      doc.fontSize(9.5);
      rows.forEach((row, r) => {
        doc.font(r === 0 ? 'bold' : 'body');
        const h = Math.max(...widths.map((w, c) => doc.heightOfString(row[c] || '', { width: w - 8, lineGap: 2 }))) + 8;
        if (doc.y + h > doc.page.height - M) doc.addPage();
        const y = doc.y;
        let x = M;
        widths.forEach((w, c) => {
          if (r === 0) doc.rect(x, y, w, h).fillColor('#f2f3f5').fill();
          doc.rect(x, y, w, h).lineWidth(0.5).strokeColor('#c9cdd4').stroke();
          doc.fillColor('#1f2329').text(row[c] || '', x + 4, y + 4, { width: w - 8, lineGap: 2 });
          x += w;
        });
        doc.x = M;
        doc.y = y + h;
      });
      doc.moveDown(0.6);
    }

    for (const b of blocks) {
      if (b.kind === 'heading') {
        doc.moveDown(b.level === 1 ? 0 : 0.6).font('bold').fontSize(SIZES[b.level] || 11.5).fillColor('#1f2329');
        text(b.text);
        doc.moveDown(0.3);
      } else if (b.kind === 'paragraph') {
        doc.font('body').fontSize(10.5).fillColor('#1f2329');
        text(b.text);
        doc.moveDown(0.4);
      } else if (b.kind === 'item') {
        doc.font('body').fontSize(10.5).fillColor('#1f2329');
        const indent = 14 + b.depth * 14;
        const y = doc.y;
        doc.text(b.marker, M + indent - 14, y, { width: 14, lineGap: 3 });
        doc.text(b.text, M + indent, y, { width: width - indent, lineGap: 3 });
        doc.x = M;
        doc.moveDown(0.15);
      } else if (b.kind === 'quote') {
        doc.font('body').fontSize(10).fillColor('#646a73');
        const y = doc.y;
        doc.text(b.text, M + 12, y, { width: width - 12, lineGap: 3 });
        doc.moveTo(M + 3, y).lineTo(M + 3, doc.y).lineWidth(2).strokeColor('#c9cdd4').stroke();
        doc.x = M;
        doc.moveDown(0.5);
      } else if (b.kind === 'rule') {
        doc.moveTo(M, doc.y).lineTo(M + width, doc.y).lineWidth(0.5).strokeColor('#c9cdd4').stroke();
        doc.moveDown(0.5);
      } else if (b.kind === 'table') {
        table(b.rows);
      }
    }
    doc.end();
  });
}

render(workerData).then(
  (pdf) => parentPort.postMessage({ pdf: new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.length) }),
  (err) => parentPort.postMessage({ error: String((err && err.message) || err) }),
);
