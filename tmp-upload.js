const { chromium } = require('playwright-core');
const fs = require('fs');
(async () => {
  const dir = fs.mkdtempSync('/tmp/prof-');
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--disable-quic','--no-first-run'],
    viewport: { width: 1280, height: 900 } });
  const page = ctx.pages()[0];
  page.on('pageerror', e => console.log('pageerror:', e.message));
  await page.goto('http://localhost:3917/sandbox#u=huangwei');
  await page.waitForTimeout(1500);
  await page.fill('#text', '南山中医院 推进 价格谈判中'); await page.press('#text', 'Enter');
  const up = page.locator('a.upload').last();
  await up.waitFor();
  const [popup] = await Promise.all([ctx.waitForEvent('page'), up.click()]);
  await popup.waitForLoadState();
  fs.writeFileSync('/tmp/南山中医院报价单.pdf', '%PDF-1.4\n报价单 test\n');
  await popup.setInputFiles('#file', '/tmp/南山中医院报价单.pdf');
  await popup.click('#go');
  await popup.locator('#msg.ok').waitFor();
  await popup.screenshot({ path: '/tmp/upload-page.png' });
  await popup.close();
  await page.waitForTimeout(2000);
  await page.fill('#text', '南山中医院 推进 价格谈判中'); await page.press('#text', 'Enter');
  await page.waitForTimeout(2500);
  await page.screenshot({ path: '/tmp/after-upload.png' });
  await page.click('[data-advance="next monday"]');
  await page.waitForTimeout(3000);
  await page.click('[data-user="chenzhiqiang"]');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: '/tmp/sup-after.png' });
  await ctx.close();
})();
