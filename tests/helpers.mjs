// helpers.mjs — shared by the node tests: paths, the CLI, and a tolerant
// deep comparison of two run JSONs that names the first differing path.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NormScope } from '../web/dist/normscope.js';

export const root = fileURLToPath(new URL('../', import.meta.url));
export const cliPath = `${root}build/normscope`;
export const asanCliPath = `${root}build/normscope-asan`;
export const scalarWasm = new URL('../web/dist/normscope-scalar.wasm', import.meta.url);

export const loadSimd = () => NormScope.load();
export const loadScalar = () => NormScope.load({ wasmUrl: scalarWasm });

export function runCli(args, binary = cliPath) {
  const result = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

export function kebabFlags(config) {
  return Object.entries(config).flatMap(([k, v]) => [`--${k.replaceAll('_', '-')}`, String(v)]);
}

// Walks two JSON values; numbers must satisfy |a − b| ≤ atol + rtol·|b|.
// Returns mismatch strings naming the path (layer, site, statistic).
// Inside an array of numbers, scaleRtol adds a tolerance relative to the
// array's largest magnitude. Histogram counts may move by countsAtol.
export function diffJson(got, want, options = {}, path = '$', out = [], scale = 0) {
  const { atol = 1e-6, rtol = 1e-4, scaleRtol = 0, limit = 5, countsAtol = 0 } = options;
  if (out.length >= limit) return out;
  if (typeof want === 'number' && typeof got === 'number') {
    const tol = /\.counts\[\d+\]$/.test(path) ? countsAtol : atol + rtol * Math.abs(want) + scaleRtol * scale;
    if (!(Math.abs(got - want) <= tol)) out.push(`${path}: got ${got}, want ${want}`);
  } else if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) out.push(`${path}: length ${got?.length} vs ${want.length}`);
    else {
      const max = want.reduce((m, w) => (typeof w === 'number' ? Math.max(m, Math.abs(w)) : m), 0);
      want.forEach((w, i) => diffJson(got[i], w, options, `${path}[${i}]`, out, max));
    }
  } else if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') out.push(`${path}: got ${JSON.stringify(got)}`);
    else {
      const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
      for (const k of keys) {
        if (!(k in got) || !(k in want)) out.push(`${path}.${k}: present on one side only`);
        else diffJson(got[k], want[k], options, `${path}.${k}`, out);
      }
    }
  } else if (got !== want) out.push(`${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  return out;
}

// The config grid the CLI, the reference and both WASM builds are held to.
export function* configGrid() {
  const positions = [
    { pos: 'rope', rope_pairing: 'interleaved' },
    { pos: 'rope', rope_pairing: 'half' },
    { pos: 'sinusoidal' },
    { pos: 'learned' },
    { pos: 'none' },
  ];
  let seed = 100;
  for (const norm of ['layernorm', 'rmsnorm', 'none'])
    for (const placement of ['pre', 'post'])
      for (const activation of ['gelu', 'relu', 'swiglu'])
        for (const position of positions)
          for (const residual of ['on', 'off'])
            yield {
              n_layers: 3, d_model: 24, n_heads: 3, d_ff: 40, max_tokens: 64, norm, placement, activation,
              residual, ...position, seed: seed++, init: seed % 2 ? 'xavier' : 'normal', init_std: 0.3,
            };
}
