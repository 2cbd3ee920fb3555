// page.test.mjs — the page in real Chromium: no console errors and nothing
// fetched off the site; controls change the URL and the drawing; deep links
// restore state; stepping; hostile text; bad URL state; two elements on a
// host page; embed.html. Saves a screenshot of each panel under build/shots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { CSP } from '../web/serve.mjs';
import { startBrowser } from './browser.mjs';
import { diffJson, loadSimd, root } from './helpers.mjs';

let server, browser, open, close;
const shots = `${root}build/shots`;
mkdirSync(shots, { recursive: true });

before(async () => ({ server, browser, open, close } = await startBrowser()));
after(() => close?.());

const query = (page) => new URL(page.url()).searchParams;
const status = (page) => page.locator('norm-scope header .status').textContent();

test('the page loads with no console error and nothing fetched off the site', async () => {
  const { page, problems } = await open('index.html');
  assert.match(await status(page), /44 tokens · pre-norm LayerNorm/);
  assert.equal(await page.locator('norm-scope section.panel:not([hidden])').count(), 15);
  for (const name of ['LayerNorm', 'RMSNorm', 'None', 'Pre-norm', 'Post-norm', 'Previous layer', 'Next layer'])
    assert.equal(await page.getByRole('button', { name, exact: true }).count(), 1, `a button named ${name}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the module runs in Chromium and matches Node exactly', async () => {
  const { page } = await open('index.html');
  const config = { n_layers: 4, norm: 'rmsnorm', placement: 'post', activation: 'swiglu', seed: 3 };
  const text = 'Browsers and Node share one module.';
  const inBrowser = await page.evaluate(async ([c, t]) => {
    const { NormScope } = await import('./normscope.js');
    const scope = await NormScope.load();
    return { simd: scope.simd, json: scope.run(c, t, { grad: true }).toJSON({ full: true }) };
  }, [config, text]);
  assert.equal(inBrowser.simd, true);
  const node = (await loadSimd()).run(config, text, { grad: true }).toJSON({ full: true });
  assert.ok(node.grad_norms['output.weight'] > 0, 'the comparison includes the gradients');
  assert.deepEqual(diffJson(inBrowser.json, node, { atol: 0, rtol: 0 }), []);
  await page.close();
});

test('each control changes the URL and what is drawn', async () => {
  const { page, problems } = await open('index.html');
  const depthBefore = await page.locator('section[data-panel=depth] svg').innerHTML();
  await page.getByRole('button', { name: 'RMSNorm', exact: true }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('norm') === 'rmsnorm');
  assert.match(await status(page), /RMSNorm/);
  assert.notEqual(await page.locator('section[data-panel=depth] svg').innerHTML(), depthBefore);
  await page.getByRole('button', { name: 'Post-norm', exact: true }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('placement') === 'post');
  assert.match(await status(page), /post-norm RMSNorm/);
  const changes = [
    ['select[name=activation]', 'swiglu', 'activation'],
    ['select[name=pos]', 'learned', 'pos'],
    ['select[name=init]', 'xavier', 'init'],
    ['select[name=compare]', 'norm', 'compare'],
  ];
  for (const [selector, value, field] of changes) {
    await page.locator(`norm-scope ${selector}`).selectOption(value);
    await page.waitForFunction(([f, v]) => new URL(location.href).searchParams.get(f) === v, [field, value]);
  }
  assert.match(await status(page), /vs post-norm LayerNorm/);
  await page.getByRole('button', { name: 'Off', exact: true }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('residual') === 'off');
  assert.match(await status(page), /residual off/);
  await page.locator('norm-scope select[name=rope_pairing]').selectOption('half');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('rope_pairing') === 'half');
  for (const [name, value] of [['d_model', '48'], ['n_heads', '6'], ['seed', '7'], ['init_std', '0.05'], ['d_ff', '100'],
    ['rope_theta', '500'], ['norm_eps', '0.001'], ['max_tokens', '64']]) {
    await page.locator(`norm-scope input[name=${name}]`).fill(value);
    await page.waitForFunction(([f, v]) => new URL(location.href).searchParams.get(f) === v, [name, value]);
  }
  await page.locator('norm-scope input[name=n_layers]').fill('9');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('n_layers') === '9');
  assert.equal(await page.locator('section[data-panel=heatmap]').evaluate((s) => s.querySelector('svg .axis:last-of-type').querySelectorAll('.tick').length), 9);
  await page.locator('norm-scope textarea[name=text]').fill('Hello');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('text') === 'Hello');
  assert.match(await status(page), /^5 tokens/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the gradient panel: the Xiong preset, side by side, numbers from the engine', async () => {
  const { page, problems } = await open('index.html');
  const panel = page.locator('section[data-panel=gradients]');
  assert.match(await panel.locator('.plot-title').first().textContent(), /^pre-norm LayerNorm · loss 5\.\d+$/);
  await panel.getByRole('link', { name: /Xiong et al\. 2020/ }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('grad_seeds') === '6');
  const q = query(page);
  for (const [field, value] of [['init', 'xavier'], ['activation', 'relu'], ['placement', 'post'], ['compare', 'placement']])
    assert.equal(q.get(field), value, field);
  await page.waitForFunction(() => document.querySelector('norm-scope').shadowRoot.querySelectorAll('section[data-panel=gradients] .plot').length === 2);
  const titles = await panel.locator('.plot-title').allTextContents();
  assert.deepEqual(titles.map((t) => t.split(' · ')[0]), ['post-norm LayerNorm', 'pre-norm LayerNorm']);
  assert.ok(titles.every((t) => t.endsWith('mean of 6 seeds')));
  // the trend line is what the engine computes in Node, to the 4 digits shown
  const { gradientsOverSeeds } = await import('../web/src/gradient-seeds.js');
  const scope = await loadSimd(), model = scope.model();
  const text = 'The quick brown fox jumps over the lazy dog.';
  const base = { init: 'xavier', activation: 'relu', seed: 1 };
  const ratios = [];
  for (const placement of ['post', 'pre']) {
    const run = model.run({ ...base, placement }, 'ab', { grad: true });
    const K = run.layerTensors.length, k = run.layerTensors.indexOf('w1'), L = 6;
    const { mean } = gradientsOverSeeds(model, { ...run.config, seed: '1' }, text, 6).layerNorm;
    ratios.push(mean[(L - 1) * K + k] / mean[k]);
  }
  model.free();
  const trend = await panel.locator('.trend').first().textContent();
  const shown = [...trend.matchAll(/W1 ×([\d.]+)/g)].map((m) => Number(m[1]));
  assert.equal(shown.length, 2, trend);
  shown.forEach((v, i) => assert.ok(Math.abs(v - ratios[i]) <= 1e-3 * ratios[i], `${v} vs ${ratios[i]}`));
  assert.ok(shown[0] > 1 && shown[1] < 1, `post-norm grows toward the output, pre-norm does not: ${trend}`);
  await panel.locator('select').selectOption('stream');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('grad') === 'stream');
  assert.match(await panel.locator('.readout').textContent(), /resid_in .* resid_mid .* resid_out/);
  await page.locator('norm-scope textarea[name=text]').fill('x');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('text') === 'x');
  assert.match(await panel.locator('.caveat').textContent(), /at least 2 bytes/);
  assert.match(await status(page), /^1 tokens .* forward \d/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a model too large for gradients still runs its forward; the gradient panel says why', async () => {
  const text = 'a'.repeat(700);
  const { page, problems } = await open(`index.html?n_layers=24&d_ff=4096&n_heads=1&max_tokens=1024&text=${text}`);
  assert.match(await status(page), /^700 tokens · pre-norm LayerNorm · .*forward \d/);
  assert.equal(await page.locator('norm-scope .message').textContent(), '');
  assert.match(await page.locator('section[data-panel=gradients] .caveat').textContent(),
    /No gradients for this model: gradients for this text and config need \d+ MiB .* over the 448 MiB limit/);
  assert.equal(await page.locator('section[data-panel=depth] svg').count(), 1);
  assert.deepEqual(problems, []);
  await page.close();
});

test('training: play trains both placements in a worker, every panel follows, pause and reset', async () => {
  const { page, problems } = await open('index.html?compare=placement&n_layers=2&task=copy&lr=0.001&batch_size=16&seq_len=16&warmup=50');
  const panel = page.locator('section[data-panel=train]');
  assert.match(await panel.locator('.train-status').textContent(), /Not started/);
  const depthBefore = await page.locator('section[data-panel=depth] svg').innerHTML();
  await panel.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => /weights: trained (\d+)/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent)
    && Number(/trained (\d+)/.exec(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent)[1]) >= 40,
  null, { timeout: 20000 });
  assert.match(await panel.locator('.train-status').textContent(), /^step \d+ · [\d.]+ steps\/s · learning rate .* pre-norm LayerNorm [\d.]+ · post-norm LayerNorm [\d.]+$/);
  assert.equal(await panel.locator('path[stroke]').count() >= 2, true, 'two loss curves');
  assert.notEqual(await page.locator('section[data-panel=depth] svg').innerHTML(), depthBefore, 'the depth profile follows the weights');
  assert.equal(await panel.locator('.samples p').count(), 2);
  await panel.getByRole('button', { name: 'Pause' }).click();
  await page.waitForFunction(() => /paused/.test(document.querySelector('norm-scope').shadowRoot.querySelector('.train-status').textContent));
  const paused = await panel.locator('.train-status').textContent();
  await page.waitForTimeout(500);
  assert.equal(await panel.locator('.train-status').textContent(), paused, 'nothing moves while paused');
  await panel.getByRole('button', { name: 'Reset' }).click();
  await page.waitForFunction(() => /random init/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  assert.match(await panel.locator('.train-status').textContent(), /Not started/);
  assert.equal(await page.locator('section[data-panel=depth] svg').innerHTML(), depthBefore, 'reset: the initial weights again');
  // a training run that cannot start says why (and Play does not hide it)
  await panel.locator('input[name=seq_len]').fill('200');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('seq_len') === '200');
  await panel.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => /Training stopped: seq_len \(200\) must be at most max_tokens \(128\)/.test(
    document.querySelector('norm-scope').shadowRoot.querySelector('.train-status').textContent), null, { timeout: 10000 });
  await panel.getByRole('button', { name: 'Play' }).click();
  await page.waitForTimeout(300);
  assert.match(await panel.locator('.train-status').textContent(), /seq_len \(200\) must be at most max_tokens/);
  // a training field is checked by C and named
  await panel.locator('input[name=lr]').fill('5');
  await page.waitForFunction(() => /lr must be a number greater than 0 and at most 1/.test(
    document.querySelector('norm-scope').shadowRoot.querySelector('.message').textContent));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the shipped copy checkpoint loads beside the same model at init', async () => {
  const { page, problems } = await open('index.html');
  await page.locator('section[data-panel=train]').getByRole('link', { name: /trained copy model/ }).click();
  await page.waitForFunction(() => /weights: from file/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  const q = query(page);
  assert.equal(q.get('weights'), 'copy');
  assert.equal(q.get('compare'), 'init');
  assert.equal(q.get('n_layers'), '2', 'the checkpoint\'s own shape');
  assert.match(await status(page), /pre-norm LayerNorm vs pre-norm LayerNorm at init/);
  // "bzkayqp|bzkay": the trained model puts most of its probability on "q", the one at init on nothing
  const next = await page.locator('section[data-panel=next]').textContent();
  const [trained, init] = next.split('at init');
  assert.match(trained, /after “y”: pre-norm LayerNorm\s*q/);
  assert.ok(Number(/0\.\d+/.exec(trained.split('0.20.40.60.81')[1])[0]) > 0.5, trained);
  assert.ok(Number(/0\.\d+/.exec(init.split('0.20.40.60.81')[1])[0]) < 0.05, init);
  // training from the checkpoint, then Reset: back to the checkpoint, not to the seed
  await page.locator('section[data-panel=train]').getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => /weights: trained/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent),
    null, { timeout: 20000 });
  await page.locator('section[data-panel=train]').getByRole('button', { name: 'Reset' }).click();
  await page.waitForFunction(() => /weights: from file/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  assert.equal(query(page).get('weights'), 'copy');
  assert.equal(await page.locator('norm-scope .message').textContent(), '');
  // back to the seed's weights
  await page.locator('norm-scope select[name=weights]').selectOption('init');
  await page.waitForFunction(() => /random init/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  assert.deepEqual(problems, []);
  await page.close();
});

test('a deep link restores state and controls', async () => {
  const { page, problems } = await open('index.html?n_layers=12&norm=rmsnorm&placement=post&layer=5&site=ffn_norm&text=Deep%20link&compare=residual&seed=42');
  assert.match(await status(page), /^9 tokens · post-norm RMSNorm vs post-norm RMSNorm, residual off/);
  assert.equal(await page.locator('norm-scope input[name=n_layers]').inputValue(), '12');
  assert.equal(await page.locator('norm-scope input[name=seed]').inputValue(), '42');
  assert.equal(await page.locator('norm-scope select[name=compare]').inputValue(), 'residual');
  assert.equal(await page.locator('norm-scope textarea[name=text]').inputValue(), 'Deep link');
  assert.equal(await page.getByRole('button', { name: 'RMSNorm', exact: true }).getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByRole('button', { name: 'Post-norm', exact: true }).getAttribute('aria-pressed'), 'true');
  assert.match(await page.locator('norm-scope .stepper .where').textContent(), /layer 5 · ffn_norm/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('stepping moves the layer and site in the URL (buttons and arrow keys)', async () => {
  const { page } = await open('index.html?n_layers=3');
  await page.getByRole('button', { name: 'Next layer' }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('layer') === '1');
  await page.getByRole('button', { name: 'Next layer' }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('layer') === '2');
  assert.equal(await page.getByRole('button', { name: 'Next layer' }).isDisabled(), true, 'no next layer after the last');
  await page.getByRole('button', { name: 'Previous layer' }).click();
  await page.waitForFunction(() => new URL(location.href).searchParams.get('layer') === '1');
  await page.locator('norm-scope .diagram').focus();
  await page.keyboard.press('ArrowRight');  // attn_norm → attn_out
  await page.waitForFunction(() => new URL(location.href).searchParams.get('site') === 'attn_out');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('layer') === '2');
  assert.match(await page.locator('norm-scope .diagram').textContent(), /layer 2 of 0–2 · site attn_out/);
  await page.close();
});

test('hostile text in the URL runs no script and is shown as text', async () => {
  const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  const { page, problems } = await open(`index.html?text=${encodeURIComponent(hostile)}&max_tokens=256`);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('norm-scope textarea[name=text]').inputValue(), hostile);
  assert.equal(await page.locator('norm-scope img').count(), 0);
  assert.deepEqual(problems.filter((p) => !p.includes('/x')), []);
  await page.close();
});

test('bad URL state shows a message naming the field and the range; the field falls back', async () => {
  let { page, problems } = await open('index.html?n_layers=500&norm=batchnorm&layer=3&panels=depth,bogus&scale=99&d_model=64&grad_seeds=9&grad=loss');
  const message = await page.locator('norm-scope .message').textContent();
  assert.match(message, /n_layers must be an integer from 1 to 96 \(got "500"\)/);
  assert.match(message, /norm must be one of: layernorm rmsnorm none \(got "batchnorm"\)/);  // C's words
  assert.match(message, /panels must be .*depth, intervene, branches, lens, outliers, gradients/);
  assert.match(message, /grad_seeds must be an integer from 1 to 8 \(got "9"\)/);
  assert.match(message, /grad must be one of: ffn, attention, norms, stream \(got "loss"\)/);
  assert.match(message, /scale must be a number from 0.1 to 10/);
  assert.match(await status(page), /pre-norm LayerNorm/);  // defaults
  assert.equal(await page.locator('norm-scope input[name=n_layers]').inputValue(), '6');
  assert.match(await page.locator('norm-scope .stepper .where').textContent(), /layer 3/);  // the valid part stays
  await page.close();
  const deep = await open('index.html?n_layers=4&layer=9&head=7');
  const deepMessage = await deep.page.locator('norm-scope .message').textContent();
  assert.match(deepMessage, /layer must be 0 to 3 for this model \(got 9\)/);
  assert.match(deepMessage, /head must be 0 to 3 for this model \(got 7\)/);
  assert.match(await deep.page.locator('norm-scope .stepper .where').textContent(), /layer 0/);
  await deep.page.close();
  ({ page, problems } = await open('index.html?n_layers=500&norm=batchnorm'));
  // a bad typed value: message, the last drawing stays, the page keeps working
  await page.locator('norm-scope input[name=d_model]').fill('30');
  await page.waitForFunction(() => /d_model \(30\) must be divisible by n_heads \(4\)/.test(
    document.querySelector('norm-scope').shadowRoot.querySelector('.message').textContent));
  assert.equal(await page.locator('section[data-panel=depth] svg').count(), 1);
  await page.locator('norm-scope input[name=d_model]').fill('32');
  await page.waitForFunction(() => document.querySelector('norm-scope').shadowRoot.querySelector('.message').textContent === '');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the speed panel times LayerNorm and RMSNorm at the current d_model', async () => {
  const { page, problems } = await open('index.html?d_model=128&panels=speed');
  const readout = page.locator('section[data-panel=speed] .readout');
  assert.match(await readout.textContent(), /Press the button/);
  await page.getByRole('button', { name: 'Time both norms at d_model 128' }).click();
  await page.waitForFunction(() => /LayerNorm [\d.]+ µs, RMSNorm [\d.]+ µs/.test(
    document.querySelector('norm-scope').shadowRoot.querySelector('section[data-panel=speed] .readout').textContent));
  assert.match(await readout.textContent(), /ratio \d+\.\d\d, quartiles \d+\.\d\d–\d+\.\d\d/);
  assert.equal(await page.locator('section[data-panel=speed] circle').count(), 30);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page runs under a strict Content-Security-Policy, which is enforced', async () => {
  const { page, problems } = await open('index.html?panels=all&compare=placement');
  const response = await page.request.get(`${server.url}index.html`);
  assert.equal(response.headers()['content-security-policy'], CSP);
  // the policy is live: an injected inline script and style are refused, and
  // the refusals are seen (and removed from the problems this test expects)
  const ran = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.inlineRan = true';
    document.body.append(script);
    const style = document.createElement('style');
    style.textContent = 'body { background: rgb(1, 2, 3); }';
    document.head.append(style);
    return window.inlineRan === true || getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)';
  });
  assert.equal(ran, false, 'inline script or style ran under the policy');
  await page.waitForFunction(() => true);
  const blocked = problems.filter((p) => p.startsWith('CSP blocked') || /Content Security Policy/.test(p));
  assert.ok(blocked.length >= 2, `the two injections were reported: ${problems.join(' | ')}`);
  problems.length = 0;
  // every panel drew, training runs in its worker, and nothing else was refused
  assert.equal(await page.locator('norm-scope section.panel:not([hidden])').count(), 15);
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => /step [1-9]/.test(document.querySelector('norm-scope').shadowRoot
    .querySelector('section[data-panel=train] .train-status').textContent));
  await page.getByRole('button', { name: 'Pause' }).click();
  assert.deepEqual(problems, []);
  // what the policy relies on, checked in the files themselves
  for (const file of ['index.html', 'embed.html']) {
    const html = readFileSync(`${root}web/dist/${file}`, 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${file}: an inline script`);
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, `${file}: inline style or handler`);
  }
  for (const bundle of ['normscope.js', 'train-worker.js'])
    assert.doesNotMatch(readFileSync(`${root}web/dist/${bundle}`, 'utf8'), /\beval\(|new Function\(/, `${bundle}: eval`);
  await page.close();
});

test('a panel exports as PNG and the run as JSON', async () => {
  const { page } = await open('index.html?n_layers=3&panels=depth,attention,heatmap&compare=norm');
  for (const panel of ['depth', 'attention', 'heatmap']) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(`section[data-panel=${panel}] .panel-head button`).click(),
    ]);
    const bytes = readFileSync(await download.path());
    assert.equal(download.suggestedFilename(), `normscope-${panel}.png`);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'PNG magic');
    assert.ok(bytes.length > 5000, `${panel} PNG has content (${bytes.length} bytes)`);
    // the plot itself was painted: inside its first SVG's box (or canvas's), ink where the screen has ink
    const ink = await page.evaluate(async ([name, png]) => {
      const section = document.querySelector('norm-scope').shadowRoot.querySelector(`section[data-panel=${name}]`);
      const plot = section.querySelector('.body svg, .body canvas');
      const box = section.getBoundingClientRect(), r = plot.getBoundingClientRect();
      const image = await createImageBitmap(new Blob([new Uint8Array(png)], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(image.width, image.height);
      const ctx = canvas.getContext('2d');
      ctx.drawImage(image, 0, 0);
      const x = Math.round((r.left - box.left) * 2), y = Math.round((r.top - box.top) * 2);
      const { data } = ctx.getImageData(x, y, Math.round(r.width * 2), Math.round(r.height * 2));
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) dark += data[i] + data[i + 1] + data[i + 2] < 600;
      return { dark, total: data.length / 4 };
    }, [panel, [...bytes]]);
    assert.ok(ink.dark > ink.total * 0.01, `${panel}: the exported plot is blank (${ink.dark} of ${ink.total} pixels inked)`);
    await download.saveAs(`${shots}/export-${panel}.png`);
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export run as JSON' }).click()]);
  const json = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(json.layers.length, 3);
  assert.equal(json.layers[0].attn_probs.length, 4);
  await page.close();
});

test('a bad weights file is refused with a message and the model is kept', async () => {
  const { page } = await open('index.html?n_layers=2');
  await page.locator('norm-scope input[type=file]').setInputFiles({ name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a checkpoint at all') });
  await page.waitForFunction(() => /broken\.safetensors: .*previous model is kept/.test(
    document.querySelector('norm-scope').shadowRoot.querySelector('.message').textContent));
  assert.match(await status(page), /random init/);
  const good = await page.evaluate(async () => {
    const { NormScope } = await import('./normscope.js');
    return Array.from((await NormScope.load()).save({ n_layers: 3, norm: 'rmsnorm', seed: 5 }));
  });
  await page.locator('norm-scope input[type=file]').setInputFiles({ name: 'good.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(good) });
  await page.waitForFunction(() => /weights: from file/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  assert.match(await status(page), /pre-norm RMSNorm/);
  assert.equal(await page.locator('norm-scope input[name=n_layers]').inputValue(), '3');
  // a behaviour field keeps the file's weights; a weight-shaping one starts a random init
  await page.getByRole('button', { name: 'Off', exact: true }).click();
  await page.waitForFunction(() => /residual off · .*weights: from file/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  await page.locator('norm-scope input[name=seed]').fill('6');
  await page.waitForFunction(() => /weights: random init, seed 6/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  await page.close();
});

test('two <norm-scope> elements on a host page render independently and leave its styles alone', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.route(`${server.url}host.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html><head><link rel="icon" href="data:,"><style>body{font-family:serif;color:rgb(10,20,30)} h3{color:rgb(200,0,0)}</style>
      <script type="module" src="./normscope.js"></script></head><body><h3 id="host">Host heading</h3>
      <norm-scope id="one" norm="rmsnorm" n-layers="2" panels="depth"></norm-scope>
      <norm-scope id="two" placement="post" n-layers="3" panels="vector,next" controls="none"></norm-scope></body></html>`,
  }));
  await page.goto(`${server.url}host.html`);
  await page.waitForFunction(() => [...document.querySelectorAll('norm-scope')].every((e) => e.runs));
  const statuses = await page.$$eval('norm-scope', (els) => els.map((e) => e.shadowRoot.querySelector('header .status').textContent));
  assert.match(statuses[0], /pre-norm RMSNorm/);
  assert.match(statuses[1], /post-norm LayerNorm/);
  assert.equal(await page.locator('#one section.panel:not([hidden])').count(), 1);
  assert.equal(await page.locator('#two section.panel:not([hidden])').count(), 2);
  assert.equal(await page.locator('#two form.controls > *').count(), 0);
  assert.equal(await page.$eval('#host', (h) => getComputedStyle(h).color), 'rgb(200, 0, 0)');
  assert.equal(await page.$eval('body', (b) => getComputedStyle(b).fontFamily), 'serif');
  // attributes react when changed
  await page.$eval('#one', (e) => e.setAttribute('n-layers', '4'));
  await page.waitForFunction(() => /^44 tokens/.test(document.querySelector('#one').shadowRoot.querySelector('header .status').textContent)
    && document.querySelector('#one').runs.a.config.n_layers === 4);
  await page.$eval('#two', (e) => e.setAttribute('norm', 'nonsense'));
  await page.waitForFunction(() => /norm must be one of/.test(document.querySelector('#two').shadowRoot.querySelector('.message').textContent));
  assert.equal(new URL(page.url()).search, '', 'elements without url-state leave the URL alone');
  assert.deepEqual(problems, []);
  await page.close();
});

test('embed.html loads with state from its URL', async () => {
  const { page, problems } = await open('embed.html?norm=rmsnorm&panels=depth&controls=norm,placement');
  assert.match(await status(page), /RMSNorm/);
  assert.equal(await page.locator('norm-scope section.panel:not([hidden])').count(), 1);
  assert.equal(await page.locator('norm-scope form.controls fieldset').count(), 2);
  assert.deepEqual(problems, []);
  await page.close();
});

test('each panel draws at 1280 and 400 px wide (screenshots in build/shots/)', async () => {
  for (const width of [1280, 400]) {
    const { page, problems } = await open('index.html?compare=placement&n_layers=8&init=xavier', { width });
    await page.locator('section[data-panel=speed] .sub button').click();
    await page.locator('section[data-panel=speed] svg').waitFor();
    for (const section of await page.locator('norm-scope section.panel').all()) {
      const name = await section.getAttribute('data-panel');
      const box = await section.boundingBox();
      assert.ok(box.width <= width, `${name} fits in ${width} px (is ${box.width})`);
      assert.ok(await section.locator('svg, canvas, .badge').count() > 0, `${name} draws something`);
      await section.screenshot({ path: `${shots}/${name}-${width}.png` });
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `no horizontal scroll at ${width} px (overflow ${overflow})`);
    await page.screenshot({ path: `${shots}/page-${width}.png`, fullPage: width === 1280 });
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('a moved element keeps its models and its training; a removed one stops training and frees its models', async () => {
  const { page, problems } = await open('index.html?n_layers=2&task=copy&seq_len=16&batch_size=4&panels=train');
  await page.getByRole('button', { name: 'Play' }).click();
  const steps = () => page.evaluate(() => document.querySelector('norm-scope').training.steps);
  await page.waitForFunction(() => document.querySelector('norm-scope').training.steps > 5);
  const moved = await page.evaluate(() => {
    const el = document.querySelector('norm-scope');
    const model = el.modelA;
    const box = document.createElement('div');
    document.body.append(box);
    box.append(el);  // out and back in within one task: a move
    return new Promise((done) => setTimeout(() => done({ same: el.modelA === model, worker: !!el.training.worker }), 50));
  });
  assert.deepEqual(moved, { same: true, worker: true });
  const before = await steps();
  await page.waitForFunction((n) => document.querySelector('norm-scope').training.steps > n + 5, before);
  const inUse = () => page.evaluate(() => customElements.get('norm-scope').scope.memory().inUse);
  const held = await inUse();
  const removed = await page.evaluate(() => {
    const el = document.querySelector('norm-scope');
    el.remove();
    return new Promise((done) => setTimeout(() => done({ worker: !!el.training.worker, model: el.modelA, ready: el.ready }), 50));
  });
  assert.deepEqual(removed, { worker: false, model: null, ready: false });
  assert.ok(await inUse() < held, 'the removed element gave its models back');
  assert.deepEqual(problems, []);
  await page.close();
});

test('without WASM SIMD the page loads the scalar build and shows the same numbers, bit for bit', async () => {
  const json = async (page) => page.evaluate(() => JSON.stringify(document.querySelector('norm-scope').runs.a.toJSON({ full: true })));
  const query = 'index.html?n_layers=3&norm=rmsnorm&placement=post&text=SIMD%20or%20not';
  const page = await browser.newPage();
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(new URL(r.url()).pathname));
  await page.addInitScript(() => { WebAssembly.validate = () => false; });  // an engine without SIMD, as the probe sees it
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => document.querySelector('norm-scope')?.runs);
  assert.deepEqual(wasm, ['/normscope-scalar.wasm']);
  assert.equal(await page.evaluate(() => customElements.get('norm-scope').scope.simd), false);
  const { page: simdPage } = await open(query);
  assert.equal(await simdPage.evaluate(() => customElements.get('norm-scope').scope.simd), true);
  assert.equal(await json(page), await json(simdPage));
  await page.close();
  await simdPage.close();
});

test('an automated accessibility scan (axe-core) finds nothing on the page, in German, on a phone, in the embed or the lesson', async () => {
  const axe = readFileSync(`${root}node_modules/axe-core/axe.min.js`, 'utf8');
  for (const [path, width] of [['index.html?compare=placement', 1280], ['index.html?compare=norm', 400], ['index.html?lang=de&skip_layer=1', 360],
    ['embed.html?panels=depth,vector,rope', 800], ['lesson.html', 1280]]) {
    const { page, problems } = await open(path, { width, scope: !path.startsWith('lesson') });
    if (path.startsWith('lesson')) await page.waitForFunction(() => document.body.dataset.ready === 'true');
    await page.evaluate(axe);  // through the DevTools protocol: the page's CSP does not apply to the test's own script
    const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    assert.deepEqual(violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}: ${v.nodes[0].target.join(' ')})`), [], `${path} at ${width} px`);
    assert.deepEqual(problems, []);
    await page.close();
  }
});
