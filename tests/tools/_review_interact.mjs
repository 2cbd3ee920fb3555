import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
const errors = [];
page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && errors.push(m.text()));
page.on('pageerror', (e) => errors.push('PAGEERROR ' + e.message));
const B = 'http://127.0.0.1:8411/index.html';
const st = async () => ({ where: await page.locator('.where').textContent(), url: page.url().replace(B, ''), msg: await page.locator('.message').textContent(), status: await page.locator('header .status').textContent() });
const log = async (label) => console.log(label, JSON.stringify(await st()));
await page.goto(B + '?n_layers=2');
await page.waitForTimeout(1200);
await log('start');
// keyboard stepping
await page.locator('.diagram svg').click({ position: { x: 5, y: 5 } });
await page.keyboard.press('ArrowRight'); await page.waitForTimeout(100); await log('after right');
await page.keyboard.press('ArrowDown'); await page.waitForTimeout(100); await log('after down');
await page.keyboard.press('ArrowDown'); await page.waitForTimeout(100); await log('after down again (end)');
for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
await page.waitForTimeout(100); await log('after 8 right');
console.log('focused:', await page.evaluate(() => { const r = document.querySelector('norm-scope').shadowRoot.activeElement; return r ? r.tagName + '.' + r.className : String(r); }));
// click on a diagram box
await page.locator('.diagram .node').nth(5).click(); await page.waitForTimeout(100); await log('after click node 5');
await page.keyboard.press('ArrowLeft'); await page.waitForTimeout(100); await log('after left (focus on node click?)');
// prev/next
await page.getByRole('button', { name: 'Next layer' }).click(); await page.waitForTimeout(100); await log('next at end');
await page.getByRole('button', { name: 'Previous layer' }).click(); await page.waitForTimeout(100); await log('prev');
await page.getByRole('button', { name: 'Previous layer' }).click(); await page.waitForTimeout(100); await log('prev at 0');
console.log('prev disabled?', await page.getByRole('button', { name: 'Previous layer' }).isDisabled());
await browser.close();
console.log('errors', errors);
