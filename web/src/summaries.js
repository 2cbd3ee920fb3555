// summaries.js — one sentence per panel saying what its plot shows, in
// numbers: the text alternative a screen reader reads (and everyone sees
// under the panel's title), e.g. "rms of resid_out grows from 0.02 at
// layer 0 to 3.4 at layer 11". Computed from the same view the panel draws;
// the sentences are in the tables under summary.<panel>.
import { numberFormatter, translator } from './i18n.js';

const EN = translator('en'), EN_NUMBERS = numberFormatter('en');

// How a value changes from the first layer to the last: the key of the clause that says so.
const trend = (a, b) => (!Number.isFinite(a) || !Number.isFinite(b) ? 'goes' : b > a * 1.05 ? 'grows' : b < a / 1.05 ? 'falls' : 'level');

/** "<what> grows from … at layer 0 to … at layer N", and where NaN or Inf begins; `what` is a noun phrase from the tables. */
const span = (values, what, t, f) => {
  const first = values[0], last = values[values.length - 1];
  const bad = values.findIndex((v) => !Number.isFinite(v));
  const clause = t(`summary.trend.${trend(first, last)}`, { what, first: f(first), last: f(last), end: values.length - 1 });
  return bad >= 0 ? clause + t('summary.trend.bad', { layer: bad }) : clause;
};
const top = (list, t, f) => list.slice(0, 3).map((x) => t('summary.next.item', { char: x.char, p: f(x.p) })).join(', ');

export const SUMMARIES = {
  checks: (v, t = EN, f = EN_NUMBERS) => {
    const all = Object.entries(v.a), applies = all.filter(([, c]) => c.applies);
    const failed = applies.filter(([, c]) => !c.ok).map(([name]) => t(`checks.claim.${name}`));
    const params = { ok: applies.length - failed.length, total: applies.length, failed: failed.join(', ') };
    return t(failed.length ? 'summary.checks.failed' : 'summary.checks', params);
  },
  train: (v, t = EN, f = EN_NUMBERS) => {
    const losses = v.history[0] ?? [];
    if (!v.started) return t('summary.train.idle');
    const compared = v.history[1]?.length;
    const key = `summary.train.${v.playing ? 'playing' : 'paused'}${compared ? '.compared' : ''}`;
    return t(key, { steps: v.steps, loss: f(losses[losses.length - 1]), compared: compared ? f(v.history[1][v.history[1].length - 1]) : '' });
  },
  depth: (v, t = EN, f = EN_NUMBERS) => {
    const one = (run) => v.series.find((s) => s.run === run && s.site === 'resid_out')?.values;
    const a = one('a'), b = one('b');
    const main = span(a, t('summary.depth.what', { stat: v.stat }), t, f);
    return b ? t('summary.depth.compared', { main, other: span(b, t('summary.depth.it'), t, f) }) : t('summary.depth', { main });
  },
  intervene: (v, t = EN, f = EN_NUMBERS) => {
    const L = v.now.depth.length - 1;
    const now = { rms: f(v.now.depth[L]), char: v.now.top[0].char, p: f(v.now.top[0].p) };
    if (!v.base) return t('summary.intervene.none', now);
    return t('summary.intervene', { ...now, baseRms: f(v.base.depth[L]), baseChar: v.base.top[0].char, baseP: f(v.base.top[0].p) });
  },
  branches: (v, t = EN, f = EN_NUMBERS) => {
    const L = v.a.length, last = v.a[L - 1];
    const mean = (key) => v.a.reduce((s, b) => s + b[key].cos, 0) / L;
    return t('summary.branches', { attn: f(last.attn.rms), ffn: f(last.ffn.rms), stream: f(last.attn.streamRms),
      attnCos: f(mean('attn')), ffnCos: f(mean('ffn')) });
  },
  lens: (v, t = EN) => {
    const right = (row) => v.top[row].filter((b, i) => i < v.T - 1 && b === v.nextBytes[i]).length;
    // with no final norm (post-norm, norm none, or removed) there is one reading: the head on the stream
    return t(!v.finalNorm ? 'summary.lens.direct' : v.mode === 'raw' ? 'summary.lens.raw' : 'summary.lens.norm',
      { rows: v.rows, tokens: v.T, total: v.T - 1, first: right(0), last: right(v.rows - 1) });
  },
  outliers: (v, t = EN, f = EN_NUMBERS) => {
    const flagged = v.top.flatMap((row, l) => row.filter((o) => o.flagged).map((o) => ({ ...o, l })));
    if (!flagged.length) {
      const largest = v.top[v.layer][0];
      return t('summary.outliers.none', { ratio: f(v.ratio), layer: v.layer, channel: largest.channel, largest: f(largest.ratio) });
    }
    const big = flagged.sort((a, b) => b.ratio - a.ratio)[0];
    return t(flagged.length === 1 ? 'summary.outliers.one' : 'summary.outliers.other',
      { count: flagged.length, channel: big.channel, layer: big.l, ratio: f(big.ratio) });
  },
  gradients: (v, t = EN, f = EN_NUMBERS) => {
    if (v.gradError) return t('summary.gradients.error', { error: v.gradError });
    if (v.tooShort || !v.a) return t('summary.gradients.short');
    const s = v.a.series[0];
    if (!s) return t('summary.gradients.none');
    return t('summary.gradients', { span: span(s.values, t('summary.gradients.what', { name: s.name }), t, f), loss: f(v.a.loss) });
  },
  histogram: (v, t = EN, f = EN_NUMBERS) => {
    const d = (h) => t('summary.histogram.stats', { mean: f(h.mean), std: f(h.std), low: f(h.lo), high: f(h.hi) });
    if (v.kind === 'site') return t('summary.histogram.site', { site: v.site, layer: v.layer, stats: d(v.a), zeros: f(100 * v.a.zero_frac) });
    return t('summary.histogram.norm', { site: v.norm, layer: v.layer, before: d(v.a.before), after: d(v.a.after) });
  },
  vector: (v, t = EN, f = EN_NUMBERS) => {
    const rms = (x) => Math.sqrt(x.reduce((s, y) => s + y * y, 0) / x.length);
    const mean = (x) => x.reduce((s, y) => s + y, 0) / x.length;
    return t('summary.vector', { token: v.token, char: v.a.char, site: v.norm, layer: v.layer, mean: f(v.a.mean), rms: f(rms(v.a.input)),
      normMean: f(mean(v.a.normalized)), normRms: f(rms(v.a.normalized)) });
  },
  heatmap: (v, t = EN, f = EN_NUMBERS) => {
    const all = v.a.flat().filter(Number.isFinite);
    const heat = ['token_rms', 'norm_mean'].includes(v.heat) ? v.heat : 'norm_divisor';
    return t(`summary.heatmap.${heat}`, { site: v.site, layers: v.a.length, tokens: v.tokens.length,
      low: f(Math.min(...all)), high: f(Math.max(...all)) });
  },
  rope: (v, t = EN, f = EN_NUMBERS) => {
    if (!v.enabled) return t('summary.rope.off', { pos: v.pos });
    const s = v.analysis.scores;
    return t('summary.rope', { layer: v.layer, head: v.head, token: v.token, first: f(s[0]), last: f(s[s.length - 1]), offset: s.length - 1 });
  },
  attention: (v, t = EN, f = EN_NUMBERS) => {
    const T = v.T, row = v.a[0].slice((T - 1) * T, T * T);
    const best = row.reduce((b, p, i) => (p > row[b] ? i : b), 0);
    return t(v.a.length === 1 ? 'summary.attention.one' : 'summary.attention.other',
      { layer: v.layer, heads: v.a.length, tokens: T, char: v.tokens[best], p: f(row[best]) });
  },
  next: (v, t = EN, f = EN_NUMBERS) => (v.b
    ? t('summary.next.compared', { char: v.last, top: top(v.a, t, f), other: top(v.b, t, f) })
    : t('summary.next', { char: v.last, top: top(v.a, t, f) })),
  speed: (v, t = EN, f = EN_NUMBERS) => {
    if (!v.result) return t('summary.speed.idle', { d: v.d });
    const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
    return t('summary.speed', { d: v.d, layernorm: f(med(v.result.layernorm_us)), rmsnorm: f(med(v.result.rmsnorm_us)) });
  },
};
