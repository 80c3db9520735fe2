/**
 * The dashboard page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): it renders the
 * heatmap with the expected red cell, a click on that cell lists the right 3 customers, the other panels fill in,
 * and a supervisor's page shows only their office. Screenshots go to test/artifacts/ (git-ignored). Skipped, with
 * a message, only when /usr/bin/chromium is missing and CI is not set (with CI=true a missing Chromium fails).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { AdjustableClock } from '../../app/clock';
import { dashboardKeys, dashboardLink } from '../../dashboard/access';
import { RED } from '../../dashboard/page';
import { startTestBot, type TestBot } from '../helpers/bot';
import { mockWecom, testConfig } from '../helpers/wecom';
import { NOW, seedHistory } from './dashboard-fixture';
import { CHROMIUM, describeWithChromium } from '../helpers/browser';

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

/** The texts of a chart that reach outside its drawing (cut off on the screen). */
function labelsOutside(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluate((svg) => {
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text')].filter((t) => {
      const r = t.getBoundingClientRect();
      return r.width > 0 && (r.right > box.right + 0.5 || r.left < box.left - 0.5);
    }).map((t) => t.textContent ?? '');
  });
}
// Skipped only without Chromium (describeWithChromium, test/helpers/browser.ts); under CI=true a missing Chromium fails instead.
describeWithChromium('the dashboard page in headless Chromium', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;
  let context: BrowserContext;
  let profile: string;
  const keys = dashboardKeys(testConfig());

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot({ clock: new AdjustableClock(NOW, { frozen: true }) });
    await seedHistory(t.db);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--disable-quic', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await t?.stop();
    wecom?.done();
  });

  async function open(userId: string, page?: Page): Promise<Page> {
    const p = page ?? (await context.newPage());
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await p.goto(await dashboardLink(t.base, userId, keys, NOW));
    expect(new URL(p.url()).pathname).toBe('/dashboard');
    await p.waitForFunction(() => (globalThis as unknown as { __dashboard?: { ready?: boolean } }).__dashboard?.ready === true, null, { timeout: 20_000 });
    expect(errors).toEqual([]);
    return p;
  }

  it('renders the heatmap with the red cell; a click on it lists the 3 longest-waiting customers', async () => {
    const page = await open('boss');
    expect(await page.title()).toBe('流程健康看板');
    // ECharts draws with its SVG renderer: exactly one cell is filled red.
    const redCells = await page.locator(`#heatmap svg path[fill="${RED}"]`).count();
    expect(redCells).toBe(1);
    const svgText = await page.locator('#heatmap svg').evaluate((el) => el.textContent ?? '');
    expect(svgText).toContain('华东办事处');
    expect(svgText).toContain('120h');

    const at = await page.evaluate(() => (globalThis as unknown as { __dashboard: { cellPixel(o: string, s: string): { x: number; y: number } } })
      .__dashboard.cellPixel('east', 'proposal_submitted'));
    await page.mouse.click(at.x, at.y);
    const items = page.locator('#drill-list li strong');
    await items.first().waitFor();
    expect(await items.allTextContents()).toEqual(['诚信制造', '丰华物流', '国瑞能源']);
    expect(await page.locator('#drill h3').textContent()).toBe('华东办事处 · 方案已提交：停留最久的客户');
    expect(await page.locator('#drill-list li').first().innerText()).toContain('客户还在内部审批');

    expect(await page.locator('#stalled li strong').allTextContents()).toEqual(['三江水务']);
    expect(await page.locator('#funnel svg').count()).toBe(1);
    expect(await labelsOutside(page, '#funnel svg')).toEqual([]); // a long bar's label (80%（4/5）) is not cut off
    expect(await page.locator('#objections svg').evaluate((el) => el.textContent ?? '')).toContain('嫌贵');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-admin.png'), fullPage: true });
    await page.close();
  });

  it('a supervisor sees only their office, on a phone-sized screen too', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await open('zhao', page);
    const options = await page.locator('#office option').allTextContents();
    expect(options).toEqual(['全部办事处', '华北办事处']);
    const svgText = await page.locator('#heatmap svg').evaluate((el) => el.textContent ?? '');
    expect(await labelsOutside(page, '#funnel svg')).toEqual([]);
    expect(svgText).toContain('华北办事处');
    expect(svgText).not.toContain('华东办事处');
    expect(await page.locator(`#heatmap svg path[fill="${RED}"]`).count()).toBe(0);
    const width = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    // The API refuses another office even when asked from inside the page.
    const status = await page.evaluate(() => fetch('/api/dashboard/heatmap?office=east').then((r) => r.status));
    expect(status).toBe(403);
    await page.close();
  });
});
