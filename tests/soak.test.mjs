// soak.test.mjs — 10,000 random configuration changes and runs, through the
// module in Node and through the page in Chromium (attributes of a
// <norm-scope>, as a lesson page sets them). Nothing may throw or fail to
// draw, every message must name a field, and memory must come back: once the
// model (or the element) is gone, the WASM allocator holds what it held
// before, and the JS heap after garbage collection has not grown past a bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { stateFields } from '../web/src/state.js';
import { startBrowser } from './browser.mjs';
import { loadSimd } from './helpers.mjs';
import { namesAField, randomChange, rng } from './soak-changes.mjs';

const CHANGES = Number(process.env.SOAK_CHANGES ?? 10_000);
const JS_HEAP_GROWTH_MAX = 4 << 20;  // bytes, after GC, from the first thousand changes to the last

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

test(`soak in Node: ${CHANGES} random changes and runs, no error, memory comes back`, async () => {
  const scope = await loadSimd();
  const fields = stateFields(scope.fields, scope.sites, scope.trainFields);
  scope.checkField('n_layers', '2'), scope.checkTrainField('lr', '0.1');  // the checker exists before the baseline
  const baseline = scope.memory().inUse;
  const model = scope.model();
  const random = rng(20261125);
  let config = {}, text = 'soak';
  const counts = { ran: 0, refused: 0, grad: 0, nonFinite: 0, overCap: 0 };
  const heap = [], wasm = [];
  for (let i = 0; i < CHANGES; i++) {
    const change = randomChange(random, fields, { only: (f) => f.config || f.name === 'text' });
    let nextConfig = { ...config }, nextText = text;
    for (const { name, value } of change) {
      if (name === 'text') nextText = value;
      else if (fields.find((f) => f.name === name)?.config) nextConfig[name] = value;
    }
    const grad = i % 5 === 0;
    try {
      const run = model.run(nextConfig, nextText, { grad });
      assert.equal(run.nTokens, new TextEncoder().encode(nextText).length);
      const stats = run.array('site_stats');
      if (stats.some((v) => !Number.isFinite(v))) counts.nonFinite++;
      if (grad && run.hasGrad) counts.grad++;
      config = nextConfig, text = nextText;  // a refused change is not kept, as the page falls back
      counts.ran++;
    } catch (e) {
      assert.ok(e instanceof Error, `change ${i} threw a non-Error: ${e}`);
      assert.ok(namesAField(e.message, fields), `change ${i} (${JSON.stringify(change)}): "${e.message}" names no field`);
      if (change.length > 1) counts.overCap++;
      counts.refused++;
    }
    if ((i + 1) % 1000 === 0) {
      gc();
      heap.push(process.memoryUsage().heapUsed);
      wasm.push(scope.memory());
    }
  }
  model.free();
  const after = scope.memory();
  console.log(`Node soak: ${counts.ran} runs (${counts.grad} with gradients, ${counts.nonFinite} with NaN/Inf inside), ` +
    `${counts.refused} refused (${counts.overCap} of them over the memory cap); WASM memory ${after.bytes >> 20} MiB (cap ${after.cap >> 20}); allocator ` +
    `${baseline} bytes before, ${after.inUse} after the model is freed; JS heap after GC ` +
    `${(heap[0] / 2 ** 20).toFixed(1)} → ${(heap.at(-1) / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(counts.ran > CHANGES / 2 && counts.refused > CHANGES / 20, `a mix of runs and refusals: ${JSON.stringify(counts)}`);
  assert.ok(counts.nonFinite > 0, 'some runs overflowed inside the model (init_std = 1e6) and still ran');
  assert.equal(after.inUse, baseline, 'everything the model allocated came back');
  assert.ok(counts.overCap > 50, `models over the cap were asked for and refused: ${counts.overCap}`);
  assert.ok(heap.at(-1) - heap[0] <= JS_HEAP_GROWTH_MAX, `JS heap grew ${heap.at(-1) - heap[0]} bytes`);
});

let server, browser, close;
before(async () => ({ server, browser, close } = await startBrowser()));
after(() => close?.());

test(`soak in Chromium: ${CHANGES} random attribute changes on a <norm-scope>, no error, memory comes back`, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${server.url}embed.html?panels=none&controls=none`);
  await page.waitForFunction(() => document.querySelector('norm-scope')?.runs);
  const cdp = await page.context().newCDPSession(page);
  const jsHeap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  // a first element warms every shared cache; its removal sets the baseline
  const add = () => page.evaluate(() => {
    const el = document.createElement('norm-scope');
    el.id = 'soak';
    document.body.append(el);
    return new Promise((done) => { const wait = () => (el.runs ? done() : requestAnimationFrame(wait)); wait(); });
  });
  const remove = () => page.evaluate(() => {
    document.getElementById('soak').remove();
    return new Promise((done) => setTimeout(done, 50));  // the element frees its models a task later
  });
  const wasmMemory = () => page.evaluate(() => customElements.get('norm-scope').scope.memory());
  await add();
  await remove();
  await page.evaluate(() => {  // the scope's field checker is made on first use and kept: make it now
    const scope = customElements.get('norm-scope').scope;
    scope.checkField('n_layers', '2'), scope.checkTrainField('lr', '0.1');
  });
  const baseline = { wasm: await wasmMemory(), heap: await jsHeap() };
  await add();

  const fields = await page.evaluate(() => customElements.get('norm-scope').fields
    .map(({ name, kind, choices, config, train }) => ({ name, kind, choices, config, train })));
  const totals = { changes: 0, messages: 0, ms: 0 };
  const samples = [];
  const messages = new Set();
  for (let chunk = 0; chunk < 10; chunk++) {
    const random = rng(1000 + chunk);
    const changes = Array.from({ length: CHANGES / 10 }, () => randomChange(random, fields));  // lists of {name, value}
    const result = await page.evaluate((list) => {
      const el = document.getElementById('soak');
      const out = { failures: [], messages: [], ms: 0 };
      const start = performance.now();
      for (const change of list) {
        const { name, value } = change.at(-1);
        const before = change.map((set) => [set.name.replaceAll('_', '-'), el.getAttribute(set.name.replaceAll('_', '-'))]);
        try {
          for (const set of change) el.setAttribute(set.name.replaceAll('_', '-'), set.value);
          cancelAnimationFrame(el.pending);  // run now rather than on the next frame: ten thousand frames would take minutes
          el.pending = 0;
          el.update();
        } catch (e) {
          out.failures.push(`${name}=${JSON.stringify(value)}: ${e.stack}`);
        }
        const message = el.shadowRoot.querySelector('.message').textContent;
        if (message) out.messages.push(message);
        for (const body of el.shadowRoot.querySelectorAll('section.panel:not([hidden]) .body'))
          if (body.textContent.startsWith('This panel could not draw')) out.failures.push(`${name}=${JSON.stringify(value)}: ${body.textContent}`);
        if (change.length > 1) {  // a model far over the cap was refused: the learner goes back
          for (const [attr, old] of before) old === null ? el.removeAttribute(attr) : el.setAttribute(attr, old);
          cancelAnimationFrame(el.pending);
          el.pending = 0;
          el.update();
        }
      }
      out.ms = performance.now() - start;
      return out;
    }, changes);
    assert.deepEqual(result.failures.slice(0, 5), [], `chunk ${chunk}`);
    for (const m of result.messages) for (const part of m.split(' · ')) messages.add(part);
    totals.changes += changes.length, totals.messages += result.messages.length, totals.ms += result.ms;
    samples.push({ wasm: await wasmMemory(), heap: await jsHeap() });
  }
  for (const message of messages) assert.ok(namesAField(message, fields), `"${message}" names no field`);
  // the page still works: a valid state draws every panel
  await page.evaluate(() => {
    const el = document.getElementById('soak');
    for (const [k, v] of Object.entries({ 'n-layers': '2', 'd-model': '32', 'n-heads': '2', 'd-ff': 'auto', 'max-tokens': '64', panels: 'all', text: 'still here', 'init-std': '0.02', 'norm-eps': '1e-5',
      'skip-layer': 'none', 'zero-head': 'none', 'remove-norm': 'none', 'residual-scale': '1', lang: 'en' }))
      el.setAttribute(k, v);
  });
  await page.waitForFunction(() => /^10 tokens/.test(document.getElementById('soak').shadowRoot.querySelector('header .status').textContent));
  await remove();
  const end = { wasm: await wasmMemory(), heap: await jsHeap() };
  console.log(`Chromium soak: ${totals.changes} changes in ${(totals.ms / 1000).toFixed(1)} s ` +
    `(${(totals.ms / totals.changes).toFixed(2)} ms each), ${totals.messages} with a message (${messages.size} distinct); ` +
    `WASM memory ${end.wasm.bytes >> 20} MiB, allocator ${baseline.wasm.inUse} bytes before and ${end.wasm.inUse} after the ` +
    `element is removed; JS heap after GC ${(baseline.heap / 2 ** 20).toFixed(1)} → ${(end.heap / 2 ** 20).toFixed(1)} MiB`);
  assert.deepEqual(problems, []);
  assert.equal(end.wasm.inUse, baseline.wasm.inUse, 'the removed element gave back everything it allocated');
  assert.ok(end.heap - baseline.heap <= JS_HEAP_GROWTH_MAX, `JS heap grew ${end.heap - baseline.heap} bytes`);
  const peak = Math.max(...samples.map((s) => s.wasm.inUse));
  console.log(`Chromium soak: the allocator held at most ${(peak / 2 ** 20).toFixed(1)} MiB at a sample`);
  await page.close();
});
