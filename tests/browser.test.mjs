// browser.test.mjs — the same module in real Chromium: it loads from a plain
// static server, computes what Node computes, and bad input shows a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startServer } from '../web/serve.mjs';
import { diffJson, loadSimd, root } from './helpers.mjs';

let server, browser, page;
const consoleErrors = [];

before(async () => {
  server = await startServer(`${root}web/dist`);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(`${server.url}index.html?n_layers=3&norm=rmsnorm`);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the module runs in Chromium and matches Node exactly', async () => {
  const config = { n_layers: 4, norm: 'rmsnorm', placement: 'post', activation: 'swiglu', seed: 3 };
  const text = 'Browsers and Node share one module.';
  const inBrowser = await page.evaluate(async ([c, t]) => {
    const { NormScope } = await import('./normscope.js');
    const scope = await NormScope.load();
    return { simd: scope.simd, json: scope.run(c, t).toJSON({ full: true }) };
  }, [config, text]);
  assert.equal(inBrowser.simd, true);
  const node = (await loadSimd()).run(config, text).toJSON({ full: true });
  assert.deepEqual(diffJson(inBrowser.json, node, { atol: 0, rtol: 0 }), []);
});

test('the page builds its controls from the URL and draws every layer', async () => {
  assert.equal(await page.inputValue('select[name="norm"]'), 'rmsnorm');
  assert.equal(await page.locator('#table tr').count(), 1 + 3);
});

test('a bad value shows a message naming the field and keeps the last result', async () => {
  const before = await page.locator('#table').innerHTML();
  await page.fill('input[name="n_layers"]', '0');
  await page.dispatchEvent('input[name="n_layers"]', 'input');
  assert.match(await page.locator('#error').textContent(), /n_layers must be an integer from 1 to 96/);
  assert.equal(await page.locator('#table').innerHTML(), before);
  await page.fill('input[name="n_layers"]', '5');
  await page.dispatchEvent('input[name="n_layers"]', 'input');
  assert.equal(await page.locator('#error').textContent(), '');
  assert.equal(await page.locator('#table tr').count(), 1 + 5);
  await page.screenshot({ path: `${root}build/core-page.png`, fullPage: true });
});

test('no console errors', () => {
  assert.deepEqual(consoleErrors, []);
});
