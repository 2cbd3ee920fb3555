// suite.mjs — every measurement, written once and run both in Node and in
// Chromium: our forward (SIMD and scalar builds) against the tfjs WASM
// backend (XNNPACK) on the same weights, kernels at the model's shapes, the
// probes' share of a forward, and the machine's WASM SIMD multiply-add peak.
import { tfjsForward } from './tfjs-forward.mjs';
import { quartiles, timeNorms } from '../../web/src/norm-timing.js';

export const MODELS = [
  { n_layers: 2, d_model: 32, n_heads: 4, T: 16 },
  { n_layers: 6, d_model: 64, n_heads: 4, T: 64 },  // the page's default model
  { n_layers: 12, d_model: 128, n_heads: 4, T: 64 },
  { n_layers: 12, d_model: 256, n_heads: 4, T: 64 },
  { n_layers: 24, d_model: 256, n_heads: 8, T: 128 },
  // the largest that fits the instance's 512 MiB twice over (weights, and the checkpoint tfjs-wasm reads them from)
  { n_layers: 24, d_model: 384, n_heads: 8, T: 128 },
  { n_layers: 48, d_model: 128, n_heads: 4, T: 256 },
  { n_layers: 6, d_model: 512, n_heads: 8, T: 256 },
];

const TEXT = 'The quick brown fox jumps over the lazy dog. Normalization keeps a deep stack trainable. ';
const textOf = (T) => TEXT.repeat(Math.ceil(T / TEXT.length)).slice(0, T);

const now = () => performance.now();
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => { const s = sorted(xs); return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]; };

/**
 * Median ms of one call of fn, with the quartiles. Each sample repeats fn
 * until it lasts ≥ 5 ms: browsers coarsen performance.now() to 0.1 ms.
 */
export function time(fn, { reps = 15, warmup = 2, budgetMs = 2500, minSampleMs = 5 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  let inner = 1;
  for (;;) {
    const t = now();
    for (let i = 0; i < inner; i++) fn();
    if (now() - t >= minSampleMs || inner >= 1 << 20) break;
    inner *= 2;
  }
  const times = [];
  const start = now();
  while (times.length < reps && (times.length < 3 || now() - start < budgetMs)) {
    const t = now();
    for (let i = 0; i < inner; i++) fn();
    times.push((now() - t) / inner);
  }
  return { median: quantile(times, 0.5), q1: quantile(times, 0.25), q3: quantile(times, 0.75), n: times.length };
}

export const forwardFlops = ({ n_layers: L, d_model: d, T }, ff = 4 * d) =>
  L * (8 * T * d * d + 4 * T * d * ff + 2 * T * (T + 1) * d) + 2 * T * d * 256;

/** Buffers in one instance's memory; views are re-derived on use (memory may grow). */
function heap(wasm) {
  const ptrs = [];
  return {
    alloc(values) {
      const ptr = wasm.ns_malloc(values.length * 4) >>> 0;
      new Float32Array(wasm.memory.buffer, ptr, values.length).set(values);
      ptrs.push(ptr);
      return ptr;
    },
    free() { ptrs.forEach((p) => wasm.ns_free(p)); },
  };
}

const random = (n, seed = 1) => {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5));
};

function matmulGflops(wasm, T, rows, cols) {
  const h = heap(wasm);
  const x = h.alloc(random(T * cols, 1)), w = h.alloc(random(rows * cols, 2));
  const panels = h.alloc(new Float32Array(wasm.ns_packed_size(rows, cols)));
  const out = h.alloc(new Float32Array(T * rows));
  wasm.ns_pack(panels, w, rows, cols);
  const reps = Math.max(1, Math.round(2e7 / (T * rows * cols)));
  const t = time(() => wasm.ns_kernel_matmul(out, x, panels, T, rows, cols, reps));
  h.free();
  return (2 * T * rows * cols * reps) / (t.median * 1e6);
}

// XNNPACK's best path here: B already [in, out], result left in WASM memory
// (reading it back with dataSync adds ~10 ms per call in this tfjs version).
function tfjsMatmulGflops(tf, T, rows, cols) {
  const a = tf.tensor(random(T * cols, 1), [T, cols]), b = tf.tensor(random(cols * rows, 2), [cols, rows]);
  const reps = Math.max(1, Math.round(2e7 / (T * rows * cols)));
  const t = time(() => tf.tidy(() => { for (let r = 0; r < reps; r++) tf.matMul(a, b); }));
  a.dispose(), b.dispose();
  return (2 * T * rows * cols * reps) / (t.median * 1e6);
}

// The page's own timing (web/src/norm-timing.js): what a learner sees, measured here too.
function normTimes(scope, T, d) {
  const r = timeNorms(scope, d, { T });
  const ln = quartiles(r.layernorm_us), rms = quartiles(r.rmsnorm_us), ratio = quartiles(r.ratios);
  return { layernorm_us: ln.median, rmsnorm_us: rms.median, ratio: ratio.median, ratio_q1: ratio.q1, ratio_q3: ratio.q3 };
}

function kernelTimes(wasm) {
  const h = heap(wasm);
  const rows = 4 * 64, n = 64;
  const x = h.alloc(random(rows * n, 6)), out = h.alloc(new Float32Array(rows * n));
  const softmax = time(() => wasm.ns_kernel_softmax(out, x, rows, n, 20)).median / 20;
  const T = 64, hd = 16;
  const q = h.alloc(random(T * hd, 7)), cos = h.alloc(random(T * hd / 2, 8)), sin = h.alloc(random(T * hd / 2, 9));
  const rope = time(() => wasm.ns_kernel_rope(out, q, cos, sin, T, hd, 200)).median / 200;
  h.free();
  return { softmax_256x64_us: 1000 * softmax, rope_64x16_us: 1000 * rope };
}

function peakGflops(wasm) {
  const iterations = 5e6;
  // 6 or 8 multiply–add pairs × 4 lanes × 2 flops per iteration: the faster one here
  const six = time(() => wasm.ns_peak_madd6(iterations), { reps: 7 }).median;
  const eight = time(() => wasm.ns_peak_madd8(iterations), { reps: 7 }).median;
  return Math.max((iterations * 6 * 8) / (six * 1e6), (iterations * 8 * 8) / (eight * 1e6));
}

function modelConfig(m) {
  return {
    n_layers: m.n_layers, d_model: m.d_model, n_heads: m.n_heads, d_ff: 4 * m.d_model, max_tokens: Math.max(m.T, 16),
    norm: 'layernorm', placement: 'pre', activation: 'gelu', pos: 'rope', residual: 'on',
    rope_theta: 10000, rope_pairing: 'interleaved', norm_eps: 1e-5, init_std: 0.02, seed: 1,
  };
}

function forwardTime(scope, config, T, probes = true, grad = false) {
  const model = scope.model();
  const text = textOf(T);
  try {
    model.run(config, text, { grad });
    scope.wasm.ns_set_probes(model.ptr, probes ? 1 : 0);
    return time(() => model.run(null, text, { grad }), { reps: T >= 256 || config.d_model >= 512 ? 7 : 21 });
  } finally {
    model.free();
  }
}

// One AdamW step (batch 8 of the copy task, seq_len 32): forward and backward
// of 8 sequences and the update.
function trainStepTime(scope, config) {
  const model = scope.model();
  model.run({ ...config, max_tokens: Math.max(config.max_tokens, 32) }, 'ab');
  const trainer = model.trainer({ task: 'copy', batch_size: 8, seq_len: 32, warmup: 0 });
  trainer.step(2);
  const t = time(() => trainer.step(1), { reps: 15 });
  model.free();
  return t;
}

/** Runs everything; `log` reports progress. */
export async function runSuite({ simd, scalar, tf, where, log = () => {}, models = MODELS }) {
  const result = { where, date: new Date().toISOString(), models: [], matmul: [], norms: [], kernels: null };
  log(`${where}: peak`);
  result.peak = { simd_gflops: peakGflops(simd.wasm), scalar_gflops: peakGflops(scalar.wasm) };
  log(`${where}: matmul`);
  for (const [T, rows, cols] of [[64, 256, 64], [64, 1024, 256], [64, 256, 1024], [128, 2048, 512]])
    result.matmul.push({
      shape: `[${T}×${cols}]·[${cols}×${rows}]`, T, rows, cols,
      simd_gflops: matmulGflops(simd.wasm, T, rows, cols), scalar_gflops: matmulGflops(scalar.wasm, T, rows, cols),
      tfjs_gflops: tfjsMatmulGflops(tf, T, rows, cols),
    });
  log(`${where}: norms`);
  for (const d of [64, 256, 512, 1024]) result.norms.push({ d, T: 64, ...normTimes(simd, 64, d) });
  result.kernels = kernelTimes(simd.wasm);
  for (const m of models) {
    log(`${where}: forward L=${m.n_layers} d=${m.d_model} T=${m.T}`);
    const config = modelConfig(m);
    const ours = forwardTime(simd, config, m.T);
    const noProbes = forwardTime(simd, config, m.T, false);
    // gradients of the largest shape need more than the instance's memory budget: C refuses, the table says so
    let withGrad = null;
    try {
      withGrad = forwardTime(simd, config, m.T, true, true);
    } catch (e) {
      if (!/over the \d+ MiB limit/.test(e.message)) throw e;
    }
    const scalarTime = forwardTime(scalar, config, m.T);
    // a model of its own, freed at once: the instance's 512 MiB holds the largest shape's weights and file only then
    const saver = simd.model();
    const forward = tfjsForward(tf, config, saver.save(config));
    saver.free();
    const tokens = Array.from(new TextEncoder().encode(textOf(m.T)));
    // cross-check: the peer computes the same logits from the same weights
    const ref = simd.model();
    const logits = ref.run(config, textOf(m.T)).array('logits').slice();
    ref.free();
    const theirs = forward(tokens);
    let diff = 0, scale = 0;
    for (let i = 0; i < logits.length; i++) diff = Math.max(diff, Math.abs(logits[i] - theirs[i])), scale = Math.max(scale, Math.abs(logits[i]));
    const reps = { reps: m.T >= 256 || m.d_model >= 512 ? 7 : 21 };
    const peer = time(() => forward(tokens, { read: false }), reps);
    const peerRead = time(() => forward(tokens), reps);
    const flops = forwardFlops(m);
    result.models.push({
      ...m, flops,
      ms: ours.median, ms_q1: ours.q1, ms_q3: ours.q3, gflops: flops / (ours.median * 1e6),
      ms_no_probes: noProbes.median, probe_share: 1 - noProbes.median / ours.median,
      ms_grad: withGrad?.median ?? null, grad_ratio: withGrad ? withGrad.median / ours.median : null,
      scalar_ms: scalarTime.median, simd_speedup: scalarTime.median / ours.median,
      tfjs_ms: peer.median, tfjs_gflops: flops / (peer.median * 1e6), speedup_vs_tfjs: peer.median / ours.median,
      tfjs_ms_with_readback: peerRead.median,
      logits_max_abs_diff: diff, logits_scale: scale,
    });
  }
  log(`${where}: training steps`);
  result.training = models.filter((m) => m.n_layers * m.d_model <= 12 * 128).map((m) => {
    const t = trainStepTime(simd, modelConfig(m));
    return { n_layers: m.n_layers, d_model: m.d_model, ms: t.median, steps_per_sec: 1000 / t.median };
  });
  return result;
}
