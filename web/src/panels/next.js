// next.js — panel 7: the model's most likely next bytes after the text.
import { scaleBand, scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { COLOR_A, COLOR_B, frame, plotWidth } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

// title and note: panel.next.title and panel.next.note in the tables (lang/*/panels-a.js)
export const name = 'next';

function bars(container, top, label, color, width, max, fmt) {
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const f = frame(plot, { width, height: 220, margin: { top: 18, right: 64, bottom: 28, left: 52 }, label });
  f.g.append('text').attr('class', 'axis-label').attr('x', 0).attr('y', -6).text(label);
  const y = scaleBand().domain(top.map((t) => t.byte)).range([0, f.height]).padding(0.2);
  const x = scaleLinear().domain([0, max]).range([0, f.width]).nice();
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).tickFormat((b) => top.find((t) => t.byte === b).char));
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(4, '~g'));
  const g = f.g.append('g').selectAll('g').data(top).join('g');
  g.append('rect').attr('y', (t) => y(t.byte)).attr('height', y.bandwidth()).attr('x', 0)
    .attr('width', (t) => (Number.isFinite(t.p) ? x(t.p) : 0)).attr('fill', color);
  g.append('text').attr('class', (t) => (Number.isFinite(t.p) ? 'axis-label' : 'bad-value'))
    .attr('x', (t) => (Number.isFinite(t.p) ? x(t.p) + 4 : 4)).attr('y', (t) => y(t.byte) + y.bandwidth() / 2 + 4)
    .text((t) => fmt(t.p));
}

export function render(container, view, ctx = {}) {
  const t = ctx.t ?? translator('en');
  const fmt = ctx.fmt ?? numberFormatter('en');
  container.replaceChildren();
  const width = plotWidth(container, 420) / (view.b ? 2 : 1);
  const wrap = document.createElement('div');
  wrap.style.display = 'flex';
  wrap.style.flexWrap = 'wrap';
  container.append(wrap);
  // one probability axis for both models in compare mode
  const max = Math.max(...[...view.a, ...(view.b ?? [])].map((t) => (Number.isFinite(t.p) ? t.p : 0)), 1e-9);
  bars(wrap, view.a, t('next.after', { last: view.last, model: view.labels.a }), COLOR_A, Math.max(260, width), max, fmt);
  if (view.b) bars(wrap, view.b, view.labels.b, COLOR_B, Math.max(260, width), max, fmt);
}
