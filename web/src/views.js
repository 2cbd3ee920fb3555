// views.js — what each panel draws, copied out of the run(s) as plain data.
// Views never hold a typed array over WASM memory: the next run reuses it.

const NORM_OF_SITE = { resid_in: 0, attn_norm: 0, attn_out: 0, resid_mid: 1, ffn_norm: 1, ffn_hidden: 1, ffn_out: 1, resid_out: 1 };
const normOfSite = (site) => NORM_OF_SITE[site];
const NORM_NAMES = ['attn_norm', 'ffn_norm'];

function stats(run, layer, site) {
  const [, S, K] = run.shape('site_stats');
  const s = run.sites.indexOf(site);
  const all = run.array('site_stats');
  const base = (layer * S + s) * K;
  return Object.fromEntries(run.statNames.map((name, k) => [name, all[base + k]]));
}

function depth({ a, b, state, labels }) {
  const series = (run, which) => run.sites.map((site) => {
    const L = run.config.n_layers;
    const values = [], bad = [];
    for (let l = 0; l < L; l++) {
      const st = stats(run, l, site);
      values.push(st[state.stat]);
      bad.push(st.nan + st.inf);
    }
    return { run: which, site, values, bad };
  });
  return {
    stat: state.stat, layer: state.layer, site: state.site,
    series: [...series(a, 'a'), ...(b ? series(b, 'b') : [])],
    labels,
  };
}

function histOf(run, arrayStats, arrayHist, l, k) {
  const [, N, K] = run.shape(arrayStats);
  const st = run.array(arrayStats).slice((l * N + k) * K, (l * N + k + 1) * K);
  const bins = run.shape(arrayHist)[2];
  const counts = Array.from(run.array(arrayHist).slice((l * N + k) * bins, (l * N + k + 1) * bins));
  const at = (name) => st[run.statNames.indexOf(name)];
  return { lo: at('hist_lo'), hi: at('hist_hi'), counts, mean: at('mean'), std: at('std'), rms: at('rms'),
    nan: at('nan'), inf: at('inf') };
}

function histogram({ a, b, state, labels }) {
  if (!NORM_NAMES.includes(state.site)) {  // any other site: its own distribution and share of exact zeros
    const one = (run) => {
      const h = histOf(run, 'site_stats', 'site_hist', state.layer, run.sites.indexOf(state.site));
      return { ...h, zero_frac: stats(run, state.layer, state.site).zero_frac, activation: run.config.activation };
    };
    return { kind: 'site', layer: state.layer, site: state.site, a: one(a), b: b ? one(b) : null, labels };
  }
  const k = normOfSite(state.site);
  const one = (run) => {
    const s = run.sites.indexOf(NORM_NAMES[k]);
    return {
      before: histOf(run, 'norm_input_stats', 'norm_input_hist', state.layer, k),
      after: histOf(run, 'site_stats', 'site_hist', state.layer, s),
      norm: run.config.norm,
    };
  };
  return { kind: 'norm', layer: state.layer, norm: NORM_NAMES[k], a: one(a), b: b ? one(b) : null, labels };
}

function vector({ a, b, modelA, modelB, state, labels }) {
  const k = normOfSite(state.site);
  const one = (run, model) => {
    const probe = model.normProbe(state.layer, k, state.token, state.shift, state.scale);
    return { ...probe, norm: run.config.norm, char: charOf(run.tokens[state.token]) };
  };
  return {
    layer: state.layer, norm: NORM_NAMES[k], token: state.token, shift: state.shift, scale: state.scale, nTokens: a.nTokens,
    a: one(a, modelA), b: b ? one(b, modelB) : null, labels,
  };
}

function heatmapValues(run, state) {
  const [L, S, T] = run.shape('site_token_rms');
  const values = [];
  if (state.heat === 'token_rms') {
    const s = run.sites.indexOf(state.site);
    const all = run.array('site_token_rms');
    for (let l = 0; l < L; l++) values.push(Array.from(all.slice((l * S + s) * T, (l * S + s + 1) * T)));
  } else {
    const k = normOfSite(state.site);
    const all = run.array(state.heat);
    for (let l = 0; l < L; l++) values.push(Array.from(all.slice((l * 2 + k) * T, (l * 2 + k + 1) * T)));
  }
  return values;
}

function heatmap({ a, b, state, labels }) {
  return {
    heat: state.heat, site: state.heat === 'token_rms' ? state.site : NORM_NAMES[normOfSite(state.site)],
    a: heatmapValues(a, state), b: b ? heatmapValues(b, state) : null, labels,
    tokens: Array.from(a.tokens, charOf), layer: state.layer, token: state.token,
  };
}

function attentionHeads(run, layer) {
  const [, H, T] = run.shape('attn_probs');
  const all = run.array('attn_probs');
  const heads = [];
  for (let h = 0; h < H; h++) heads.push(all.slice((layer * H + h) * T * T, (layer * H + h + 1) * T * T));
  return heads;
}

function attention({ a, b, state, labels }) {
  return {
    layer: state.layer, head: state.head, T: a.nTokens, tokens: Array.from(a.tokens, charOf), labels,
    a: attentionHeads(a, state.layer), b: b ? attentionHeads(b, state.layer) : null,
  };
}

function rope({ a, state }) {
  // Offsets for the score-vs-distance line: longer than any default text, so the
  // slow pairs' drift shows; the s(m, n) matrix takes the first 64 (C caps it).
  const ROPE_OFFSETS = 256;
  const config = a.config;
  if (config.pos !== 'rope') return { enabled: false, pos: config.pos };
  const [, T, H, hd] = a.shape('attn_q');
  return {
    enabled: true, layer: state.layer, head: state.head, heads: H, token: state.token, nTokens: T, hd,
    theta: config.rope_theta, pairing: config.rope_pairing, char: charOf(a.tokens[state.token]),
    analysis: a.model.ropeAnalysis(state.layer, state.head, state.token, ROPE_OFFSETS),
  };
}

function next({ a, b, labels }) {
  const top = (run) => {
    const probs = run.array('probs').slice();
    return Array.from(probs, (p, byte) => ({ byte, p, char: charOf(byte) }))
      .sort((x, y) => (Number.isNaN(y.p) ? -1 : y.p - x.p)).slice(0, 10);
  };
  return { a: top(a), b: b ? top(b) : null, labels, last: charOf(a.tokens[a.nTokens - 1]) };
}

// What each choice of the gradient panel plots: weights by their LayerTensor
// name (C's LAYER_TENSORS), or stream sites.
const GRAD_SERIES = {
  ffn: ['w1', 'w2', 'w3'],
  attention: ['wq', 'wk', 'wv', 'wo'],
  norms: ['attention_norm', 'attention_norm_bias', 'ffn_norm', 'ffn_norm_bias'],
  stream: ['resid_in', 'resid_mid', 'resid_out'],
};

function gradientsOf(run, over, kind) {
  if (!run.hasGrad) return null;
  const L = run.config.n_layers;
  const stream = kind === 'stream';
  const names = stream ? run.sites : run.layerTensors;
  const K = names.length;
  const own = Array.from(run.array(stream ? 'grad_site_rms' : 'grad_layer_norm'));
  const summary = over ? (stream ? over.siteRms : over.layerNorm) : null;
  const pick = (values, k) => Array.from({ length: L }, (_, l) => values[l * K + k]);
  const series = GRAD_SERIES[kind]
    .map((name) => ({ name, k: names.indexOf(name) }))
    .filter(({ k }) => k >= 0)
    .map(({ name, k }) => ({
      name,
      values: pick(summary ? summary.mean : own, k),
      min: summary ? pick(summary.min, k) : null,
      max: summary ? pick(summary.max, k) : null,
    }))
    .filter((s) => s.values.some((v) => v !== 0));  // a tensor this config does not have (w3 without SwiGLU, β without LayerNorm)
  return { loss: summary ? over.loss : run.loss, series, config: run.config,
    kindMissing: series.length === 0 };
}

function gradients({ a, b, over, state, labels, weightsFromFile, gradError }) {
  const tooShort = !a.hasGrad;
  return {
    kind: state.grad, seeds: over ? over.a.seeds : 1, seedsAsked: state.grad_seeds, weightsFromFile, layer: state.layer,
    seedRange: over ? `${a.config.seed} to ${(BigInt(a.config.seed) + BigInt(over.a.seeds - 1)) % (1n << 64n)}` : null,
    tooShort, labels, gradError,
    a: tooShort ? null : gradientsOf(a, over?.a, state.grad),
    b: b && !tooShort ? gradientsOf(b, over?.b, state.grad) : null,
  };
}

const text = (bytes) => Array.from(bytes ?? [], (byte) => (byte >= 32 && byte < 127 ? String.fromCharCode(byte) : '·')).join('');

function train({ training, state, labels }) {
  const pair = state.compare !== 'off' && state.compare !== 'init';
  return {
    started: Boolean(training.worker), playing: training.playing, pausing: training.pausing, steps: training.steps, stepsPerSec: training.stepsPerSec,
    lr: training.lr, error: training.error, task: state.task, history: training.history,
    labels: { a: labels.a, b: pair ? labels.b : null },
    samples: (training.samples ?? []).map((s) => ({ prompt: text(s.prompt), continuation: text(s.continuation), expected: text(s.expected) })),
  };
}

/** A byte as a learner reads it: printable ASCII as itself, else its hex. */
function charOf(byte) {
  if (byte === 32) return '␣';
  if (byte > 32 && byte < 127) return String.fromCharCode(byte);
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function speed({ a, normTimings }) {
  const d = a.config.d_model;
  return { d, result: normTimings.get(d) ?? null };
}

function lens({ a, state }) {
  const reading = a.lens();
  const { rows, T } = reading;
  const raw = state.lens === 'raw' && reading.finalNorm;
  const top = raw ? reading.rawTop : reading.top, prob = raw ? reading.rawProb : reading.prob;
  const grid = (values, f) => Array.from({ length: rows }, (_, r) => Array.from(values.slice(r * T, (r + 1) * T), f));
  const tokens = Array.from(a.tokens);
  return {
    rows, T, mode: raw ? 'raw' : 'norm', finalNorm: reading.finalNorm, placement: a.config.placement, norm: a.config.norm,
    finalRemoved: a.config.remove_norm === 'final_norm', layer: state.layer, token: state.token,
    tokens: tokens.map(charOf), nextBytes: tokens.slice(1),
    top: grid(top, (b) => b), topChars: grid(top, charOf), prob: grid(prob, (p) => p),
  };
}

function branches({ a, b, labels, state }) {
  return { a: a.branches(), b: b ? b.branches() : null, labels, layer: state.layer, placement: a.config.placement,
    residual: a.config.residual, scale: a.config.residual_scale };
}

const INTERVENTIONS = ['skip_layer', 'zero_head', 'remove_norm', 'residual_scale'];

function top5(probs) {
  return Array.from(probs, (p, byte) => ({ byte, p, char: charOf(byte) }))
    .sort((x, y) => (Number.isNaN(y.p) ? -1 : Number.isNaN(x.p) ? 1 : y.p - x.p)).slice(0, 5);
}

function intervene({ a, state }) {
  const L = a.config.n_layers;
  const base = a.baseline();
  const depthOf = (stat) => Array.from({ length: L }, (_, l) => stat(l, 'resid_out', 'rms'));
  return {
    config: a.config, values: Object.fromEntries(INTERVENTIONS.map((n) => [n, state[n]])), layer: state.layer,
    now: { depth: depthOf((l, site, st) => a.stat(l, site, st)), top: top5(a.array('probs')) },
    base: base ? { depth: depthOf(base.stat), top: top5(base.probs) } : null,
    last: charOf(a.tokens[a.nTokens - 1]),
  };
}

function checks({ a, b, labels }) {
  return { a: a.checks(), b: b ? b.checks() : null, labels, config: a.config };
}

function outliers({ a, state }) {
  const L = a.config.n_layers;
  return { absmax: a.channelAbsmax(), top: a.outliers(), ratio: a.layout.outlier_ratio, layer: state.layer,
    bad: Array.from({ length: L }, (_, l) => a.stat(l, 'resid_out', 'nan') + a.stat(l, 'resid_out', 'inf')),
    d: a.config.d_model };
}

export const VIEWS = {
  train, depth, gradients, histogram, vector, heatmap, attention, rope, next, speed, lens, branches, intervene, checks, outliers,
};
