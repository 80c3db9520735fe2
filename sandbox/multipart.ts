/**
 * Just enough multipart/form-data for media/upload: finds one named part and returns its bytes, filename and type.
 * WeCom reads the part named `media`; its `filename` becomes the name members see (wecom-api.md §3.7).
 */

export interface FormPart {
  name: string;
  filename: string | null;
  contentType: string;
  data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2] ?? null) : null;
}

function headerParam(header: string, name: string): string | null {
  // filename*=UTF-8''%E6%8A%A5… (RFC 5987) wins over filename="…".
  const star = new RegExp(`${name}\\*=(?:UTF-8|utf-8)''([^;\\r\\n]+)`).exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim());
    } catch {
      return star[1]!.trim();
    }
  }
  const quoted = new RegExp(`(?:^|;)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  if (quoted) return quoted[1]!.replace(/\\(.)/g, '$1').replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
  const bare = new RegExp(`(?:^|;)\\s*${name}=([^;\\s]+)`, 'i').exec(header);
  return bare ? bare[1]! : null;
}

/** All parts of a multipart body (headers as UTF-8). */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const headerStart = start + delimiter.length;
    if (body.subarray(headerStart, headerStart + 2).toString() === '--') break; // closing delimiter
    const next = body.indexOf(delimiter, headerStart);
    if (next === -1) break;
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd === -1 || headerEnd > next) break;
    const headers = body.subarray(headerStart, headerEnd).toString('utf8');
    let dataEnd = next;
    if (body[dataEnd - 2] === 0x0d && body[dataEnd - 1] === 0x0a) dataEnd -= 2;
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    parts.push({
      name: headerParam(disposition, 'name') ?? '',
      filename: headerParam(disposition, 'filename'),
      contentType: (/content-type:\s*([^\r\n]*)/i.exec(headers)?.[1] ?? 'application/octet-stream').trim(),
      data: Buffer.from(body.subarray(headerEnd + 4, dataEnd)),
    });
    start = next;
  }
  return parts;
}
