// lesson.test.mjs — a lesson page driving normscope: the element's methods and
// statechange event; the postMessage protocol of embed.html with its origin
// checks (a second server is a second origin); the example lesson page, whose
// read-outs must be the engine's numbers.
import { test, before, after } from 'node:test';
import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import { startBrowser } from './browser.mjs';
import { loadSimd } from './helpers.mjs';

let open, close, server, courseSite;
// A course site on another origin (another port), whose own policy lets it frame normscope.
before(async () => {
  ({ open, close, server } = await startBrowser());
  courseSite = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': `default-src 'self'; frame-src ${server.url}` });
    response.end('<!doctype html><title>course</title><body></body>');
  });
  await new Promise((resolve) => courseSite.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await close?.();
  courseSite?.close();
});
const course = () => `http://127.0.0.1:${courseSite.address().port}`;

const scope = await loadSimd();
const TEXT = 'The quick brown fox jumps over the lazy dog.';

test('the element\'s methods: setState, go, highlight, getState, summary, and the statechange event', async () => {
  const { page, problems } = await open('index.html');
  const result = await page.evaluate(() => {
    const el = document.querySelector('norm-scope');
    const events = [];
    el.addEventListener('statechange', (e) => events.push(e.detail.changed));
    const set = el.setState({ norm: 'rmsnorm', n_layers: 3 });
    const bad = el.setState({ n_layers: 500, colour: 'red', zero_head: '1.x' });
    const go = el.go({ layer: 2, site: 'ffn_norm' });
    const highlight = el.highlight('lens');
    const unknown = el.highlight('nope');
    return { set, bad, go, highlight, unknown, events, state: el.getState(), summary: el.summary(),
      url: location.search, marked: el.shadowRoot.querySelector('section[data-panel=lens]').classList.contains('highlight') };
  });
  assert.deepEqual(result.set, { ok: true, errors: [] });
  assert.equal(result.bad.ok, false);
  assert.match(result.bad.errors.join('\n'), /n_layers must be an integer from 1 to 96 \(got "500"\)/);
  assert.match(result.bad.errors.join('\n'), /unknown field "colour"/);
  assert.match(result.bad.errors.join('\n'), /zero_head must be none or layer\.head/);
  assert.equal(result.state.n_layers, '3', 'a refused value changes nothing');
  assert.deepEqual(result.go, { ok: true, errors: [] });
  assert.equal(result.state.layer, 2);
  assert.equal(result.state.site, 'ffn_norm');
  assert.match(result.url, /norm=rmsnorm/);
  assert.match(result.url, /layer=2/);
  assert.deepEqual(result.highlight, { ok: true, errors: [] });
  assert.ok(result.marked, 'the highlighted panel is marked');
  assert.match(result.unknown.errors[0], /panel must be one of: checks, train, depth/);
  assert.deepEqual(result.events[0].sort(), ['n_layers', 'norm'], 'a statechange names what changed');
  assert.ok(result.events.some((c) => c.includes('layer') && c.includes('site')));
  // the summary's numbers are the engine's
  const run = scope.run({ norm: 'rmsnorm', n_layers: 3 }, TEXT);
  assert.deepEqual(result.summary.residOutRms, [0, 1, 2].map((l) => run.stat(l, 'resid_out', 'rms')));
  assert.equal(result.summary.checks.norm_mean, 'n/a');
  assert.equal(result.summary.weights, 'init');
  assert.deepEqual(problems, []);
  await page.close();
});

// A page of the course site framing our embed.html; returns what the frame sent.
async function hostPage(embedQuery) {
  const { page, problems } = await open('index.html');
  await page.goto(`${course()}/course/lesson-7.html`);
  await page.evaluate(async (src) => {
    window.received = [];
    addEventListener('message', (e) => window.received.push({ origin: e.origin, data: e.data }));
    const frame = document.createElement('iframe');
    frame.src = src;
    frame.style.cssText = 'width:900px;height:700px';
    document.body.append(frame);
    window.frame = frame;
    await new Promise((resolve) => frame.addEventListener('load', resolve));
  }, `${server.url}embed.html${embedQuery}`);
  const send = (message) => page.evaluate((m) => window.frame.contentWindow.postMessage(m, '*'), message);
  const received = () => page.evaluate(() => window.received);
  return { page, problems, send, received };
}

test('postMessage: a listed origin drives the frame and hears back; an unlisted one is ignored', async () => {
  const listed = await hostPage(`?panels=depth,checks&origins=${encodeURIComponent(course())}`);
  await listed.page.waitForFunction(() => window.received.some((m) => m.data?.type === 'ready'));
  await listed.send({ normscope: 1, id: 7, type: 'set', state: { norm: 'none', n_layers: 8, init_std: 0.2 }, reset: true });
  await listed.page.waitForFunction(() => window.received.some((m) => m.data?.id === 7));
  let messages = await listed.received();
  const reply = messages.find((m) => m.data.id === 7).data;
  assert.equal(reply.type, 'reply');
  assert.equal(reply.ok, true);
  assert.equal(reply.state.norm, 'none');
  const run = scope.run({ norm: 'none', n_layers: 8, init_std: 0.2 }, TEXT);
  assert.deepEqual(reply.summary.residOutRms, Array.from({ length: 8 }, (_, l) => run.stat(l, 'resid_out', 'rms')));
  assert.ok(messages.some((m) => m.data.type === 'change' && m.data.changed.includes('norm')), 'a change event');
  assert.ok(messages.every((m) => m.origin === new URL(server.url).origin), 'every message comes from the frame');
  // a bad field: the reply names it, the frame keeps working
  await listed.send({ normscope: 1, id: 8, type: 'set', state: { d_model: 30 } });
  await listed.send({ normscope: 1, id: 9, type: 'go', layer: 3, site: 'resid_out' });
  await listed.send({ normscope: 1, id: 10, type: 'wave' });
  await listed.page.waitForFunction(() => window.received.some((m) => m.data?.id === 10));
  messages = await listed.received();
  assert.match(messages.find((m) => m.data.id === 8).data.errors.join(' '), /d_model \(30\) must be divisible by n_heads \(4\)/);
  assert.equal(messages.find((m) => m.data.id === 9).data.state.layer, 3);
  assert.match(messages.find((m) => m.data.id === 10).data.errors[0], /type must be one of: set, go, highlight, get/);
  assert.deepEqual(listed.problems.filter((p) => !p.includes(`${course()}/course/`)), []);
  await listed.page.close();

  const unlisted = await hostPage('?panels=depth');
  await unlisted.send({ normscope: 1, id: 1, type: 'set', state: { norm: 'rmsnorm' } });
  await unlisted.send({ normscope: 1, id: 2, type: 'get' });
  await unlisted.page.waitForTimeout(1500);
  assert.deepEqual(await unlisted.received(), [], 'nothing is answered or sent to an origin not listed');
  const frameState = await unlisted.page.frames()[1].evaluate(() => document.querySelector('norm-scope').getState().norm);
  assert.equal(frameState, 'layernorm', 'and nothing it sent was applied');
  await unlisted.page.close();
});

test('the example lesson page walks through the claims with the engine\'s numbers', async () => {
  const { page, problems } = await open('lesson.html', { scope: false });
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  assert.equal(await page.locator('#steps > li').count(), 9);
  await page.getByRole('button', { name: 'Show me: Without normalization, activations drift' }).click();
  const first = page.locator('#steps > li').first().locator('output');
  await page.waitForFunction(() => /grows from/.test(document.querySelector('#steps output').textContent));
  const run = scope.run({ norm: 'none', n_layers: 24, init_std: 0.2 }, TEXT);
  const fmt = (v) => Number(v.toPrecision(3)).toString();
  assert.equal(await first.textContent(),
    `rms of each block's output grows from ${fmt(run.stat(0, 'resid_out', 'rms'))} at layer 0 to ${fmt(run.stat(23, 'resid_out', 'rms'))} at layer 23.`);
  const frame = page.frames()[1];
  assert.equal(await frame.evaluate(() => new URL(location.href).searchParams.get('n_layers')), '24');
  // every step runs without an error in the frame
  for (let i = 1; i < 9; i++) {
    await page.locator('#steps > li').nth(i).getByRole('button').click();
    await page.waitForFunction((k) => !/running|^$/.test(document.querySelectorAll('#steps output')[k].textContent), i, { timeout: 20000 });
    assert.doesNotMatch(await page.locator('#steps output').nth(i).textContent(), /must|unknown|undefined|NaN/, `step ${i}`);
  }
  assert.match(await page.locator('#steps output').nth(7).textContent(), /‖q‖ kept ok, offset only ok/);
  // the shift: RMSNorm's output moves, LayerNorm's does not (to float rounding)
  const shift = (await page.locator('#steps output').nth(3).textContent()).match(/rmsnorm's output moved by up to (\S+); layernorm's by up to (\S+)\./);
  assert.ok(shift && Number(shift[1]) > 0.1 && Number(shift[2]) < 1e-4, `step 4: ${shift?.[0]}`);
  // Xiong et al.: post-norm's FFN gradient grows toward the output, pre-norm's does not
  const grad = (await page.locator('#steps output').nth(5).textContent()).match(/post-norm (\S+), pre-norm (\S+) /);
  assert.ok(grad && Number(grad[1]) > 1 && Number(grad[2]) < 1, `step 6: ${grad?.[0]}`);
  assert.match(await page.locator('#steps output').nth(8).textContent(), /without the final norm: .* with it: /);
  assert.deepEqual(problems, []);
  await page.close();
});
