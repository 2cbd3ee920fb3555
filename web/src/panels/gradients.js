// gradients.js — gradient flow: how large the loss gradient is at each layer,
// for one kind of weight or for the residual stream, on a log axis. In compare
// mode the two models sit side by side on the same axes (Xiong et al. 2020:
// post-norm's FFN gradients grow toward the output, pre-norm's do not).
import { scaleLinear, scaleLog } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { area, line } from 'd3-shape';
import { pointer } from 'd3-selection';
import { OKABE_ITO, axisLabel, formatNumber, frame, keepControls, legend, readout, selectControl, setIdle } from '../plot.js';

export const name = 'gradients';
export const title = 'Gradient flow';
export const note = 'The gradient of the loss (mean cross-entropy of predicting each next byte of the text) at every ' +
  'layer: the L2 norm of a weight\'s gradient, or the rms of the gradient at a site of the residual stream. Log axis. ' +
  'Click a layer to select it.';
export const wide = true;

const KINDS = [['ffn', 'FFN weights (W1, W2, W3)'], ['attention', 'attention weights (Wq, Wk, Wv, Wo)'],
  ['norms', 'norm γ and β'], ['stream', 'residual stream (gradient rms)']];
const NAMES = {
  w1: 'W1', w2: 'W2', w3: 'W3', wq: 'Wq', wk: 'Wk', wv: 'Wv', wo: 'Wo', attention_norm: 'attn_norm γ',
  attention_norm_bias: 'attn_norm β', ffn_norm: 'ffn_norm γ', ffn_norm_bias: 'ffn_norm β',
  resid_in: 'resid_in', resid_mid: 'resid_mid', resid_out: 'resid_out',
};
// The presets: the paper's setting (ReLU FFN, Xavier init, 6 layers, averaged
// over 6 seeds) and the residual highway without norms to hide it.
const PRESETS = [
  { label: 'Xiong et al. 2020: post- vs pre-norm at Xavier init',
    patch: { init: 'xavier', activation: 'relu', placement: 'post', compare: 'placement', grad: 'ffn', grad_seeds: 6 } },
  { label: 'Residual off, no norm: the gradient vanishes',
    patch: { norm: 'none', residual: 'off', compare: 'residual', grad: 'stream', n_layers: 12 } },
];

function lineNote(container, text) {
  const p = document.createElement('p');
  p.className = 'seeds-note';
  p.textContent = text;
  container.append(p);
}

export function render(container, view, ctx) {
  keepControls(container, (row) => {
    selectControl(row, 'show', KINDS, (grad) => ctx.select({ grad }));
    const label = document.createElement('label');
    label.textContent = 'seeds';
    label.title = 'geometric mean over this many seeds (seed, seed + 1, …); the band spans their min to max';
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
    presets.append('Presets: ');
    PRESETS.forEach(({ label: text, patch }, i) => {
      const a = document.createElement('a');
      a.textContent = text;
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
    caveat(`No gradients for this model: ${view.gradError}. The other panels show its forward pass.`);
    return;
  }
  if (view.tooShort) {
    caveat('The loss predicts each next byte from the ones before it: type at least 2 bytes of text.');
    return;
  }
  if (view.a.kindMissing) {
    caveat(view.kind === 'norms' ? 'This model has no norm weights (norm = none): nothing to plot.' : 'Nothing to plot for this model.');
    return;
  }
  if (view.seedsAsked > 1 && view.weightsFromFile) caveat('Seeds apply to random weights; these are loaded or trained, so one run is shown.');
  const runs = [['a', view.a], ['b', view.b]].filter(([, g]) => g);
  for (const [, g] of runs)
    if (g.config.residual === 'off' && g.config.norm !== 'none') {
      caveat('Residual off with a norm in every block: the norms divide the gradient by the rms of what they ' +
        'normalized, which rescales it layer by layer, so it does not vanish here at init. Set the norm to None to ' +
        'see what the residual\'s +1 does on its own.');
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
      label: `gradient flow, ${label}: ${KINDS.find(([k]) => k === view.kind)[1]} per layer, log scale` });
    const x = scaleLinear().domain(L > 1 ? [0, L - 1] : [-0.5, 0.5]).range([0, f.width]);
    const pad = Math.max(1.5, (hi / lo) ** 0.04);  // headroom on a log axis, however many decades it spans
  const y = scaleLog().domain([lo / pad, hi * pad]).range([f.height, 0]).clamp(true);
    f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`)
      .call(axisBottom(x).ticks(Math.min(L, 12)).tickFormat((d) => (Number.isInteger(d) ? d : '')));
    const decades = Math.log10(y.domain()[1] / y.domain()[0]);  // d3 thins a long log axis to a few labels: ask for more
    f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(decades > 12 ? 12 : 5, decades > 4 ? '.0e' : '~g'));
    axisLabel(f.g, 'layer', { x: f.width / 2, y: f.height + 30 });
    axisLabel(f.g, view.kind === 'stream' ? 'gradient rms (log)' : 'gradient L2 norm (log)', { x: -50, y: f.height / 2, rotate: true });
    f.g.append('text').attr('class', 'plot-title').attr('x', 0).attr('y', -12)
      .text(`${label} · ${view.seeds > 1 ? `mean loss ${formatNumber(g.loss)} · mean of ${view.seeds} seeds` : `loss ${formatNumber(g.loss)}`}`);
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
    describers.push((i) => `${runs.length > 1 ? `${label}: ` : ''}${g.series.map((s) => `${NAMES[s.name]} ${formatNumber(s.values[i])}`).join(' · ')}`);
  }
  // a gradient that underflowed float32 (0) has no ratio: say so instead of ×Inf
  const ratio = (s) => {
    const first = s.values[0], last = s.values[s.values.length - 1];
    return first > 0 && last > 0 ? `×${formatNumber(last / first)}` : `— (the ${first > 0 ? 'last' : 'first'} layer's underflows float32 to 0)`;
  };
  const underflow = runs.some(([, g]) => g.series.some((s) => s.values.some((v) => v === 0)));
  if (underflow) caveat('Some gradients fall below float32\'s smallest number and read 0: those points are missing from the log axis.');
  const trend = runs.map(([which, g]) => {
    const parts = g.series.map((s) => `${NAMES[s.name]} ${ratio(s)}`);
    return `${runs.length > 1 ? `${view.labels[which]}: ` : ''}${parts.join(', ')}`;
  });
  legend(container, names.map((n) => ({ label: NAMES[n] ?? n, color: color(n) })));
  if (view.seeds > 1) lineNote(container, `Lines: geometric mean over seeds ${view.seedRange}; shaded: their min to max.`);
  if (view.kind === 'ffn' && runs.length === 2 && runs.every(([, g]) => g.config.init === 'xavier'))
    lineNote(container, 'Xiong et al. 2020 (Fig. 3): post-norm\'s FFN gradients grow toward the output layers, pre-norm\'s ' +
      'do not. In the paper pre-norm\'s stay level; here they fall with depth, because this byte model\'s embeddings start ' +
      'small and pre-norm\'s stream grows layer by layer, and each later norm divides by a larger rms.');
  const summary = document.createElement('p');
  summary.className = 'trend';
  summary.textContent = `Last layer ÷ first layer — ${trend.join(' · ')}`;
  container.append(summary);
  const describe = (i) => `layer ${i} — ${describers.map((d) => d(i)).join(' | ')}`;
  say(describe(Math.min(view.layer, L - 1)));
}
