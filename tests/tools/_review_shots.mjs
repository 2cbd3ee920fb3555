// node tests/tools/_review_shots.mjs "?query" width prefix
import { chromium } from 'playwright-core';
const query = process.argv[2] ?? '';
const width = Number(process.argv[3] ?? 1280);
const prefix = process.argv[4];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu'] });
const page = await browser.newPage({ viewport: { width, height: 900 } });
const errors = [];
page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && errors.push(m.text()));
page.on('pageerror', (e) => errors.push(e.message));
await page.goto(`http://127.0.0.1:8411/index.html${query}`);
await page.waitForTimeout(1500);
const sel = process.argv.slice(5);
const panels = sel.length ? sel : ['header', 'form.controls', '.diagram', 'depth', 'histogram', 'vector', 'heatmap', 'rope', 'attention', 'next', 'speed'];
for (const p of panels) {
  const css = ['header', 'form.controls', '.diagram', '.message', 'footer'].includes(p) ? p : `section[data-panel=${p}]`;
  const loc = page.locator(css).first();
  if (!(await loc.isVisible().catch(() => false))) { console.log('hidden', p); continue; }
  await loc.screenshot({ path: `${prefix}_${p.replace(/[^a-z]/g, '')}.png` });
}
const msg = await page.locator('.message').first().textContent();
const status = await page.locator('header .status').first().textContent();
console.log('status:', status, '\nmessage:', msg, '\nurl:', page.url(), '\nerrors:', errors);
await browser.close();
