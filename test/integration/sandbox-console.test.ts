/**
 * The chat console in a real browser (headless Debian chromium through playwright-core): a rep creates a customer by
 * typing, moves it with a card button, then the supervisor's view shows the stage-change notice. Screenshots are kept
 * in test/artifacts/ (gitignored). .ci/run installs chromium; locally, without /usr/bin/chromium, this file is skipped (with CI=true it fails).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startSandbox, type DemoDriver } from '../../app/demo-driver';
import { CHROMIUM, describeWithChromium } from '../helpers/browser';

const ARTIFACTS = path.resolve(__dirname, '../artifacts');

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run',
];

// Skipped only without Chromium (describeWithChromium, test/helpers/browser.ts); under CI=true a missing Chromium fails instead.
describeWithChromium('sandbox chat console in chromium', () => {
  jest.setTimeout(120_000);
  let demo: DemoDriver;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  beforeAll(async () => {
    demo = await startSandbox();
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'spb-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 }, locale: 'zh-CN',
    });
    page = context.pages()[0] ?? await context.newPage();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await demo?.stop();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  it('a rep moves a customer with a card button and the supervisor sees the notice', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${demo.base}/sandbox`);
    await page.getByText('沙盒模式').first().waitFor();

    // Who am I: the rep 李晓明 (华东办事处).
    await page.locator('[data-user="lixiaoming"]').click();
    await page.locator('#me', { hasText: '李晓明' }).waitFor();

    // Type as in WeCom: the text is encrypted, signed and POSTed to /wecom/callback.
    await page.locator('#text').fill('新客户 浏览器测试医院 医疗');
    await page.locator('#text').press('Enter');
    const card = page.locator('.tc', { hasText: '浏览器测试医院' }).first();
    await card.waitFor();
    await page.locator('.row.me', { hasText: '新客户 浏览器测试医院' }).waitFor();

    // Press the main button (the next stage forward): a real template_card_event with the card's task_id and a fresh ResponseCode.
    const button = card.locator('.btns button[data-key]').first();
    const stage = (await button.textContent())!.trim().replace(/^推进到/, '');
    await button.click();
    await page.locator('.tc', { hasText: `推进到「${stage}」` }).first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'sandbox-console-rep.png') });

    // The supervisor has an unread badge, and her chat shows the notice card.
    await page.locator('[data-user="zhanghui"] .un').waitFor();
    await page.locator('[data-user="zhanghui"]').click();
    const notice = page.locator('.tc', { hasText: '【阶段变更】浏览器测试医院' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain(stage);
    await page.screenshot({ path: path.join(ARTIFACTS, 'sandbox-console-supervisor.png') });

    expect(errors).toEqual([]);
  });

  it('moves time from the console', async () => {
    const before = demo.now().getTime();
    await page.locator('[data-advance="1d"]').click();
    await page.locator('#toast', { hasText: '时间已到' }).waitFor();
    expect(demo.now().getTime() - before).toBeGreaterThanOrEqual(86_400_000);
  });
});
