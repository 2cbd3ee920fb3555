// summaries.js — one sentence per panel saying what its plot shows, in
// numbers: the text alternative a screen reader reads (and everyone sees
// under the panel's title), e.g. "rms of resid_out grows from 0.02 at
// layer 0 to 3.4 at layer 11". Computed from the same view the panel draws.
import { formatNumber as f } from './plot.js';

const trend = (a, b) => (!Number.isFinite(a) || !Number.isFinite(b) ? 'goes' : b > a * 1.05 ? 'grows' : b < a / 1.05 ? 'falls' : 'stays about level');
const span = (values, what, unit = 'layer') => {
  const first = values[0], last = values[values.length - 1];
  const bad = values.findIndex((v) => !Number.isFinite(v));
  return `${what} ${trend(first, last)} from ${f(first)} at ${unit} 0 to ${f(last)} at ${unit} ${values.length - 1}` +
    (bad >= 0 ? `, NaN or Inf from ${unit} ${bad}` : '');
};
const top = (list) => list.slice(0, 3).map((t) => `“${t.char}” ${f(t.p)}`).join(', ');

export const SUMMARIES = {
  checks: (v) => {
    const all = Object.entries(v.a), applies = all.filter(([, c]) => c.applies);
    const failed = applies.filter(([, c]) => !c.ok).map(([name]) => name);
    return `${applies.length - failed.length} of ${applies.length} checks verified${failed.length ? `; failed: ${failed.join(', ')}` : ''}.`;
  },
  train: (v) => {
    const losses = v.history[0] ?? [];
    if (!v.started) return 'Not training: press Play or Step to train.';
    return `${v.playing ? 'Training' : 'Paused'} at step ${v.steps}; loss ${f(losses[losses.length - 1])}` +
      (v.history[1]?.length ? `, compared model ${f(v.history[1][v.history[1].length - 1])}` : '') + '.';
  },
  depth: (v) => {
    const one = (run) => v.series.find((s) => s.run === run && s.site === 'resid_out')?.values;
    const a = one('a'), b = one('b');
    return `${span(a, `${v.stat} of resid_out`)}${b ? `; compared (dashed): ${span(b, 'it')}` : ''}.`;
  },
  intervene: (v) => {
    const L = v.now.depth.length - 1;
    if (!v.base) return `No intervention: rms of the last block's output ${f(v.now.depth[L])}, next byte “${v.now.top[0].char}” ${f(v.now.top[0].p)}.`;
    return `Intervened: rms of the last block's output ${f(v.now.depth[L])} against ${f(v.base.depth[L])} unmodified; ` +
      `next byte “${v.now.top[0].char}” ${f(v.now.top[0].p)} against “${v.base.top[0].char}” ${f(v.base.top[0].p)}.`;
  },
  branches: (v) => {
    const L = v.a.length, last = v.a[L - 1];
    const mean = (key) => v.a.reduce((s, b) => s + b[key].cos, 0) / L;
    return `At the last layer attention adds rms ${f(last.attn.rms)} and the FFN ${f(last.ffn.rms)} to a stream of rms ` +
      `${f(last.attn.streamRms)}; their mean cosines with the stream are ${f(mean('attn'))} and ${f(mean('ffn'))}.`;
  },
  lens: (v) => {
    const right = (row) => v.top[row].filter((b, t) => t < v.T - 1 && b === v.nextBytes[t]).length;
    return `Logit lens ${v.mode === 'raw' ? 'without' : 'through'} the final norm over ${v.rows} depths and ${v.T} tokens: ` +
      `the embedding predicts ${right(0)} of ${v.T - 1} next bytes, the last layer ${right(v.rows - 1)}.`;
  },
  outliers: (v) => {
    const flagged = v.top.flatMap((row, l) => row.filter((o) => o.flagged).map((o) => ({ ...o, l })));
    if (!flagged.length) return `No channel reaches ${v.ratio}× its layer's median (largest at layer ${v.layer}: channel ${v.top[v.layer][0].channel}, ${f(v.top[v.layer][0].ratio)}×).`;
    const big = flagged.sort((a, b) => b.ratio - a.ratio)[0];
    return `${flagged.length} flagged channel(s); the largest is channel ${big.channel} at layer ${big.l}, ${f(big.ratio)}× the median.`;
  },
  gradients: (v) => {
    if (v.gradError) return `No gradients: ${v.gradError}`;
    if (v.tooShort || !v.a) return 'No gradients: the text needs at least 2 bytes.';
    const s = v.a.series[0];
    return s ? `${span(s.values, `gradient norm of ${s.name}`)}; loss ${f(v.a.loss)}.` : 'This model has none of these weights.';
  },
  histogram: (v) => {
    const d = (h) => `mean ${f(h.mean)}, std ${f(h.std)}, from ${f(h.lo)} to ${f(h.hi)}`;
    if (v.kind === 'site') return `${v.site} at layer ${v.layer}: ${d(v.a)}; ${f(100 * v.a.zero_frac)} % exact zeros.`;
    return `${v.norm} at layer ${v.layer}: before, ${d(v.a.before)}; after, ${d(v.a.after)}.`;
  },
  vector: (v) => {
    const rms = (x) => Math.sqrt(x.reduce((s, y) => s + y * y, 0) / x.length);
    const mean = (x) => x.reduce((s, y) => s + y, 0) / x.length;
    return `Token ${v.token} “${v.a.char}” through ${v.norm} at layer ${v.layer}: input mean ${f(v.a.mean)}, rms ${f(rms(v.a.input))}; ` +
      `normalized mean ${f(mean(v.a.normalized))}, rms ${f(rms(v.a.normalized))}.`;
  },
  heatmap: (v) => {
    const all = v.a.flat().filter(Number.isFinite);
    return `${v.heat === 'token_rms' ? `rms of each token at ${v.site}` : v.heat === 'norm_mean' ? 'the mean each norm saw' : 'what each norm divided by'} ` +
      `over ${v.a.length} layers and ${v.tokens.length} tokens: from ${f(Math.min(...all))} to ${f(Math.max(...all))}.`;
  },
  rope: (v) => {
    if (!v.enabled) return `RoPE is off (positions: ${v.pos}).`;
    const s = v.analysis.scores;
    return `Layer ${v.layer} head ${v.head}, token ${v.token}: the score of q with itself is ${f(s[0])} at offset 0 and ${f(s[s.length - 1])} at offset ${s.length - 1}; it depends only on the offset.`;
  },
  attention: (v) => {
    const T = v.T, row = v.a[0].slice((T - 1) * T, T * T);
    const best = row.reduce((b, p, i) => (p > row[b] ? i : b), 0);
    return `Layer ${v.layer}, ${v.a.length} heads over ${T} tokens; in head 0 the last token attends most to “${v.tokens[best]}” (${f(row[best])}).`;
  },
  next: (v) => `After “${v.last}” the likeliest next bytes are ${top(v.a)}${v.b ? `; compared: ${top(v.b)}` : ''}.`,
  speed: (v) => {
    if (!v.result) return `Not timed yet at d_model ${v.d}.`;
    const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
    return `At d_model ${v.d}: LayerNorm ${f(med(v.result.layernorm_us))} µs, RMSNorm ${f(med(v.result.rmsnorm_us))} µs per call.`;
  },
};
