const { chromium } = require('playwright-core');
const fs = require('fs');
(async () => {
  const dir = fs.mkdtempSync('/tmp/prof-');
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--disable-quic','--no-first-run'],
    viewport: { width: 1280, height: 900 } });
  const page = ctx.pages()[0];
  page.on('console', m => console.log('console:', m.text()));
  page.on('pageerror', e => console.log('pageerror:', e.message));
  await page.goto('http://localhost:3917/sandbox#u=huangwei');
  await page.waitForTimeout(1500);
  for (const t of ['帮助', '我的客户', '南山中医院 推进 价格谈判中']) {
    await page.fill('#text', t); await page.press('#text', 'Enter'); await page.waitForTimeout(1500);
  }
  await page.screenshot({ path: '/tmp/shot1.png' });
  await page.locator('.log').evaluate(e => e.scrollTop = 0);
  await page.screenshot({ path: '/tmp/shot1-top.png' });
  await ctx.close();
})();
