/**
 * Security headers for every page and file a browser opens, from one maintained middleware (helmet), with a
 * Content-Security-Policy per kind of page (docs/decisions/0011-security-headers.md; beside the one signed-token helper, since the dashboard and the sandbox use it too). A page's inline script and
 * style carry a fresh nonce per response: `securityHeaders(kind)` draws it and puts it in the CSP, the page reads
 * it with `cspNonce(res)`. Not security headers, and so still set by each route: content-type, cache-control,
 * x-robots-tag.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

type Source = string | ((req: IncomingMessage, res: ServerResponse) => string);
type Directives = Record<string, Source[]>;

const NONCE: Source = (_req, res) => `'nonce-${(res as unknown as Response).locals.cspNonce as string}'`;
const SELF = "'self'";
const NONE = "'none'";

/** Nothing unless allowed; never framed, no <base>, no form posts. Each page adds what it needs. */
const LOCKED: Directives = { defaultSrc: [NONE], baseUri: [NONE], formAction: [NONE], frameAncestors: [NONE] };

/** What each page needs on top of LOCKED. `null`: a file (PDF or document), no CSP of ours (browsers' viewers). */
export const PAGE_CSP = {
  /** 上传 page: its own script and style (nonce), posts the file to itself with fetch. */
  upload: { ...LOCKED, styleSrc: [NONCE], scriptSrc: [NONCE], connectSrc: [SELF], imgSrc: [SELF] },
  /** A customer's material page: embeds the PDF from our origin (object/iframe) and reports the open with fetch. */
  material: { ...LOCKED, styleSrc: [NONCE], scriptSrc: [NONCE], connectSrc: [SELF], objectSrc: [SELF], frameSrc: [SELF], imgSrc: [SELF] },
  /** The dashboard: ECharts from our origin; ECharts writes inline styles (tooltips), hence 'unsafe-inline' for styles only. */
  dashboard: {
    ...LOCKED, scriptSrc: [SELF, NONCE], styleSrc: [SELF, "'unsafe-inline'"], imgSrc: [SELF, 'data:'], connectSrc: [SELF], formAction: [SELF],
  },
  /** The sandbox console: inline styles, its script (nonce), pictures members send (any http/https origin). */
  console: { ...LOCKED, styleSrc: ["'unsafe-inline'"], scriptSrc: [NONCE], connectSrc: [SELF], imgSrc: [SELF, 'data:', 'http:', 'https:'] },
  /** Files served inline (报价单 for a reviewer, a material PDF): may be embedded by our own pages only. */
  file: null,
} satisfies Record<string, Directives | null>;

export type PageKind = keyof typeof PAGE_CSP;

/** helmet with our choices; the rest are helmet's defaults (nosniff, COOP/CORP same-origin, HSTS …). */
function helmetFor(kind: PageKind) {
  const directives = PAGE_CSP[kind];
  return helmet({
    contentSecurityPolicy: directives ? { useDefaults: false, directives } : false,
    // Tokens travel in our URLs: never in a Referer.
    referrerPolicy: { policy: 'no-referrer' },
    // Pages are never framed; files only by our own pages (the material page embeds its PDF).
    xFrameOptions: { action: directives ? 'deny' : 'sameorigin' },
    // Only this host: the bot may share a parent domain with hosts that still serve plain HTTP.
    strictTransportSecurity: { maxAge: 180 * 86_400, includeSubDomains: false },
  });
}

const MIDDLEWARE = new Map<PageKind, ReturnType<typeof helmetFor>>();

/** The security headers of one kind of page or file, and (for pages) a fresh CSP nonce in `res.locals.cspNonce`. */
export function securityHeaders(kind: PageKind): RequestHandler {
  let h = MIDDLEWARE.get(kind);
  if (!h) {
    h = helmetFor(kind);
    MIDDLEWARE.set(kind, h);
  }
  const mw = h;
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    mw(req, res, next);
  };
}

/** The nonce `securityHeaders` put in this response's CSP (for the page's inline <script> and <style>). */
export function cspNonce(res: Response): string {
  const n = res.locals.cspNonce as unknown;
  if (typeof n !== 'string') throw new Error('securityHeaders() did not run for this route');
  return n;
}
