// gradients.js — gradient flow: how large the loss gradient is at each layer,
// for one kind of weight or for the residual stream, on a log axis. In compare
// mode the two models sit side by side on the same axes (Xiong et al. 2020:
// post-norm's FFN gradients grow toward the output, pre-norm's do not).
import { scaleLinear, scaleLog } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { area, line } from 'd3-shape';
import { pointer } from 'd3-selection';
import { OKABE_ITO, axisLabel, frame, keepControls, legend, readout, selectControl, setIdle } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

// title and note: panel.gradients.title and panel.gradients.note in the tables (lang/*/panels-a.js)
export const name = 'gradients';
export const wide = true;

// what the select offers; each one's text is gradients.kind.<kind> in the tables
const KINDS = ['ffn', 'attention', 'norms', 'stream'];
const NAMES = {
  w1: 'W1', w2: 'W2', w3: 'W3', wq: 'Wq', wk: 'Wk', wv: 'Wv', wo: 'Wo', attention_norm: 'attn_norm γ',
  attention_norm_bias: 'attn_norm β', ffn_norm: 'ffn_norm γ', ffn_norm_bias: 'ffn_norm β',
  resid_in: 'resid_in', resid_mid: 'resid_mid', resid_out: 'resid_out',
};
// The presets: the paper's setting (ReLU FFN, Xavier init, 6 layers, averaged
// over 6 seeds) and the residual highway without norms to hide it.
const PRESETS = [
  { key: 'xiong',
    patch: { init: 'xavier', activation: 'relu', placement: 'post', compare: 'placement', grad: 'ffn', grad_seeds: 6 } },
  { key: 'highway',
    patch: { norm: 'none', residual: 'off', compare: 'residual', grad: 'stream', n_layers: 12 } },
];

function lineNote(container, text) {
  const p = document.createElement('p');
  p.className = 'seeds-note';
  p.textContent = text;
  container.append(p);
}

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en');
  const fmt = ctx.fmt ?? numberFormatter('en');
  keepControls(container, (row) => {
    selectControl(row, t('gradients.show'), KINDS.map((k) => [k, t(`gradients.kind.${k}`)]), (grad) => ctx.select({ grad }));
    const label = document.createElement('label');
    label.textContent = t('gradients.seeds');
    label.title = t('gradients.seeds.title');
    const seeds = document.createElement('input');
    seeds.type = 'number';
    seeds.min = '1';
    seeds.max = '8';
    seeds.step = '1';
    seeds.addEventListener('change', () => {
      const n = Number(seeds.value);
      if (Number.isInteger(n) && n >= 1 && n <= 8) ctx.select({ grad_seeds: n });
      else seeds.value = String(ctx.state.grad_seeds);
    });
    label.append(seeds);
    row.append(label);
    const presets = document.createElement('span');
    presets.className = 'presets';
    presets.append(t('gradients.presets'));
    PRESETS.forEach(({ key, patch }, i) => {
      const a = document.createElement('a');
      a.textContent = t(`gradients.preset.${key}`);
      a.dataset.preset = String(i);
      a.addEventListener('click', (event) => {
        event.preventDefault();  // an embedded element has no page of its own to go to
        ctx.preset(patch);
      });
      if (i) presets.append(' · ');
      presets.append(a);
    });
    row.append(presets);
  }, (row) => {
    setIdle(row.querySelector('select'), view.kind);
    setIdle(row.querySelector('input'), view.seedsAsked);
    row.querySelectorAll('a[data-preset]').forEach((a) => { a.href = ctx.link(PRESETS[Number(a.dataset.preset)].patch); });
  });

  const caveat = (text) => {
    const p = document.createElement('p');
    p.className = 'caveat';
    p.textContent = text;
    container.append(p);
  };
  if (view.gradError) {
    caveat(t('gradients.error', { error: view.gradError }));
    return;
  }
  if (view.tooShort) {
    caveat(t('gradients.short'));
    return;
  }
  if (view.a.kindMissing) {
    caveat(t(view.kind === 'norms' ? 'gradients.no_norms' : 'gradients.nothing'));
    return;
  }
  if (view.seedsAsked > 1 && view.weightsFromFile) caveat(t('gradients.seeds_ignored'));
  const runs = [['a', view.a], ['b', view.b]].filter(([, g]) => g);
  // values named by their model, when there are two to tell apart
  const ofModel = (values, model) => (runs.length > 1 ? t('gradients.of_model', { model, values }) : values);
  for (const [, g] of runs)
    if (g.config.residual === 'off' && g.config.norm !== 'none') {
      caveat(t('gradients.residual_off'));
      break;
    }

  const all = runs.flatMap(([, g]) => g.series.flatMap((s) => [...s.values, ...(s.min ?? []), ...(s.max ?? [])]));
  const positive = all.filter((v) => Number.isFinite(v) && v > 0);
  const lo = positive.length ? Math.min(...positive) : 1e-6, hi = positive.length ? Math.max(...positive) : 1;
  const names = [...new Set(runs.flatMap(([, g]) => g.series.map((s) => s.name)))];
  const color = (n) => OKABE_ITO[names.indexOf(n) % OKABE_ITO.length];

  const plots = document.createElement('div');
  plots.className = 'plots';
  container.append(plots);
  const total = Math.max(260, container.clientWidth || 860);
  const sideBySide = runs.length === 2 && total >= 640;
  const width = runs.length === 2 && sideBySide ? Math.floor((total - 16) / 2) : total;
  plots.classList.toggle('stacked', !sideBySide);  // narrow: one above the other, each full width
  const say = readout(container);
  const describers = [];
  let L = 1;
  for (const [which, g] of runs) {
    const plot = document.createElement('div');
    plot.className = 'plot';
    plots.append(plot);
    L = g.config.n_layers;
    const label = view.labels[which];
    const f = frame(plot, { width, height: 300, margin: { top: 30, right: 12, bottom: 34, left: 62 },
      label: t('gradients.aria', { model: label, kind: t(`gradients.kind.${view.kind}`) }) });
    const x = scaleLinear().domain(L > 1 ? [0, L - 1] : [-0.5, 0.5]).range([0, f.width]);
    const pad = Math.max(1.5, (hi / lo) ** 0.04);  // headroom on a log axis, however many decades it spans
  const y = scaleLog().domain([lo / pad, hi * pad]).range([f.height, 0]).clamp(true);
    f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`)
      .call(axisBottom(x).ticks(Math.min(L, 12)).tickFormat((d) => (Number.isInteger(d) ? d : '')));
    const decades = Math.log10(y.domain()[1] / y.domain()[0]);  // d3 thins a long log axis to a few labels: ask for more
    f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(decades > 12 ? 12 : 5, decades > 4 ? '.0e' : '~g'));
    axisLabel(f.g, t('gradients.axis.layer'), { x: f.width / 2, y: f.height + 30 });
    axisLabel(f.g, t(view.kind === 'stream' ? 'gradients.axis.rms' : 'gradients.axis.l2'), { x: -50, y: f.height / 2, rotate: true });
    f.g.append('text').attr('class', 'plot-title').attr('x', 0).attr('y', -12)
      .text(view.seeds > 1 ? t('gradients.plot.seeds', { model: label, loss: fmt(g.loss), seeds: view.seeds })
        : t('gradients.plot.one', { model: label, loss: fmt(g.loss) }));
    f.g.append('line').attr('x1', x(view.layer)).attr('x2', x(view.layer)).attr('y1', 0).attr('y2', f.height)
      .attr('stroke', '#555').attr('stroke-width', 1.5).attr('stroke-dasharray', '2 3');
    const ok = (v) => Number.isFinite(v) && v > 0;
    for (const s of g.series) {
      if (s.min) {
        const band = area().defined((_, i) => ok(s.min[i]) && ok(s.max[i])).x((_, i) => x(i))
          .y0((_, i) => y(s.min[i])).y1((_, i) => y(s.max[i]));
        f.g.append('path').attr('fill', color(s.name)).attr('fill-opacity', 0.12).attr('d', band(s.values));
      }
      f.g.append('path').attr('fill', 'none').attr('stroke', color(s.name)).attr('stroke-width', 2.2)
        .attr('d', line().defined(ok).x((_, i) => x(i)).y((v) => y(v))(s.values));
      if (L <= 48)
        f.g.append('g').selectAll('circle').data(s.values.map((v, i) => [v, i]).filter(([v]) => ok(v)))
          .join('circle').attr('cx', ([, i]) => x(i)).attr('cy', ([v]) => y(v)).attr('r', 2.5).attr('fill', color(s.name));
    }
    const layerAt = (event) => Math.max(0, Math.min(L - 1, Math.round(x.invert(pointer(event, f.g.node())[0]))));
    f.svg.on('mousemove', (event) => say(describe(layerAt(event))))
      .on('mouseleave', () => say(describe(view.layer)))
      .on('click', (event) => ctx.select({ layer: layerAt(event) }));
    describers.push((i) => ofModel(g.series.map((s) => `${NAMES[s.name]} ${fmt(s.values[i])}`).join(' · '), label));
  }
  // a gradient that underflowed float32 (0) has no ratio: say so instead of ×Inf
  const ratio = (s) => {
    const first = s.values[0], last = s.values[s.values.length - 1];
    return first > 0 && last > 0 ? `×${fmt(last / first)}` : t(first > 0 ? 'gradients.underflow.last' : 'gradients.underflow.first');
  };
  const underflow = runs.some(([, g]) => g.series.some((s) => s.values.some((v) => v === 0)));
  if (underflow) caveat(t('gradients.zeros'));
  const trend = runs.map(([which, g]) => ofModel(g.series.map((s) => `${NAMES[s.name]} ${ratio(s)}`).join(', '), view.labels[which]));
  legend(container, names.map((n) => ({ label: NAMES[n] ?? n, color: color(n) })));
  if (view.seeds > 1) lineNote(container, t('gradients.band', { range: view.seedRange }));
  if (view.kind === 'ffn' && runs.length === 2 && runs.every(([, g]) => g.config.init === 'xavier'))
    lineNote(container, t('gradients.xiong'));
  const summary = document.createElement('p');
  summary.className = 'trend';
  summary.textContent = t('gradients.trend', { trend: trend.join(' · ') });
  container.append(summary);
  const describe = (i) => t('gradients.at_layer', { layer: i, values: describers.map((d) => d(i)).join(' | ') });
  say(describe(Math.min(view.layer, L - 1)));
}
