// run.mjs — ./build.sh bench: the suite in Node and in Chromium, one run
// each; writes docs/bench.json and the table between the bench markers in
// README.md, with the machine it ran on and each target met or missed.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { benchNode } from './node.mjs';
import { benchBrowser } from './browser.mjs';
import { benchSite } from './site.mjs';

const root = new URL('../../', import.meta.url).pathname;
const f1 = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (v) => `${(100 * v).toFixed(0)} %`;

function machine() {
  let chromium = 'chromium';
  try { chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim(); } catch {}
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version, chromium };
}

function targets(run) {
  const byShape = (L, d) => run.models.find((m) => m.n_layers === L && m.d_model === d);
  const dflt = byShape(6, 64), big = byShape(12, 256);
  const ffn = run.matmul.find((m) => m.rows === 1024 && m.cols === 256);
  const worstPeer = Math.min(...run.models.map((m) => m.speedup_vs_tfjs));
  const worstProbe = Math.max(...run.models.map((m) => m.probe_share));
  const matmulSimd = Math.min(...run.matmul.map((m) => m.simd_gflops / m.scalar_gflops));
  return [
    ['default model (6 layers, d 64, 64 bytes) forward with probes ≤ 1 ms', `${f1(dflt.ms)} ms`, dflt.ms <= 1],
    ['12 layers, d 256, d_ff 1024: forward GFLOP/s ≥ 60 % of XNNPACK matmul at [64×256]·[256×1024]',
      `${f1(big.gflops)} / ${f1(ffn.tfjs_gflops)} = ${pct(big.gflops / ffn.tfjs_gflops)}`, big.gflops >= 0.6 * ffn.tfjs_gflops],
    ['our forward faster than the tfjs-wasm forward on every model', `slowest ratio ${f1(worstPeer)}×`, worstPeer > 1],
    ['probes ≤ 15 % of a forward', `worst ${pct(worstProbe)}`, worstProbe <= 0.15],
    ['SIMD ≥ 3× scalar on matmul', `worst ${f1(matmulSimd)}×`, matmulSimd >= 3],
  ];
}

function siteTable(site) {
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
  const ms = (r) => `${r.median_ms.toFixed(0)} ms (quartiles ${r.q1_ms.toFixed(0)}–${r.q3_ms.toFixed(0)})`;
  const rows = [
    ['first render on localhost, 1280 px ≤ 1 s (navigation to the first drawn panels, Chromium)', ms(site.first_render_1280), site.first_render_1280.median_ms <= 1000],
    ['first render on localhost, 360 px with touch ≤ 1 s', ms(site.first_render_360), site.first_render_360.median_ms <= 1000],
    ['first visit ≤ 300 KB gzipped (page, style, bundle, SIMD module)', kb(site.first_visit_gzip), site.first_visit_gzip <= 300 * 1024],
    ['whole site ≤ 300 KB gzipped (every page, script and module, scalar build, worker, lesson)', kb(site.site_gzip), site.site_gzip <= 300 * 1024],
  ];
  return ['| reach | measured |', '|---|---|', ...rows.map(([what, value, ok]) => `| ${what} | ${ok ? '✅' : '❌'} ${value} |`),
    `| the shipped copy-task checkpoints, fetched only when a learner picks weights = copy | ${site.checkpoints.count} files, ${kb(site.checkpoints.bytes)} (${kb(site.checkpoints.gzip)} gzipped: float32 weights barely compress) |`];
}

function table(run) {
  const lines = [`**${run.where}** — peak (register-only multiply–add): ${f1(run.peak.simd_gflops)} GFLOP/s SIMD, ${f1(run.peak.scalar_gflops)} scalar`, '',
    '| model (layers × d_model, T bytes) | normscope ms (GFLOP/s) | no probes ms (probe share) | + backward ms (× forward) | scalar build ms (SIMD ×) | tfjs-wasm ms (GFLOP/s) | ours vs tfjs | logits max \\|Δ\\| |',
    '|---|---|---|---|---|---|---|---|'];
  for (const m of run.models)
    lines.push(`| ${m.n_layers} × ${m.d_model}, T ${m.T} | ${f1(m.ms)} (${f1(m.gflops)}) | ${f1(m.ms_no_probes)} (${pct(m.probe_share)}) | ` +
      `${m.ms_grad === null ? 'over the memory budget' : `${f1(m.ms_grad)} (${f1(m.grad_ratio)}×)`} | ` +
      `${f1(m.scalar_ms)} (${f1(m.simd_speedup)}×) | ${f1(m.tfjs_ms)} (${f1(m.tfjs_gflops)}) | ${f1(m.speedup_vs_tfjs)}× | ${m.logits_max_abs_diff.toExponential(1)} |`);
  lines.push('', '| matmul | normscope SIMD GFLOP/s | scalar | XNNPACK (tfjs-wasm) | ours / XNNPACK |', '|---|---|---|---|---|');
  for (const m of run.matmul)
    lines.push(`| ${m.shape} | ${f1(m.simd_gflops)} | ${f1(m.scalar_gflops)} | ${f1(m.tfjs_gflops)} | ${pct(m.simd_gflops / m.tfjs_gflops)} |`);
  lines.push('', '| d_model (T 64) | LayerNorm µs | RMSNorm µs | LayerNorm / RMSNorm (quartiles) |', '|---|---|---|---|');
  for (const n of run.norms)
    lines.push(`| ${n.d} | ${f1(n.layernorm_us)} | ${f1(n.rmsnorm_us)} | ${n.ratio.toFixed(2)} (${n.ratio_q1.toFixed(2)}–${n.ratio_q3.toFixed(2)}) |`);
  if (run.training?.length) {
    lines.push('', '| training (AdamW, batch 8 × 32 bytes of the copy task) | ms per step | steps/s |', '|---|---|---|');
    for (const t of run.training) lines.push(`| ${t.n_layers} × ${t.d_model} | ${f1(t.ms)} | ${f1(t.steps_per_sec)} |`);
  }
  lines.push('', `Softmax of 256 rows × 64: ${f1(run.kernels.softmax_256x64_us)} µs; RoPE of 64 × 16: ${f1(run.kernels.rope_64x16_us)} µs.`);
  return lines.join('\n');
}

// `node tests/bench/run.mjs site` measures the site again and keeps the rest of docs/bench.json
const onlySite = process.argv[2] === 'site';
const kept = onlySite ? JSON.parse(readFileSync(`${root}docs/bench.json`, 'utf8')) : null;
const node = kept?.node ?? await benchNode();
const browser = kept?.browser ?? await benchBrowser();
const site = await benchSite(console.log);
const result = { machine: kept?.machine ?? machine(), node, browser, site };
writeFileSync(`${root}docs/bench.json`, `${JSON.stringify(result, null, 1)}\n`);
const m = result.machine;
const section = [
  '<!-- bench:start (written by ./build.sh bench) -->',
  `Measured ${node.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB; ${m.node}; ${m.chromium}. Medians of repeated runs, one run per environment; every ratio compares numbers from the same run. Raw numbers: [docs/bench.json](docs/bench.json).`,
  '',
  '| target | Node | Chromium |', '|---|---|---|',
  ...targets(node).map(([what, value, ok], i) => {
    const [, bValue, bOk] = targets(browser)[i];
    return `| ${what} | ${ok ? '✅' : '❌'} ${value} | ${bOk ? '✅' : '❌'} ${bValue} |`;
  }),
  '', ...siteTable(site), '', table(node), '', table(browser), '<!-- bench:end -->',
].join('\n');
const readme = readFileSync(`${root}README.md`, 'utf8');
const updated = readme.replace(/<!-- bench:start[\s\S]*?<!-- bench:end -->/, section);
writeFileSync(`${root}README.md`, updated === readme && !readme.includes('bench:start') ? `${readme}\n${section}\n` : updated);
console.log(section);
