// histogram.js — panel 2: the distribution before and after the norm at the
// selected layer. Each row has its own axis: the norm changes the scale.
import { scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { COLOR_A, COLOR_B, axisLabel, formatNumber, frame, legend, plotWidth, readout } from '../plot.js';

export const name = 'histogram';
export const title = 'Distribution at the selected site';
export const note = 'Histograms of every value (all tokens × features). At a norm: what enters and what leaves it. At any other site: its values and how many are exactly zero.';

function row(container, label, hists, width) {
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const finite = hists.filter((h) => Number.isFinite(h.lo) && h.hi > h.lo);
  const lo = Math.min(...finite.map((h) => h.lo)), hi = Math.max(...finite.map((h) => h.hi));
  const f = frame(plot, { width, height: 150, margin: { top: 18, right: 12, bottom: 30, left: 52 }, label });
  f.g.append('text').attr('class', 'axis-label').attr('x', 0).attr('y', -6).text(label);
  if (!finite.length) {
    f.g.append('text').attr('class', 'bad-value').attr('x', f.width / 2).attr('y', f.height / 2)
      .attr('text-anchor', 'middle').text('no finite values (all NaN/Inf)');
    return;
  }
  const x = scaleLinear().domain([lo, hi]).range([0, f.width]).nice();
  const maxCount = Math.max(1, ...finite.flatMap((h) => h.counts));
  const y = scaleLinear().domain([0, maxCount]).range([f.height, 0]);
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(6, '~g'));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(4, '~s'));
  axisLabel(f.g, 'count', { x: -40, y: f.height / 2, rotate: true });
  axisLabel(f.g, 'value', { x: f.width, y: f.height + 26, anchor: 'end' });
  hists.forEach((h, i) => {
    if (!(h.hi > h.lo)) return;
    const step = (h.hi - h.lo) / h.counts.length;
    const color = i === 0 ? COLOR_A : COLOR_B;
    f.g.append('g').selectAll('rect').data(h.counts).join('rect')
      .attr('x', (c, b) => x(h.lo + b * step)).attr('width', (c, b) => Math.max(0.5, x(h.lo + (b + 1) * step) - x(h.lo + b * step)))
      .attr('y', (c) => y(c)).attr('height', (c) => f.height - y(c))
      .attr('fill', i === 0 ? color : 'none').attr('fill-opacity', 0.75)
      .attr('stroke', i === 0 ? 'none' : color).attr('stroke-width', 1.2);
  });
}

const summary = (h) => `mean ${formatNumber(h.mean)}, std ${formatNumber(h.std)}, rms ${formatNumber(h.rms)}` +
  (h.nan || h.inf ? `, ${h.nan} NaN, ${h.inf} Inf` : '');

export function render(container, view) {
  container.replaceChildren();
  const width = plotWidth(container, 520);
  const runs = [view.a, view.b].filter(Boolean);
  if (view.kind === 'site') {
    const head = document.createElement('p');
    head.className = 'note';
    head.textContent = `${view.site} of layer ${view.layer}: ${(100 * view.a.zero_frac).toFixed(1)} % of the values are exactly 0` +
      (view.site === 'ffn_hidden' && view.a.activation === 'relu' ? ' (ReLU sets every negative pre-activation to 0)' : '') +
      (view.b ? `; ${(100 * view.b.zero_frac).toFixed(1)} % in the comparison` : '');
    container.append(head);
    row(container, view.site, runs, width);
    readout(container)(`${view.site}: ${summary(view.a)}` + (view.b ? ` · compare: ${summary(view.b)}` : ''));
    if (view.b) legend(container, [{ label: `filled: ${view.labels.a}`, color: COLOR_A }, { label: `outline: ${view.labels.b}`, color: COLOR_B }]);
    return;
  }
  const normLabel = { layernorm: 'LayerNorm', rmsnorm: 'RMSNorm', none: 'no norm (identity)' };
  const head = document.createElement('p');
  head.className = 'note';
  head.textContent = `${view.norm} of layer ${view.layer} (${normLabel[view.a.norm]})`;
  container.append(head);
  row(container, 'before the norm', runs.map((r) => r.before), width);
  row(container, 'after the norm (with γ, β)', runs.map((r) => r.after), width);
  const say = readout(container);
  say(`before: ${summary(view.a.before)} · after: ${summary(view.a.after)}` +
    (view.b ? ` · compare before: ${summary(view.b.before)} · after: ${summary(view.b.after)}` : ''));
  if (view.b) legend(container, [{ label: `filled: ${view.labels.a}`, color: COLOR_A }, { label: `outline: ${view.labels.b}`, color: COLOR_B }]);
}
