// norm-timing.js — times the LayerNorm and RMSNorm kernels (the ones the
// model runs) on this machine, interleaved so drift hits both alike.
const now = () => performance.now();

export function timeNorms(scope, d, { T = 64, rounds = 15 } = {}) {
  const w = scope.wasm;
  const floats = [T * d, d, d, T * d, 2 * T];
  const ptrs = floats.map((n) => w.ns_malloc(n * 4) >>> 0);
  const [x, gamma, beta, out, scratch] = ptrs;
  let seed = 12345;
  const fill = (ptr, n) => {
    const view = new Float32Array(w.memory.buffer, ptr, n);
    for (let i = 0; i < n; i++) view[i] = ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  };
  fill(x, T * d), fill(gamma, d), fill(beta, d);
  // Browsers coarsen performance.now() (to 0.1 ms, with jitter): repeat each
  // kernel until one sample takes ≥ 5 ms, so the clock's step is under 2 %.
  // Warm up first: a new WASM function runs unoptimized for its first calls,
  // and a slow first call would stop the calibration too early.
  let reps = 64;
  const ln = () => w.ns_kernel_layernorm(out, scratch, x, gamma, beta, T, d, reps);
  const rms = () => w.ns_kernel_rmsnorm(out, scratch, x, gamma, T, d, reps);
  for (let i = 0; i < 5; i++) ln(), rms();
  reps = 1;
  const elapsed = (fn) => { const t = now(); fn(); return now() - t; };
  while (reps < 1e7 && Math.min(elapsed(rms), elapsed(rms)) < 5) reps *= 2;
  const result = { d, T, layernorm_us: [], rmsnorm_us: [], ratios: [] };
  for (let r = 0; r < rounds; r++) {
    const a = (elapsed(ln) * 1000) / reps, b = (elapsed(rms) * 1000) / reps;
    result.layernorm_us.push(a);
    result.rmsnorm_us.push(b);
    result.ratios.push(a / b);
  }
  ptrs.forEach((p) => w.ns_free(p));
  return result;
}

export function quartiles(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.round(q * (s.length - 1))];
  return { q1: at(0.25), median: at(0.5), q3: at(0.75) };
}
