// engine.test.mjs — the JS module over WASM: the SIMD build against the
// native CLI and the scalar WASM build across the config grid, bit-identical
// weights, errors that name the field, independent models, bounded memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configGrid, diffJson, kebabFlags, loadScalar, loadSimd, runCli } from './helpers.mjs';

const TEXT = 'Norms, naïvely: x/rms(x)·γ';
const simd = await loadSimd();
const scalar = await loadScalar();
const tmp = mkdtempSync(join(tmpdir(), 'normscope-'));

// The builds do the same float operations in the same order; only libm
// (tanhf, expf, sin, pow) differs between glibc and musl by an ulp or two,
// which cancellation in a dot product can make large relative to a small
// result: tolerances are relative to the value and to its array's scale.
const CROSS_BUILD = { atol: 1e-6, rtol: 2e-4, scaleRtol: 2e-4, countsAtol: 2 };

test('the two builds are what they say', () => {
  assert.equal(simd.simd, true);
  assert.equal(scalar.simd, false);
});

test('WASM SIMD matches the native CLI over the whole grid (stats, attention, norms, RoPE, logits, gradients)', () => {
  let cases = 0;
  for (const config of configGrid()) {
    const cli = runCli([...kebabFlags(config), '--text', TEXT, '--json', '--full', '--grad']);
    assert.equal(cli.status, 0, `CLI failed for ${JSON.stringify(config)}: ${cli.stderr}`);
    const native = JSON.parse(cli.stdout);
    const wasm = simd.run(config, TEXT, { grad: true }).toJSON({ full: true });
    assert.ok(Object.keys(native.grad_norms).length > 0 && 'grad' in native.layers[0], 'the CLI reported gradients');
    const diffs = diffJson(wasm, native, CROSS_BUILD);
    assert.deepEqual(diffs, [], `config ${JSON.stringify(config)}`);
    cases++;
  }
  assert.equal(cases, 180);
});

// simd.h does the same float operations in the same order on both paths,
// and both builds share musl's libm: the results must be bit-identical.
test('WASM SIMD equals the scalar WASM build bit for bit over the grid', () => {
  for (const config of configGrid()) {
    const a = simd.run(config, TEXT, { grad: true }).toJSON({ full: true });
    const b = scalar.run(config, TEXT, { grad: true }).toJSON({ full: true });
    assert.deepEqual(diffJson(a, b, { atol: 0, rtol: 0 }), [], `config ${JSON.stringify(config)}`);
  }
});

test('the same seed gives bit-identical weights in native and WASM', () => {
  const configs = [
    {},
    { init: 'xavier', seed: '18446744073709551615', activation: 'swiglu', pos: 'learned', n_layers: 2 },
    { norm: 'rmsnorm', placement: 'post', d_model: 40, n_heads: 5, d_ff: 72, seed: 42 },
  ];
  for (const config of configs) {
    const file = join(tmp, 'w.safetensors');
    const cli = runCli([...kebabFlags(config), '--save', file]);
    assert.equal(cli.status, 0, cli.stderr);
    const native = readFileSync(file);
    for (const scope of [simd, scalar]) {
      const bytes = scope.save(config);
      assert.equal(Buffer.compare(Buffer.from(bytes), native), 0, `weights differ for ${JSON.stringify(config)}`);
    }
  }
  const a = simd.save({ seed: 1 }), b = simd.save({ seed: 2 });
  assert.notEqual(Buffer.compare(Buffer.from(a), Buffer.from(b)), 0, 'different seeds must give different weights');
});

test('adding a layer keeps the earlier layers\' weights (one stream per tensor)', () => {
  const two = simd.run({ n_layers: 2 }, TEXT).toJSON();
  const three = simd.run({ n_layers: 3 }, TEXT).toJSON();
  assert.deepEqual(diffJson(three.layers.slice(0, 2), two.layers, { atol: 0, rtol: 0 }), []);
});

test('a bad config throws an Error naming the field and the allowed range', () => {
  const cases = [
    [{ n_layers: 0 }, /n_layers.*1 to 96/],
    [{ n_layers: 97 }, /n_layers.*1 to 96/],
    [{ n_layers: 2.5 }, /n_layers/],
    [{ d_model: 7 }, /d_model.*8 to 1024/],
    [{ d_model: 30, n_heads: 4 }, /d_model \(30\) must be divisible by n_heads \(4\)/],
    [{ d_model: 12, n_heads: 4 }, /head dim.*even.*rope/],
    [{ n_heads: 33 }, /n_heads.*1 to 32/],
    [{ d_ff: 4097 }, /d_ff.*8 to 4096/],
    [{ norm: 'batchnorm' }, /norm must be one of: layernorm rmsnorm none/],
    [{ placement: 'middle' }, /placement must be one of: pre post/],
    [{ residual: 'maybe' }, /residual must be one of: off on/],
    [{ activation: 'tanh' }, /activation/],
    [{ pos: 'alibi' }, /pos must be one of/],
    [{ rope_theta: 1 }, /rope_theta.*greater than 1/],
    [{ rope_pairing: 'pairs' }, /rope_pairing/],
    [{ norm_eps: 0 }, /norm_eps.*greater than 0/],
    [{ norm_eps: 'NaN' }, /norm_eps/],
    [{ init: 'zeros' }, /init must be one of/],
    [{ init_std: -1 }, /init_std/],
    [{ seed: -1 }, /seed.*0 to 18446744073709551615/],
    [{ seed: '18446744073709551616' }, /seed/],
    [{ max_tokens: 1025 }, /max_tokens.*1 to 1024/],
    [{ colour: 'red' }, /unknown config field "colour"/],
  ];
  const before = simd.run({ n_layers: 2 }, 'keep me');
  const kept = before.toJSON();
  for (const [config, message] of cases) assert.throws(() => simd.run(config, 'abc'), message, JSON.stringify(config));
  assert.throws(() => simd.run({ max_tokens: 8 }, 'longer than eight'), /text must be 1 to 8 bytes long \(max_tokens\); it is 17/);
  assert.throws(() => simd.run({}, ''), /text must be 1 to/);
  assert.throws(() => simd.run({ n_layers: 96, d_model: 1024, d_ff: 4096 }, 'x'), /MiB.*limit.*n_layers/);
  // the instance survives and still runs
  assert.deepEqual(diffJson(simd.run({ n_layers: 2 }, 'keep me').toJSON(), kept, { atol: 0, rtol: 0 }), []);
});

test('views are zero-copy over WASM memory, and a stale run refuses to be read', () => {
  const model = simd.model();
  const run = model.run({ n_layers: 2 }, 'zero copy');
  const stats = run.array('site_stats');
  assert.equal(stats.buffer, simd.wasm.memory.buffer);
  assert.deepEqual(run.shape('site_stats'), [2, 8, 11]);
  assert.equal(run.stat(1, 'resid_out', 'rms'), stats[(1 * 8 + 7) * 11 + 2]);
  assert.deepEqual(run.shape('attn_probs'), [2, 4, 9, 9]);
  const probs = run.array('attn_probs');
  for (let t = 0; t < 9; t++) {
    const row = probs.subarray(t * 9, t * 9 + 9);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'attention rows sum to 1');
    for (let s = t + 1; s < 9; s++) assert.equal(row[s], 0, 'causal: no attention to the future');
  }
  // probs: the softmax of the last position's logits, computed independently here
  const logits = run.array('logits').slice(8 * 256, 9 * 256), probsC = run.array('probs');
  const max = Math.max(...logits), exps = Array.from(logits, (v) => Math.exp(v - max)), total = exps.reduce((x, y) => x + y, 0);
  exps.forEach((e, i) => assert.ok(Math.abs(probsC[i] - e / total) <= 1e-6 + 1e-5 * (e / total), `probs[${i}]`));
  model.run({ n_layers: 2 }, 'again');
  assert.throws(() => run.array('logits'), /stale/);
  assert.throws(() => run.stat(0, 'resid_mix', 'rms'), /stale|unknown site/);
  model.free();
});

test('several models live side by side in one instance', () => {
  const a = simd.model(), b = simd.model();
  const alone = (config, text) => {
    const m = simd.model();
    const json = m.run(config, text).toJSON({ full: true });
    m.free();
    return json;
  };
  const ca = { norm: 'rmsnorm', n_layers: 3, seed: 5 }, cb = { placement: 'post', d_model: 32, seed: 6 };
  const ra = a.run(ca, 'first model'), rb = b.run(cb, 'second one');
  assert.deepEqual(diffJson(ra.toJSON({ full: true }), alone(ca, 'first model'), { atol: 0, rtol: 0 }), []);
  assert.deepEqual(diffJson(rb.toJSON({ full: true }), alone(cb, 'second one'), { atol: 0, rtol: 0 }), []);
  a.free(), b.free();
});

test('thousands of runs with changing configs do not grow memory without bound', () => {
  const model = simd.model();
  const configs = [
    { n_layers: 8, d_model: 128, max_tokens: 256 },
    { n_layers: 2, norm: 'rmsnorm' },
    { n_layers: 6, activation: 'swiglu', placement: 'post' },
    { n_layers: 4, d_model: 96, n_heads: 6, pos: 'learned' },
  ];
  const text = 'x'.repeat(200);
  const cycle = (n) => {
    for (let i = 0; i < n; i++) model.run({ max_tokens: 256, ...configs[i % 4], seed: i }, text.slice(0, 20 + (i % 180)));
  };
  cycle(200);
  const after200 = simd.wasm.memory.buffer.byteLength;
  cycle(2000);
  assert.equal(simd.wasm.memory.buffer.byteLength, after200, 'memory grew between run 200 and 2200');
  model.free();
});

test('a checkpoint loads through JS; a bad one throws and keeps the old model', () => {
  const model = simd.model();
  const bytes = simd.save({ n_layers: 2, norm: 'rmsnorm', seed: 9 });
  const config = model.load(bytes);
  assert.equal(config.n_layers, 2);
  assert.equal(config.norm, 'rmsnorm');
  assert.equal(model.weightsFromFile, true);
  const fromFile = model.run(null, TEXT).toJSON();
  assert.equal(fromFile.weights, 'file');
  const fresh = simd.run({ n_layers: 2, norm: 'rmsnorm', seed: 9 }, TEXT).toJSON();
  assert.deepEqual(diffJson(fromFile.layers, fresh.layers, { atol: 0, rtol: 0 }), []);
  assert.throws(() => model.load(bytes.slice(0, 100)), /truncated/);
  assert.throws(() => model.load(new Uint8Array(0)), /empty/);
  assert.equal(model.config.norm, 'rmsnorm', 'the old model stays');
  assert.equal(model.run(null, TEXT).toJSON().weights, 'file');
  // a checkpoint full of NaN loads and runs: NaN is data to show
  const nan = bytes.slice();
  const headerLength = Number(new DataView(nan.buffer).getBigUint64(0, true));
  new Float32Array(nan.buffer, 8 + headerLength, (nan.length - 8 - headerLength) / 4).fill(NaN);
  model.load(nan);
  const json = model.run(null, 'nan').toJSON();
  assert.equal(json.layers[0].sites.attn_out.nan, 3 * 64);
  assert.equal(json.layers[0].sites.attn_out.mean, null);
  assert.ok(json.next_token_logits.every((v) => v === null));
  model.free();
});

// TEACHING.md claim 5: LayerNorm ignores a shift and a scale of its input;
// RMSNorm ignores only the scale.
test('norm probe: LayerNorm is shift- and scale-invariant, RMSNorm only scale-invariant', () => {
  const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  for (const norm of ['layernorm', 'rmsnorm']) {
    const model = simd.model();
    const run = model.run({ norm, n_layers: 2, init_std: 0.5 }, 'invariance');
    const stored = run.array('norm_output').slice(0, 64);  // layer 0, attn_norm, token 0
    const plain = model.normProbe(0, 0, 0, 0, 1);
    assert.ok(maxDiff(plain.output, stored) === 0, 'shift 0, scale 1 reproduces the stored norm output');
    const scaled = model.normProbe(0, 0, 0, 0, 3.5);
    assert.ok(maxDiff(scaled.output, plain.output) < 1e-4, `${norm}: scaling the input must not move the output`);
    assert.ok(Math.abs(scaled.divisor - 3.5 * plain.divisor) < 1e-3 * plain.divisor);
    const shifted = model.normProbe(0, 0, 0, 2, 1);
    const moved = maxDiff(shifted.output, plain.output);
    if (norm === 'layernorm') assert.ok(moved < 1e-4, `LayerNorm moved by ${moved} under a shift`);
    else assert.ok(moved > 0.1, `RMSNorm should move under a shift, moved ${moved}`);
    assert.throws(() => model.normProbe(5, 0, 0), /layer must be 0 to 1/);
    assert.throws(() => model.normProbe(0, 0, 99), /token must be 0 to 9/);
    model.free();
  }
});

test('a refused run changes nothing; save() makes earlier runs stale; a loaded file keeps its weights', () => {
  const model = simd.model();
  model.load(simd.save({ n_layers: 2, norm: 'rmsnorm', seed: 4 }));
  const before = model.run(null, TEXT).toJSON();
  assert.throws(() => model.run({ max_tokens: 4 }, 'hello'), /text must be 1 to 4 bytes/);
  assert.throws(() => model.run({ n_layers: 96, n_heads: 32, max_tokens: 1024 }, 'x'.repeat(1024)), /need \d+ MiB \(weights and probe buffers\), over the 448 MiB limit/);
  assert.equal(model.weightsFromFile, true, 'a refused run keeps the loaded weights');
  assert.deepEqual(diffJson(model.run(null, TEXT).toJSON(), before, { atol: 0, rtol: 0 }), []);
  // behaviour fields apply to the loaded weights; missing fields are the file's
  const off = model.run({ residual: 'off' }, TEXT).toJSON();
  assert.equal(off.weights, 'file');
  assert.equal(off.config.n_layers, 2);
  assert.equal(off.config.residual, 'off');
  const run = model.run(null, TEXT);
  model.save(null);
  assert.throws(() => run.toJSON(), /stale/);
  model.free();
  assert.equal(simd.model().config.d_ff, 256, 'd_ff is resolved even before the first run');
});

test('numbers are decimal as a person writes them: no spaces, "+", hex, inf or NUL bytes slip through', async () => {
  const scope = await loadSimd();
  for (const [name, value] of [['n_layers', '+5'], ['n_layers', ' 5'], ['n_layers', '5 '], ['n_layers', '0x5'], ['n_layers', '5\u00002'],
    ['init_std', '0x1p-3'], ['init_std', ' 0.1'], ['init_std', 'inf'], ['init_std', '1e999'], ['init_std', '.'], ['norm_eps', '1e'],
    ['seed', '1\u00002'], ['seed', '-1']])
    assert.match(scope.checkField(name, value) ?? 'accepted', new RegExp(`^${name} must be`), `${name}=${JSON.stringify(value)}`);
  assert.match(scope.checkTrainField('lr', '0x1') ?? 'accepted', /^lr must be/);
  for (const [name, value] of [['n_layers', '5'], ['init_std', '.5'], ['init_std', '5.'], ['init_std', '2E-3'], ['norm_eps', '1e-05'],
    ['rope_theta', '1e+4'], ['seed', '18446744073709551615']])
    assert.equal(scope.checkField(name, value), null, `${name}=${value}`);
});
