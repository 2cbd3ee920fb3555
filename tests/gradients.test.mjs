// gradients.test.mjs — the backward pass through the JS module: the API, its
// refusals, the gradient file, and what the page's gradient panel teaches
// (Xiong et al. 2020; the residual highway), measured from real gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kebabFlags, loadSimd, runCli } from './helpers.mjs';
import { ffnGradNorms, growthTowardOutput } from './xiong.mjs';

const scope = await loadSimd();
const tmp = mkdtempSync(join(tmpdir(), 'normscope-grad-'));
const TEXT = 'Gradients flow back, byte by byte.';

// A safetensors file as {name: {shape, data: Float32Array}} plus its metadata.
function readSafetensors(file) {
  const bytes = Uint8Array.from(file);  // a Buffer's slice() is a view into a shared pool: copy first
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const tensors = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = entry.data_offsets;
    const raw = bytes.slice(8 + headerLength + begin, 8 + headerLength + end);
    tensors[name] = { shape: entry.shape, data: new Float32Array(raw.buffer) };
  }
  return { tensors, metadata: header.__metadata__ ?? {} };
}

test('a gradient run: loss, grad_norms and the gradient file agree with the CLI', () => {
  const config = { n_layers: 3, norm: 'rmsnorm', activation: 'swiglu', pos: 'learned', seed: 5 };
  const run = scope.run(config, TEXT, { grad: true });
  assert.equal(run.hasGrad, true);
  const json = run.toJSON();
  assert.ok(Math.abs(run.loss - json.loss) <= 1e-6 * json.loss, 'run.loss is the JSON loss');
  // an untrained byte model is close to uniform over 256 values: loss ≈ ln 256
  assert.ok(Math.abs(json.loss - Math.log(256)) < 0.2, `loss ${json.loss} near ln 256 = 5.545`);
  assert.equal(json.token_loss.length, TEXT.length - 1);
  assert.deepEqual(run.gradNorms(), json.grad_norms);

  const gradFile = join(tmp, 'g.safetensors'), weightFile = join(tmp, 'w.safetensors');
  const cli = runCli([...kebabFlags(config), '--text', TEXT, '--save', weightFile, '--save-grad', gradFile, '--json']);
  assert.equal(cli.status, 0, cli.stderr);
  const native = readSafetensors(readFileSync(gradFile));
  const weights = readSafetensors(readFileSync(weightFile));
  const mine = readSafetensors(run.saveGrad());
  assert.deepEqual(Object.keys(mine.tensors), Object.keys(weights.tensors), 'one gradient per weight, same names, same order');
  assert.equal(mine.metadata.content, 'gradients');
  assert.ok(Math.abs(Number(mine.metadata.loss) - json.loss) < 1e-6 * json.loss);
  for (const [name, { shape, data }] of Object.entries(native.tensors)) {
    assert.deepEqual(mine.tensors[name].shape, shape, name);
    assert.deepEqual(shape, weights.tensors[name].shape, `${name} has its weight's shape`);
    let scale = 0, worst = 0;
    for (const v of data) scale = Math.max(scale, Math.abs(v));
    data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - mine.tensors[name].data[i]))));
    assert.ok(worst <= 2e-4 * scale + 1e-9, `${name}: WASM and native gradients differ by ${worst} (scale ${scale})`);
    let sq = 0;
    for (const v of data) sq += v * v;
    assert.ok(Math.abs(Math.sqrt(sq) - json.grad_norms[name]) <= 2e-4 * json.grad_norms[name] + 1e-9, `${name} norm`);
  }
});

test('gradient refusals name the problem and keep the model working', () => {
  const model = scope.model();
  const plain = model.run({ n_layers: 2 }, 'abc');
  assert.equal(plain.hasGrad, false);
  assert.equal(plain.loss, null);
  assert.deepEqual(plain.shape('grad_site_rms'), [0, 8], 'no gradient probes without { grad: true }');
  assert.throws(() => plain.gradNorms(), /no gradients.*grad: true/);
  assert.throws(() => model.run({ n_layers: 2 }, 'a', { grad: true }), /at least 2 bytes.*it is 1/);
  const run = model.run({ n_layers: 2 }, 'ab', { grad: true });
  assert.ok(Number.isFinite(run.loss));
  assert.throws(() => model.load(run.saveGrad()), /holds gradients.*not weights/);
  assert.ok(Number.isFinite(model.run({ n_layers: 2 }, 'still here', { grad: true }).loss));
  const cli = runCli(['--text', 'x', '--grad']);
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, /^normscope: gradients need a text of at least 2 bytes.*\n$/);
  model.free();
});

// Xiong et al. 2020, Fig. 3 and Theorem 1, at Xavier init with ReLU as in the
// paper, averaged over 6 seeds × 4 texts (tests/xiong.mjs).
test('Xiong et al. 2020: post-norm FFN gradients grow toward the output, pre-norm ones do not', () => {
  const post = ffnGradNorms(scope, { n_layers: 6, placement: 'post' });
  const pre = ffnGradNorms(scope, { n_layers: 6, placement: 'pre' });
  const postGrowth = growthTowardOutput(post), preGrowth = growthTowardOutput(pre);
  // measured: post 1.11, pre 0.61 (upper half over lower half of the layers)
  assert.ok(postGrowth > 1.05, `post-norm: upper layers ${postGrowth.toFixed(3)}× the lower ones (${post.map((x) => x.toFixed(3))})`);
  assert.ok(preGrowth < 0.8, `pre-norm: upper layers ${preGrowth.toFixed(3)}× the lower ones (${pre.map((x) => x.toFixed(3))})`);
  assert.ok(post[5] > post[0] && pre[5] < pre[0], 'last layer against first');
  // Theorem 1: the last layer's gradient is O(d√ln d) under post-norm, whatever
  // the depth, and O(d√(ln d / L)) under pre-norm: 4× the layers, half the gradient
  const post24 = ffnGradNorms(scope, { n_layers: 24, placement: 'post' });
  const pre24 = ffnGradNorms(scope, { n_layers: 24, placement: 'pre' });
  const postRatio = post24[23] / post[5], preRatio = pre24[23] / pre[5];
  assert.ok(preRatio > 0.35 && preRatio < 0.65, `pre-norm, 24 vs 6 layers: last-layer gradient ×${preRatio.toFixed(3)} (1/√4 = 0.5)`);
  assert.ok(postRatio > 0.8 && postRatio < 1.25, `post-norm, 24 vs 6 layers: last-layer gradient ×${postRatio.toFixed(3)} (≈ 1)`);
});

// TEACHING claim 9, measured: the +1 of x + F(x) carries the gradient down.
test('the residual highway: without it (and without norms) the gradient vanishes with depth', () => {
  const first = (run) => run.array('grad_site_rms')[run.sites.indexOf('resid_in')];
  const last = (run) => { const [L, S] = run.shape('grad_site_rms'); return run.array('grad_site_rms')[(L - 1) * S + run.sites.indexOf('resid_out')]; };
  const on = scope.run({ n_layers: 12, norm: 'none', residual: true }, TEXT, { grad: true });
  const onRatio = first(on) / last(on);
  const off = scope.run({ n_layers: 12, norm: 'none', residual: false }, TEXT, { grad: true });
  const offRatio = first(off) / last(off);
  assert.ok(onRatio > 0.5 && onRatio < 2, `residual on: the input gets ${onRatio}× the output's gradient`);
  assert.ok(offRatio < 1e-12, `residual off: the input gets ${offRatio}× the output's gradient`);
  // With a norm in each block the norms rescale the gradient too (÷ the rms of
  // what they normalize): residual off does not vanish at init. The page says so.
  const normed = scope.run({ n_layers: 12, residual: false }, TEXT, { grad: true });
  const normedRatio = first(normed) / last(normed);
  assert.ok(normedRatio > 0.1, `norms on, residual off: ×${normedRatio}`);
});

test('grad_layer_norm holds this run\'s norms: 0 for a tensor the config lacks, nothing left from an earlier run', () => {
  const model = scope.model();
  model.run({ n_layers: 2, activation: 'swiglu' }, TEXT, { grad: true });  // leaves w3 norms in the probe buffer
  const run = model.run({ n_layers: 2, activation: 'gelu', norm: 'rmsnorm' }, TEXT, { grad: true });
  const norms = run.gradNorms(), K = run.layerTensors.length, all = run.array('grad_layer_norm');
  for (let l = 0; l < 2; l++)
    run.layerTensors.forEach((kind, k) => {
      const file = { attention_norm: 'attention_norm.weight', attention_norm_bias: 'attention_norm.bias', ffn_norm: 'ffn_norm.weight',
        ffn_norm_bias: 'ffn_norm.bias', w1: 'feed_forward.w1.weight', w2: 'feed_forward.w2.weight', w3: 'feed_forward.w3.weight' }[kind]
        ?? `attention.${kind}.weight`;
      const want = norms[`layers.${l}.${file}`] ?? 0;
      assert.ok(Math.abs(all[l * K + k] - want) <= 1e-6 * want, `layer ${l} ${kind}: ${all[l * K + k]} vs ${want}`);
    });
  model.free();
});
