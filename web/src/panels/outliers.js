// outliers.js — per-channel absmax of each block's output: a few channels
// far above the rest are the "massive activations" of Sun et al. 2024.
import { scaleBand, scaleLinear, scaleSequentialLog } from 'd3-scale';
import { interpolateCividis } from 'd3-scale-chromatic';
import { axisBottom, axisLeft } from 'd3-axis';
import { pointer } from 'd3-selection';
import { COLOR_A, COLOR_B, axisLabel, frame, overlayCanvas, plotWidth, readout } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

export const name = 'outliers';
export const wide = true;

// The list of the largest channels at one layer, with the dashed line's meaning.
function largest(top, layer, ratio, median, drawn, t, fmt) {
  const items = top[layer].map((o) => t(o.flagged ? 'outliers.item.flagged' : 'outliers.item',
    { channel: o.channel, absmax: fmt(o.absmax), ratio: fmt(o.ratio) }));
  return t(drawn ? 'outliers.list' : 'outliers.list.off', { layer, items: items.join(' · '), ratio: fmt(ratio), level: fmt(median * ratio) });
}

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en'), fmt = ctx.fmt ?? numberFormatter('en');
  container.replaceChildren();
  const { absmax, top, ratio, d, bad } = view;
  const L = absmax.length, layer = Math.min(view.layer, L - 1);
  if (bad[layer] > 0) {  // NaN and Inf are data: say so, where absmax can only count the finite values
    const caveat = document.createElement('p');
    caveat.className = 'caveat';
    caveat.textContent = t('outliers.bad', { layer, count: bad[layer] });
    container.append(caveat);
  }
  const values = absmax[layer];
  const flagged = new Set(top[layer].filter((o) => o.flagged).map((o) => o.channel));
  const width = Math.max(260, plotWidth(container, 860));
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const f = frame(plot, { width, height: 200, margin: { top: 20, right: 12, bottom: 34, left: 62 },
    label: t('outliers.aria.layer', { channels: d, layer, flagged: flagged.size }) });
  f.g.append('text').attr('class', 'plot-title').attr('x', 0).attr('y', -8).text(t('outliers.title.layer', { layer }));
  const x = scaleLinear().domain([0, d]).range([0, f.width]);
  const max = Math.max(1e-9, ...values.filter(Number.isFinite));
  const y = scaleLinear().domain([0, max * 1.05]).range([f.height, 0]).nice();
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(Math.min(d, 8)));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(4, '~g'));
  axisLabel(f.g, t('outliers.axis.channel'), { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, t('outliers.axis.absmax'), { x: -48, y: f.height / 2, rotate: true });
  const bar = Math.max(1, f.width / d - (d < 128 ? 1 : 0));
  f.g.append('g').selectAll('rect').data(Array.from(values)).join('rect')
    .attr('x', (_, i) => x(i)).attr('width', bar).attr('y', (v) => y(v)).attr('height', (v) => f.height - y(v))
    .attr('fill', (_, i) => (flagged.has(i) ? COLOR_B : COLOR_A));
  const sorted = Array.from(values).sort((a, b) => a - b);
  const median = d % 2 ? sorted[(d - 1) / 2] : (sorted[d / 2 - 1] + sorted[d / 2]) / 2;
  f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(median * ratio)).attr('y2', y(median * ratio))
    .attr('stroke', COLOR_B).attr('stroke-dasharray', '4 3').attr('visibility', median * ratio <= y.domain()[1] ? 'visible' : 'hidden');
  const drawn = median * ratio <= y.domain()[1];
  const say = readout(container);
  f.svg.on('mousemove', (e) => {
    const i = Math.max(0, Math.min(d - 1, Math.floor(x.invert(pointer(e, f.g.node())[0]))));
    say(t('outliers.readout', { layer, channel: i, absmax: fmt(values[i]), ratio: fmt(values[i] / Math.max(median, 1e-30)) }));
  });

  const list = document.createElement('p');
  list.className = 'outlier-list';
  list.textContent = largest(top, layer, ratio, median, drawn, t, fmt);
  container.append(list);

  // every layer: absmax ÷ median, one row per layer, channels across
  const grid = document.createElement('div');
  grid.className = 'plot';
  container.append(grid);
  const rowH = Math.max(6, Math.min(16, Math.floor(180 / L)));
  const g = frame(grid, { width, height: rowH * L + 44, margin: { top: 6, right: 12, bottom: 38, left: 62 },
    label: t('outliers.aria.grid') });
  const ratios = absmax.map((row) => {
    const s = Array.from(row).sort((a, b) => a - b);
    const m = Math.max(d % 2 ? s[(d - 1) / 2] : (s[d / 2 - 1] + s[d / 2]) / 2, 1e-30);
    return Array.from(row, (v) => v / m);
  });
  const hi = Math.max(ratio, ...ratios.flat().filter(Number.isFinite));
  const color = scaleSequentialLog(interpolateCividis).domain([0.5, hi]).clamp(true);
  // L × d cells (up to 96 × 1024) go on a canvas under the SVG's axes
  const cellW = g.width / d;
  grid.style.position = 'relative';
  const c2 = overlayCanvas(grid, { left: g.margin.left, top: g.margin.top, width: g.width, height: rowH * L });
  ratios.forEach((row, l) => row.forEach((v, i) => {
    c2.fillStyle = Number.isFinite(v) ? color(Math.max(v, 0.5)) : '#d00';
    c2.fillRect(i * cellW, l * rowH, Math.max(cellW, 0.5) + 0.3, rowH);
  }));
  g.svg.style('position', 'relative');  // positioned after the canvas: its outlines draw on top of the cells
  const cells = g.g.append('g');
  top.forEach((row, l) => row.filter((o) => o.flagged).forEach((o) => {
    cells.append('rect').attr('x', o.channel * cellW - 1).attr('y', l * rowH).attr('width', Math.max(cellW, 2) + 2).attr('height', rowH)
      .attr('fill', 'none').attr('stroke', COLOR_B).attr('stroke-width', 2);
  }));
  // a red mark left of every layer whose output holds NaN or Inf (its absmax counts only finite values)
  cells.append('g').selectAll('rect').data(bad.map((n, l) => [n, l]).filter(([n]) => n > 0)).join('rect')
    .attr('x', -6).attr('width', 4).attr('y', ([, l]) => l * rowH).attr('height', rowH).attr('fill', '#d00')
    .append('title').text(([n, l]) => t('outliers.bad', { layer: l, count: n }));
  cells.append('rect').attr('x', 0).attr('y', layer * rowH).attr('width', g.width).attr('height', rowH)
    .attr('fill', 'none').attr('stroke', '#E69F00').attr('stroke-width', 1.5);
  g.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${rowH * L})`)
    .call(axisBottom(scaleLinear().domain([0, d]).range([0, g.width])).ticks(Math.min(d, 8)));
  const rowsAxis = scaleBand().domain([...Array(L).keys()]).range([0, rowH * L]);
  g.g.append('g').attr('class', 'axis').call(axisLeft(rowsAxis).tickValues(rowsAxis.domain().filter((l) => l % Math.ceil(L / 8) === 0)));
  axisLabel(g.g, t('outliers.axis.layer'), { x: -44, y: (rowH * L) / 2, rotate: true });
  axisLabel(g.g, t('outliers.axis.channel'), { x: g.width / 2, y: rowH * L + 32 });
  g.svg.on('click', (e) => {
    const l = Math.floor(pointer(e, g.g.node())[1] / rowH);
    if (l >= 0 && l < L) ctx.select({ layer: l });
  });
  const count = top.flat().filter((o) => o.flagged).length;
  const summary = document.createElement('p');
  summary.className = 'note';
  const verdict = count ? t(count === 1 ? 'outliers.count.one' : 'outliers.count.other', { count, layers: L })
    : t('outliers.none', { ratio: fmt(ratio) });
  summary.textContent = `${t('outliers.key', { low: fmt(0.5), high: fmt(hi) })} ${verdict}`;
  container.append(summary);
}
