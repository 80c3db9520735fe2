/**
 * Writes the sample material PDFs shipped in config/materials/ (run: npx ts-node --transpile-only
 * scripts/make-material-pdfs.ts). Each is a minimal, valid one-page PDF 1.4 (built-in Helvetica, a correct xref
 * table), made up for the demo company; replace them with real files or upload new versions through the admin API.
 */
import fs from 'node:fs';
import path from 'node:path';

const SAMPLES: Record<string, string[]> = {
  'product-manual.pdf': ['HuaKang Medical Devices - Product Handbook', 'Version 1', '',
    'HK-9 patient monitor: 12.1 inch touch screen, 6 parameters, 72 h trend storage.',
    'HK-U3 portable ultrasound: 2.8 kg, 3 probes, 4 h battery.', 'Service: 24/7 hotline, on-site within 48 h in covered cities.'],
  'case-studies.pdf': ['HuaKang Medical Devices - Customer Cases', 'Version 1', '',
    'Case 1: county hospital ICU upgrade, 40 monitors installed in 3 weeks.',
    'Case 2: regional imaging centre, ultrasound fleet with shared maintenance plan.',
    'Case 3: private clinic chain, leasing model with quarterly calibration.'],
  'tech-spec.pdf': ['HuaKang Medical Devices - Technical Specifications', 'Version 1', '',
    'HK-9: ECG 3/5 lead, SpO2, NIBP, 2x TEMP, RESP; IP22; 4.6 kg.',
    'HK-U3: frequency 2-15 MHz, depth up to 30 cm, DICOM 3.0 export.'],
  'qualifications.pdf': ['HuaKang Medical Devices - Certificates and Registrations', 'Version 1', '',
    'Medical device registration certificates (class II and III).', 'ISO 13485 quality management certificate.',
    'Distributor authorisation letters.'],
  'service-commitment.pdf': ['HuaKang Medical Devices - After-sales Service Commitment', 'Version 1', '',
    'Response within 2 hours, engineer on site within 48 hours.', 'Spare device during repairs longer than 5 days.',
    'Two free preventive maintenance visits per year.'],
  'bid-checklist.pdf': ['HuaKang Medical Devices - Tender Document Checklist', 'Version 1', '',
    '1. Business licence and registrations  2. Technical response table',
    '3. Price schedule  4. Service commitment  5. Reference cases'],
};

const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);

export function minimalPdf(lines: string[]): Buffer {
  const text = lines.map((l, i) => `BT /F1 ${i === 0 ? 16 : 11} Tf 56 ${780 - i * 22} Td (${escape(l)}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

if (require.main === module) {
  const dir = path.join(__dirname, '..', 'config', 'materials');
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, lines] of Object.entries(SAMPLES)) fs.writeFileSync(path.join(dir, name), minimalPdf(lines));
  console.log(`wrote ${Object.keys(SAMPLES).length} PDFs to ${dir}`);
}
