// deeper.test.mjs — interventions, the logit lens, branches, outliers and
// the checks through JS: WASM against the native CLI (whose JSON the numpy
// grid holds to the reference), and each JS accessor against the JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffJson, kebabFlags, loadScalar, loadSimd, runCli } from './helpers.mjs';

const TEXT = 'Break it on purpose: the lens shows where.';
const simd = await loadSimd();
const scalar = await loadScalar();
const CROSS_BUILD = { atol: 1e-6, rtol: 2e-4, scaleRtol: 2e-4, countsAtol: 2 };
const SMALL = { n_layers: 4, d_model: 32, n_heads: 4, d_ff: 48, init_std: 0.3, seed: 7 };

export const INTERVENTIONS = [
  {},
  { skip_layer: '0' }, { skip_layer: '3' },
  { zero_head: '0.0' }, { zero_head: '2.3' },
  { remove_norm: '1.attn_norm' }, { remove_norm: '3.ffn_norm' }, { remove_norm: 'final_norm' },
  { residual_scale: '0' }, { residual_scale: '0.5' }, { residual_scale: '1.861' },
  { skip_layer: '1', zero_head: '2.1', remove_norm: '0.ffn_norm', residual_scale: '2' },
  { placement: 'post', skip_layer: '2' }, { placement: 'post', remove_norm: '0.attn_norm', residual_scale: '1.5' },
  { norm: 'rmsnorm', zero_head: '1.2', remove_norm: 'final_norm' }, { norm: 'none', skip_layer: '1' },
  { residual: 'off', residual_scale: '3', skip_layer: '2' }, { pos: 'learned', zero_head: '3.0' },
];

test('interventions and the deeper probes: WASM SIMD matches the native CLI, and the scalar build bit for bit', () => {
  for (const change of INTERVENTIONS) {
    const config = { ...SMALL, ...change };
    const cli = runCli([...kebabFlags(config), '--text', TEXT, '--json', '--full']);
    assert.equal(cli.status, 0, `CLI failed for ${JSON.stringify(config)}: ${cli.stderr}`);
    const native = JSON.parse(cli.stdout);
    const wasm = simd.run(config, TEXT).toJSON({ full: true });
    assert.deepEqual(diffJson(wasm, native, CROSS_BUILD), [], JSON.stringify(change));
    assert.deepEqual(diffJson(scalar.run(config, TEXT).toJSON({ full: true }), wasm, { atol: 0, rtol: 0 }), [], JSON.stringify(change));
    const intervened = Object.keys(change).some((k) => ['skip_layer', 'zero_head', 'remove_norm', 'residual_scale'].includes(k));
    assert.equal(native.baseline !== null, intervened, `a baseline exactly when an intervention is set: ${JSON.stringify(change)}`);
    for (const [name, check] of Object.entries(native.checks))
      assert.ok(!check.applies || check.ok, `${name} holds on ${JSON.stringify(change)}: worst ${check.worst}`);
  }
});

test('run.lens(), checks(), branches(), outliers(), channelAbsmax() and baseline() say what the JSON says', () => {
  for (const change of INTERVENTIONS) {
    const config = { ...SMALL, ...change };
    const run = simd.run(config, TEXT);
    const json = run.toJSON();
    const lens = run.lens();
    const rows = (flat, T) => Array.from({ length: flat.length / T }, (_, r) => Array.from(flat.slice(r * T, (r + 1) * T)));
    assert.equal(lens.finalNorm, json.logit_lens.final_norm);
    assert.deepEqual(rows(lens.top, lens.T), json.logit_lens.top);
    assert.deepEqual(diffJson(rows(lens.prob, lens.T), json.logit_lens.prob, { atol: 0, rtol: 1e-7 }), []);
    assert.deepEqual(lens.rawTop ? rows(lens.rawTop, lens.T) : null, json.logit_lens.raw_top);
    assert.deepEqual(diffJson(run.checks(), json.checks, { atol: 0, rtol: 1e-7 }), []);
    const branches = run.branches();
    json.layers.forEach((layer, l) => {
      for (const [key, site, joins] of [['attn', 'attn_out', 'resid_in'], ['ffn', 'ffn_out', 'resid_mid']]) {
        const cos = layer.branch_cos[site];
        assert.deepEqual(diffJson(Array.from(branches[l][key].tokenCos), cos, { atol: 0, rtol: 1e-7 }), []);
        assert.ok(Math.abs(branches[l][key].cos - cos.reduce((a, b) => a + b, 0) / cos.length) < 1e-6);
        assert.ok(Math.abs(branches[l][key].rms - layer.sites[site].rms) <= 1e-7 * layer.sites[site].rms);
        assert.ok(Math.abs(branches[l][key].streamRms - layer.sites[joins].rms) <= 1e-7 * layer.sites[joins].rms);
      }
      assert.deepEqual(diffJson(Array.from(run.channelAbsmax()[l]), layer.channel_absmax, { atol: 0, rtol: 1e-7 }), []);
      assert.deepEqual(diffJson(run.outliers()[l], layer.outliers, { atol: 0, rtol: 1e-7 }), []);
    });
    const base = run.baseline();
    assert.equal(base === null, json.baseline === null);
    if (base) {
      assert.deepEqual(diffJson(Array.from(base.probs), json.baseline.next_token_probs, { atol: 0, rtol: 1e-7 }), []);
      json.baseline.layers.forEach((layer, l) => {
        for (const [site, stats] of Object.entries(layer.sites))
          for (const [stat, v] of Object.entries(stats))
            assert.ok(v === null ? Number.isNaN(base.stat(l, site, stat)) : Math.abs(base.stat(l, site, stat) - v) <= 1e-7 * Math.abs(v),
              `baseline ${l} ${site} ${stat}`);
      });
    }
  }
});

test('a bad intervention is refused with a message naming the field and its range; the model is unchanged', () => {
  const model = simd.model();
  const good = model.run({ ...SMALL, zero_head: '1.1' }, TEXT).toJSON();
  const bad = [
    [{ skip_layer: '4' }, /skip_layer must be none or a layer from 0 to 3/],
    [{ zero_head: '1.4' }, /zero_head .* head 0 to 3/],
    [{ zero_head: 'x' }, /zero_head must be none or layer\.head/],
    [{ remove_norm: '1.norm' }, /remove_norm must be none or layer\.attn_norm/],
    [{ placement: 'post', remove_norm: 'final_norm' }, /remove_norm = final_norm needs a final norm/],
    [{ residual_scale: '101' }, /residual_scale must be a number from 0 to 100/],
  ];
  for (const [change, message] of bad) {
    assert.throws(() => model.run({ ...SMALL, ...change }, TEXT), message);
    assert.deepEqual(model.run(null, TEXT).toJSON(), good, 'a refused config changes nothing');
  }
  assert.throws(() => model.run({ ...SMALL, skip_layer: '1' }, TEXT, { grad: true }), /skip_layer is 1: gradients and training run the unmodified model only/);
  model.free();
});

test('a NaN-filled checkpoint runs, and every check that applies fails', () => {
  const model = simd.model();
  const bytes = model.save(SMALL);
  const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const nan = bytes.slice();
  new Float32Array(nan.buffer, 8 + header).fill(NaN);
  model.load(nan);
  const run = model.run(null, TEXT);
  const checks = run.checks();
  for (const [name, check] of Object.entries(checks)) assert.ok(check.applies && !check.ok, `${name} fails on NaN weights`);
  const lens = run.lens();
  assert.ok(Array.from(lens.prob).every(Number.isNaN), 'the lens shows NaN, not a guess');
  model.free();
});
