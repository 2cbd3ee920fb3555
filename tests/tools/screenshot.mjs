// screenshot.mjs — a look at the page as a learner sees it:
// node tests/tools/screenshot.mjs "?query" width out.png [css selector]
import { chromium } from 'playwright-core';
import { startServer } from '../../web/serve.mjs';
const server = await startServer(new URL('../../web/dist/', import.meta.url).pathname);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu'] });
const query = process.argv[2] ?? '';
const width = Number(process.argv[3] ?? 1280);
const out = process.argv[4] ?? '/tmp/page.png';
const page = await browser.newPage({ viewport: { width, height: 900 } });
const errors = [];
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
page.on('pageerror', (e) => errors.push(e.message));
await page.goto(`${server.url}index.html${query}`);
await page.waitForTimeout(1500);
const selector = process.argv[5];
// playwright's CSS locators pierce the element's shadow root
if (selector) await page.locator(selector).first().screenshot({ path: out });
else await page.screenshot({ path: out, fullPage: true });
console.log('errors:', errors);
await browser.close(); await server.close();
