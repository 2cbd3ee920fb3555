// reach.test.mjs — every reader: each plot has a text alternative with the
// engine's numbers; the page works from the keyboard with a visible focus;
// prefers-reduced-motion slows training's redraws; a 360 px phone with touch
// gets every panel without sideways scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser } from './browser.mjs';
import { loadSimd } from './helpers.mjs';
import { formatNumber } from '../web/src/plot.js';

let open, close, browser, server;
before(async () => ({ open, close, browser, server } = await startBrowser()));
after(() => close?.());

const scope = await loadSimd();
const TEXT = 'The quick brown fox jumps over the lazy dog.';
const shadow = (page, fn, arg) => page.evaluate(([body, a]) => new Function('root', 'arg', body)(document.querySelector('norm-scope').shadowRoot, a), [fn, arg]);

test('every panel says what its plot shows, in words and the engine\'s numbers', async () => {
  const { page, problems } = await open('index.html?n_layers=12&init=xavier');
  const summaries = await shadow(page, `return [...root.querySelectorAll('section.panel:not([hidden])')].map((s) => ({
    name: s.dataset.panel, text: root.getElementById(s.getAttribute('aria-describedby'))?.textContent ?? '' }));`);
  assert.equal(summaries.length, 15);
  for (const { name, text } of summaries) assert.ok(text.length > 20 && !/undefined|\[object/.test(text), `${name}: "${text}"`);
  const run = scope.run({ n_layers: 12, init: 'xavier' }, TEXT);
  const depth = summaries.find((s) => s.name === 'depth').text;
  assert.ok(depth.includes(`rms of resid_out grows from ${formatNumber(run.stat(0, 'resid_out', 'rms'))} at layer 0 to ${formatNumber(run.stat(11, 'resid_out', 'rms'))} at layer 11`), depth);
  const probs = Array.from(run.array('probs'));
  const best = probs.indexOf(Math.max(...probs));
  assert.ok(summaries.find((s) => s.name === 'next').text.includes(formatNumber(probs[best])));
  assert.match(summaries.find((s) => s.name === 'checks').text, /^5 of 5 checks verified/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the keyboard alone: Tab reaches the controls, Enter presses, arrows step, Shift+arrows move the token; focus is visible', async () => {
  const { page, problems } = await open('index.html');
  let found = false;
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await shadow(page, 'return root.activeElement?.textContent === "Post-norm";');
  }
  assert.ok(found, 'Tab reaches the Post-norm button');
  const outline = await shadow(page, 'const s = getComputedStyle(root.activeElement); return s.outlineStyle + " " + s.outlineWidth;');
  assert.match(outline, /^solid [1-9]/, `the focused button shows a focus ring (${outline})`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('placement') === 'post');
  await shadow(page, 'root.querySelector(".diagram").focus();');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  await page.waitForFunction(() => {
    const q = new URL(location.href).searchParams;
    return q.get('layer') === '1' && q.get('token') === '2' && q.get('head') === '1';
  });
  assert.deepEqual(problems, []);
  await page.close();
});

test('prefers-reduced-motion: training redraws the panels at most once a second', async () => {
  const counts = {};
  for (const motion of ['reduce', 'no-preference']) {
    const { page } = await open('index.html?n_layers=1&d_model=16&task=copy&panels=train,depth');
    await page.emulateMedia({ reducedMotion: motion });
    await page.evaluate(() => {
      window.draws = 0;
      document.querySelector('norm-scope').addEventListener('statechange', () => window.draws++);
    });
    await page.locator('norm-scope').getByRole('button', { name: 'Play', exact: true }).click();
    await page.waitForTimeout(4000);
    counts[motion] = await page.evaluate(() => window.draws);
    const steps = await shadow(page, 'return root.querySelector("header .status").textContent;');
    assert.match(steps, /trained \d+ steps/, `${motion}: training runs`);
    await page.close();
  }
  assert.ok(counts.reduce <= 5, `reduced motion: ${counts.reduce} redraws in 4 s`);
  assert.ok(counts['no-preference'] > counts.reduce, `without the preference it redraws more (${counts['no-preference']})`);
});

test('a 360 px phone with touch: every panel fits, a tap changes the model', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => document.querySelector('norm-scope')?.runs);
  await page.locator('norm-scope').getByRole('button', { name: 'RMSNorm', exact: true }).tap();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('norm') === 'rmsnorm');
  for (const section of await page.locator('norm-scope section.panel:not([hidden])').all()) {
    const box = await section.boundingBox();
    assert.ok(box.width <= 360, `${await section.getAttribute('data-panel')} fits in 360 px (is ${box.width})`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 0, `no sideways scroll at 360 px (overflow ${overflow})`);
  await page.locator('norm-scope section[data-panel=intervene] select[name=skip_layer]').selectOption('1');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('skip_layer') === '1');
  await page.screenshot({ path: new URL('../build/shots/phone-360.png', import.meta.url).pathname, fullPage: false });
  assert.deepEqual(errors, []);
  await context.close();
});
