// crop.mjs — one region of the page: node tests/tools/crop.mjs "?query" width out.png [y] [height]
import { chromium } from 'playwright-core';
import { startServer } from '../../web/serve.mjs';
const server = await startServer(new URL('../../web/dist/', import.meta.url).pathname);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu'] });
const height = Number(process.argv[6] ?? 1000);
const page = await browser.newPage({ viewport: { width: Number(process.argv[3]), height } });
await page.goto(`${server.url}index.html${process.argv[2]}`);
await page.waitForTimeout(1200);
await page.screenshot({ path: process.argv[4], clip: { x: 0, y: Number(process.argv[5] ?? 0), width: Number(process.argv[3]), height } , fullPage: true});
await browser.close(); await server.close();
