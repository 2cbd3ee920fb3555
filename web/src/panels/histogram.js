// histogram.js — panel 2: the distribution before and after the norm at the
// selected layer. Each row has its own axis: the norm changes the scale.
import { scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { COLOR_A, COLOR_B, axisLabel, frame, legend, plotWidth, readout } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

export const name = 'histogram';

// toFixed with the language's decimal mark (fmt(0.5) is "0.5" or "0,5")
const fixed = (fmt, v, digits) => v.toFixed(digits).replace('.', fmt(0.5).charAt(1));

function row(container, label, hists, width, t) {
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const finite = hists.filter((h) => Number.isFinite(h.lo) && h.hi > h.lo);
  const lo = Math.min(...finite.map((h) => h.lo)), hi = Math.max(...finite.map((h) => h.hi));
  const f = frame(plot, { width, height: 150, margin: { top: 18, right: 12, bottom: 30, left: 52 }, label });
  f.g.append('text').attr('class', 'axis-label').attr('x', 0).attr('y', -6).text(label);
  if (!finite.length) {
    f.g.append('text').attr('class', 'bad-value').attr('x', f.width / 2).attr('y', f.height / 2)
      .attr('text-anchor', 'middle').text(t('histogram.noFinite'));
    return;
  }
  const x = scaleLinear().domain([lo, hi]).range([0, f.width]).nice();
  const maxCount = Math.max(1, ...finite.flatMap((h) => h.counts));
  const y = scaleLinear().domain([0, maxCount]).range([f.height, 0]);
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(6, '~g'));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(4, '~s'));
  axisLabel(f.g, t('histogram.axis.count'), { x: -40, y: f.height / 2, rotate: true });
  axisLabel(f.g, t('histogram.axis.value'), { x: f.width, y: f.height + 26, anchor: 'end' });
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

// mean, std and rms of one histogram's values, and how many were NaN or Inf (raw counts)
const summary = (h, t, fmt) => t(h.nan || h.inf ? 'histogram.stats.bad' : 'histogram.stats',
  { mean: fmt(h.mean), std: fmt(h.std), rms: fmt(h.rms), nan: h.nan, inf: h.inf });

// What share of the site's values is exactly 0 (and why, under ReLU).
function zeros(view, t, fmt) {
  const relu = view.site === 'ffn_hidden' && view.a.activation === 'relu';
  const key = `histogram.zeros${relu ? '.relu' : ''}${view.b ? '.compare' : ''}`;
  return t(key, { site: view.site, layer: view.layer,
    percent: fixed(fmt, 100 * view.a.zero_frac, 1), comparePercent: view.b ? fixed(fmt, 100 * view.b.zero_frac, 1) : '' });
}

function compareLegend(container, view, t) {
  legend(container, [{ label: t('histogram.legend.filled', { label: view.labels.a }), color: COLOR_A },
    { label: t('histogram.legend.outline', { label: view.labels.b }), color: COLOR_B }]);
}

function note(container, text) {
  const head = document.createElement('p');
  head.className = 'note';
  head.textContent = text;
  container.append(head);
}

export function render(container, view, ctx = {}) {
  const t = ctx.t ?? translator('en'), fmt = ctx.fmt ?? numberFormatter('en');
  container.replaceChildren();
  const width = plotWidth(container, 520);
  const runs = [view.a, view.b].filter(Boolean);
  if (view.kind === 'site') {
    note(container, zeros(view, t, fmt));
    row(container, view.site, runs, width, t);
    const parts = [t('histogram.readout.site', { site: view.site, stats: summary(view.a, t, fmt) })];
    if (view.b) parts.push(t('histogram.readout.compare', { stats: summary(view.b, t, fmt) }));
    readout(container)(parts.join(' · '));
    if (view.b) compareLegend(container, view, t);
    return;
  }
  note(container, t('histogram.head.norm', { site: view.norm, layer: view.layer, norm: t(`histogram.norm.${view.a.norm}`) }));
  row(container, t('histogram.label.before'), runs.map((r) => r.before), width, t);
  row(container, t('histogram.label.after'), runs.map((r) => r.after), width, t);
  const parts = [t('histogram.readout.before', { stats: summary(view.a.before, t, fmt) }),
    t('histogram.readout.after', { stats: summary(view.a.after, t, fmt) })];
  if (view.b) parts.push(t('histogram.readout.compareBefore', { stats: summary(view.b.before, t, fmt) }),
    t('histogram.readout.after', { stats: summary(view.b.after, t, fmt) }));
  readout(container)(parts.join(' · '));
  if (view.b) compareLegend(container, view, t);
}
