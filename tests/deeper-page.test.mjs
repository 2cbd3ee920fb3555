// deeper-page.test.mjs — the interventions, logit lens, branches, outliers
// and checks panels in Chromium, in the page and embedded; every number they
// print is the engine's (itself held to the numpy reference via the CLI).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser } from './browser.mjs';
import { loadSimd } from './helpers.mjs';
import { formatNumber } from '../web/src/plot.js';

let open, close;
before(async () => ({ open, close } = await startBrowser()));
after(() => close?.());

const scope = await loadSimd();
const TEXT = 'The quick brown fox jumps over the lazy dog.';
const params = (page) => new URL(page.url()).searchParams;
const panel = (page, name) => page.locator(`norm-scope section[data-panel=${name}]`);
const readoutOf = (page, name) => panel(page, name).locator('.readout').last().textContent();

test('the checks are green on the default model, with the engine\'s numbers', async () => {
  const { page, problems } = await open('index.html');
  const badges = panel(page, 'checks').locator('.badge');
  assert.equal(await badges.count(), 5);
  assert.equal(await panel(page, 'checks').locator('.badge.ok').count(), 5);
  const checks = scope.run({}, TEXT).checks();
  for (const [name, check] of Object.entries(checks))
    assert.match(await panel(page, 'checks').locator(`[data-check=${name}] small`).textContent(),
      new RegExp(`worst ${formatNumber(check.worst).replace('.', '\\.')} ≤`), name);
  // RMSNorm with learned positions: the mean and RoPE checks do not apply, and say why
  await page.goto(page.url().replace(/\?.*|$/, '?norm=rmsnorm&pos=learned'));
  // after a navigation the element is upgraded a moment later: ask without throwing until it is
  await page.waitForFunction(() => document.querySelector('norm-scope')?.shadowRoot?.querySelectorAll('.badge.na').length === 3);
  assert.match(await panel(page, 'checks').locator('[data-check=norm_mean]').textContent(), /RMSNorm does not subtract the mean/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('interventions from the page: each control changes the URL, the drawing and the numbers, against the unmodified run', async () => {
  const { page, problems } = await open('index.html');
  assert.match(await readoutOf(page, 'intervene'), /No intervention is set/);
  await panel(page, 'intervene').locator('select[name=skip_layer]').selectOption('2');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('skip_layer') === '2');
  await page.waitForFunction(() => /unmodified/.test(document.querySelector('norm-scope').shadowRoot
    .querySelector('section[data-panel=intervene] .readout').textContent));
  const run = scope.run({ skip_layer: '2' }, TEXT);
  const base = run.baseline();
  const text = await readoutOf(page, 'intervene');
  assert.ok(text.includes(`rms ${formatNumber(run.stat(5, 'resid_out', 'rms'))} (unmodified ${formatNumber(base.stat(5, 'resid_out', 'rms'))})`), text);
  assert.equal(await panel(page, 'intervene').locator('path[stroke-dasharray="6 4"]').count(), 1, 'the unmodified run is drawn dashed');
  // the gradient panel says why it has nothing, instead of failing
  assert.match(await panel(page, 'gradients').textContent(), /skip_layer is 2: gradients and training run the unmodified model only/);

  await panel(page, 'intervene').locator('select[name=zero_head]').selectOption('1.3');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('zero_head') === '1.3');
  await panel(page, 'intervene').locator('select[name=remove_norm]').selectOption('final_norm');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('remove_norm') === 'final_norm');
  await panel(page, 'intervene').getByRole('button', { name: /DeepNet/ }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('residual_scale') === String(Number((12 ** 0.25).toFixed(6))));
  const all = scope.run({ skip_layer: '2', zero_head: '1.3', remove_norm: 'final_norm', residual_scale: String(Number((12 ** 0.25).toFixed(6))) }, TEXT);
  const top = Array.from(all.array('probs')).reduce((best, p, i, a) => (p > a[best] ? i : best), 0);
  assert.ok((await readoutOf(page, 'intervene')).includes(`p = ${formatNumber(all.array('probs')[top])}`));
  // the lens says the final norm is gone
  assert.match(await panel(page, 'lens').textContent(), /The final norm is removed/);
  assert.match(await panel(page, 'branches').textContent(), /skip path is scaled by α = 1\.861/);

  await panel(page, 'intervene').getByRole('button', { name: 'Clear all' }).click();
  await page.waitForFunction(() => !/skip_layer|zero_head|remove_norm|residual_scale/.test(location.search));
  assert.match(await readoutOf(page, 'intervene'), /No intervention is set/);
  // a typed α out of range: a message naming the field and its range, and the page keeps working
  await panel(page, 'intervene').locator('input[name=residual_scale]').fill('250');
  await panel(page, 'intervene').locator('input[name=residual_scale]').dispatchEvent('change');
  await page.waitForFunction(() => /residual_scale must be a number from 0 to 100/.test(
    document.querySelector('norm-scope').shadowRoot.querySelector('.message').textContent));
  assert.equal(params(page).get('residual_scale'), null);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a bad intervention in the link shows a message naming the field and falls back', async () => {
  const { page, problems } = await open('index.html?skip_layer=9&zero_head=0.x');
  const message = await page.locator('norm-scope .message').textContent();
  assert.match(message, /zero_head must be none or layer\.head/);
  assert.match(message, /skip_layer must be none or a layer from 0 to 5/);
  assert.match(await readoutOf(page, 'intervene'), /No intervention is set/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the logit lens on the shipped copy checkpoint: the page counts what the engine counts; raw and post-norm readings', async () => {
  const text = 'copy copy copy copy';
  const { page, problems } = await open(`index.html?weights=copy&text=${encodeURIComponent(text)}`);
  await page.waitForFunction(() => /weights: from file/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  await page.waitForFunction(() => /The last row is the model's own prediction/.test(
    document.querySelector('norm-scope').shadowRoot.querySelector('section[data-panel=lens]').textContent));
  const bytes = (await page.evaluate(() => fetch('checkpoints/copy-layernorm-pre.safetensors').then((r) => r.arrayBuffer()).then((b) => Array.from(new Uint8Array(b)))));
  const model = scope.model();
  model.load(Uint8Array.from(bytes));
  const lens = model.run(null, text).lens();
  const next = Array.from(new TextEncoder().encode(text)).slice(1);
  const right = next.filter((b, t) => lens.top[(lens.rows - 1) * lens.T + t] === b).length;
  assert.ok(right > 0, 'the trained copy model gets some bytes right');
  const shown = await panel(page, 'lens').textContent();
  assert.match(shown, new RegExp(`${right} of ${next.length} next bytes right`), shown);
  await panel(page, 'lens').locator('select').selectOption('raw');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('lens') === 'raw');
  assert.match(await panel(page, 'lens').textContent(), /read raw/);
  model.free();
  await page.goto(page.url().replace(/\?.*/, '?placement=post'));
  await page.waitForFunction(() => /Post-norm has no final norm/.test(
    document.querySelector('norm-scope')?.shadowRoot?.querySelector('section[data-panel=lens]')?.textContent ?? ''));
  assert.equal(await panel(page, 'lens').locator('select').isDisabled(), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a checkpoint with a massive channel is flagged; a NaN-filled one turns the checks red without breaking the page', async () => {
  const { page, problems } = await open('index.html?n_layers=3');
  const model = scope.model();
  const bytes = model.save({ n_layers: 3 });
  const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + header)));
  const [begin] = meta['tok_embeddings.weight'].data_offsets;
  const massive = bytes.slice();
  const emb = new Float32Array(massive.buffer, 8 + header + begin, 256 * 64);
  for (let b = 0; b < 256; b++) emb[b * 64 + 11] = 40;  // channel 11 of every byte's embedding
  await page.locator('norm-scope input[type=file]').setInputFiles({ name: 'massive.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(massive) });
  await page.waitForFunction(() => /weights: from file/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  const outliers = await panel(page, 'outliers').textContent();
  assert.match(outliers, /channel 11 [\d.]+ \([\d.]+× median, flagged\)/);
  assert.match(outliers, /3 flagged channel\(s\) across 3 layers/);

  const nan = bytes.slice();
  new Float32Array(nan.buffer, 8 + header).fill(NaN);
  await page.locator('norm-scope input[type=file]').setInputFiles({ name: 'nan.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(nan) });
  await page.waitForFunction(() => document.querySelector('norm-scope').shadowRoot.querySelectorAll('.badge.failed').length === 5);
  assert.match(await panel(page, 'checks').locator('[data-check=softmax_sum]').textContent(), /✗ .*worst NaN/);
  for (const name of ['lens', 'branches', 'outliers', 'intervene', 'depth'])
    assert.doesNotMatch(await panel(page, name).textContent(), /could not draw/, `${name} draws NaN as data`);
  assert.match(await readoutOf(page, 'lens'), /p = NaN/);
  model.free();
  assert.deepEqual(problems, []);
  await page.close();
});

test('embedded: the five panels draw in embed.html with an intervention from the URL', async () => {
  const { page, problems } = await open('embed.html?panels=checks,intervene,branches,lens,outliers&skip_layer=1&lens=raw', { width: 720 });
  assert.equal(await page.locator('norm-scope section.panel:not([hidden])').count(), 5);
  assert.match(await readoutOf(page, 'intervene'), /unmodified/);
  assert.equal(await panel(page, 'checks').locator('.badge.ok').count(), 5);
  for (const name of ['intervene', 'branches', 'lens', 'outliers'])
    assert.ok(await panel(page, name).locator('svg').count() > 0, `${name} draws`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a loaded checkpoint keeps the learner\'s interventions (they are not the file\'s)', async () => {
  const { page, problems } = await open('index.html?weights=copy&skip_layer=1');
  await page.waitForFunction(() => /weights: from file/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  assert.equal(params(page).get('skip_layer'), '1');
  assert.equal(await panel(page, 'intervene').locator('select[name=skip_layer]').inputValue(), '1');
  assert.match(await readoutOf(page, 'intervene'), /unmodified/);
  assert.deepEqual(problems, []);
  await page.close();
});
