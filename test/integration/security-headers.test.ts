/**
 * Issue 15: security headers come from one middleware (helmet, usecases/security-headers.ts) and each page answers
 * with the Content-Security-Policy it needs — its own nonce on its inline script, nothing else allowed — while
 * files may be embedded by our own pages only. Real bot on PostgreSQL; the sandbox console's route on its own app.
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createConsoleRoutes, type ConsoleDeps } from '../../sandbox/console-api';
import { startTestBot, type TestBot } from '../helpers/bot';

type Csp = Record<string, string[]>;
const parseCsp = (h: string | null): Csp => Object.fromEntries((h ?? '').split(';').map((d) => d.trim()).filter(Boolean)
  .map((d) => { const [name, ...values] = d.split(/\s+/); return [name!, values]; }));

/** The nonce on the page's inline <style>/<script> (one per response), which the CSP must name. */
const scriptNonce = (html: string) => /<(?:script|style) nonce="([^"]+)"/.exec(html)?.[1];

async function page(url: string) {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** What every page shares: nothing by default, never framed, no <base>, no referrer, nosniff, HTTPS only for this host. */
function expectLockedPage(p: Awaited<ReturnType<typeof page>>): Csp {
  const csp = parseCsp(p.headers.get('content-security-policy'));
  expect(csp['default-src']).toEqual(["'none'"]);
  expect(csp['base-uri']).toEqual(["'none'"]);
  expect(csp['frame-ancestors']).toEqual(["'none'"]);
  expect(p.headers.get('x-frame-options')).toBe('DENY');
  expect(p.headers.get('x-content-type-options')).toBe('nosniff');
  expect(p.headers.get('referrer-policy')).toBe('no-referrer');
  expect(p.headers.get('strict-transport-security')).toBe('max-age=15552000');
  expect(p.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const nonce = scriptNonce(p.html);
  expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  expect(csp['script-src']).toContain(`'nonce-${nonce}'`);
  expect(Object.values(csp).flat()).not.toContain("'unsafe-eval'");
  return csp;
}

describe('security headers: one middleware, a CSP per page', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('the upload page: its nonce for script and style, fetch to itself, no form posts', async () => {
    const p = await page(`${t.base}/upload/not-a-token`);
    expect(p.status).toBe(403); // the 链接无效 page
    const csp = expectLockedPage(p);
    const nonce = scriptNonce(p.html)!;
    expect(csp).toEqual({
      'default-src': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'none'"], 'frame-ancestors': ["'none'"],
      'style-src': [`'nonce-${nonce}'`], 'script-src': [`'nonce-${nonce}'`], 'connect-src': ["'self'"], 'img-src': ["'self'"],
    });
    // A fresh nonce per response.
    expect(scriptNonce((await page(`${t.base}/upload/not-a-token`)).html)).not.toBe(nonce);
  });

  it('the dashboard: ECharts from our origin, inline styles (ECharts tooltips), its sign-in form posts to itself', async () => {
    const p = await page(`${t.base}/dashboard`);
    expect(p.status).toBe(401);
    const csp = expectLockedPage(p);
    expect(csp['script-src']).toEqual(["'self'", `'nonce-${scriptNonce(p.html)}'`]);
    expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp['img-src']).toEqual(["'self'", 'data:']);
    expect(csp['form-action']).toEqual(["'self'"]);
    const js = await fetch(`${t.base}/dashboard/assets/echarts.min.js`);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    await js.arrayBuffer();
  });

  it('the material page may embed its PDF from our origin, and nothing else', async () => {
    const p = await page(`${t.base}/m/not-a-token`);
    expect(p.status).toBe(403);
    const csp = expectLockedPage(p);
    expect(csp['object-src']).toEqual(["'self'"]);
    expect(csp['frame-src']).toEqual(["'self'"]);
    expect(csp['form-action']).toEqual(["'none'"]);
    expect(p.headers.get('x-robots-tag')).toBe('noindex, nofollow');
  });

  it('files (a review document, a material PDF) carry no page CSP and may be framed by our own pages only', async () => {
    for (const url of [`${t.base}/review/doc/not-a-token`, `${t.base}/m/not-a-token/file`]) {
      const res = await fetch(url);
      expect([403, 404]).toContain(res.status);
      expect(res.headers.get('content-security-policy')).toBeNull();
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
      await res.text();
    }
  });

  it('the sandbox console: its nonce for script, inline styles, pictures from anywhere over http(s)', async () => {
    const app = express();
    const deps = { config: { tz: 'Asia/Shanghai', corpId: 'wwsandbox' }, state: {}, log: pino({ level: 'silent' }) } as unknown as ConsoleDeps;
    app.use('/sandbox', createConsoleRoutes(deps));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const p = await page(`http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/`);
      expect(p.status).toBe(200);
      const csp = expectLockedPage(p);
      expect(csp['script-src']).toEqual([`'nonce-${scriptNonce(p.html)}'`]);
      expect(csp['style-src']).toEqual(["'unsafe-inline'"]);
      expect(csp['img-src']).toEqual(["'self'", 'data:', 'http:', 'https:']);
      expect(csp['connect-src']).toEqual(["'self'"]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
