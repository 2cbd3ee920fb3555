// play.mjs — presses Play on the training panel and looks after a while:
// node tests/tools/play.mjs "?query" ms [page.png [height]]  (the panel in /tmp/train1.png)
import { chromium } from 'playwright-core';
import { startServer } from '../../web/serve.mjs';
const server = await startServer(new URL('../../web/dist/', import.meta.url).pathname);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const errors = [];
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
page.on('pageerror', (e) => errors.push(e.message));
await page.goto(`${server.url}index.html${process.argv[2] ?? ''}`);
await page.waitForTimeout(1000);
await page.locator('section[data-panel=train] button[data-action=play]').click();
await page.waitForTimeout(Number(process.argv[3] ?? 8000));
console.log(await page.locator('norm-scope header .status').textContent());
console.log(await page.locator('section[data-panel=train] .train-status').textContent());
await page.locator('section[data-panel=train]').screenshot({ path: '/tmp/train1.png' });
await page.evaluate(() => scrollTo(0, 0));
await page.screenshot({ path: process.argv[4] ?? '/tmp/trainpage.png', fullPage: true,
  clip: process.argv[5] ? { x: 0, y: 0, width: 1280, height: Number(process.argv[5]) } : undefined });
console.log('errors', errors);
await browser.close(); await server.close();
