// heatmap.js — panel 4: one statistic per token (columns) and layer (rows),
// drawn on a canvas with d3 axes around it.
import { scaleBand, scaleLinear, scaleLog, scaleSequential, scaleSequentialLog } from 'd3-scale';
import { interpolateCividis } from 'd3-scale-chromatic';
import { axisBottom, axisLeft } from 'd3-axis';
import { select, pointer } from 'd3-selection';
import { formatNumber, keepControls, plotWidth, readout, selectControl, setIdle } from '../plot.js';

export const name = 'heatmap';
export const title = 'Per token and layer';
export const note = 'Columns are tokens, rows are layers. Colour: the chosen statistic (log scale where it is positive). Click a cell to select that token and layer.';

export function render(container, view, ctx) {
  const names = { token_rms: `rms of each token at ${view.site}`, norm_mean: 'mean the norm saw', norm_divisor: 'what the norm divided by' };
  keepControls(container,
    (row) => selectControl(row, 'colour by', Object.entries(names), (heat) => ctx.select({ heat })),
    (row) => {
      const select = row.querySelector('select');
      select.options[0].text = names.token_rms;  // follows the selected site
      setIdle(select, view.heat);
    });

  // one colour scale for both models in compare mode
  const finite = [...view.a, ...(view.b ?? [])].flat().filter(Number.isFinite);
  const positive = finite.length && finite.every((v) => v > 0);
  const lo = finite.length ? Math.min(...finite) : 0, hi = finite.length ? Math.max(...finite) : 1;
  const color = positive && hi > lo
    ? scaleSequentialLog(interpolateCividis).domain([lo, hi])
    : scaleSequential(interpolateCividis).domain([lo, hi > lo ? hi : lo + 1]);
  const lines = { say: () => {} };
  const scale = { color, lo, hi, positive, names };
  draw(container, view, view.a, view.b ? view.labels.a : null, scale, ctx, (t) => lines.say(t));
  if (view.b) draw(container, view, view.b, view.labels.b, scale, ctx, (t) => lines.say(t));
  colorKey(container, color, lo, hi, positive);
  lines.say = readout(container);
  lines.say(`layer ${view.layer}, token ${view.token} “${view.tokens[view.token]}”: ${formatNumber(view.a[view.layer][view.token])}` +
    ` · colour range ${formatNumber(lo)} to ${formatNumber(hi)}${positive ? ' (log)' : ''}; red: NaN/Inf`);
}

function draw(container, view, values, title, { color, names }, ctx, say) {
  if (title) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = title;
    container.append(p);
  }
  const L = values.length, T = view.tokens.length;
  const width = plotWidth(container, 860);
  const margin = { top: 8, right: 10, bottom: 40, left: 44 };
  const innerW = width - margin.left - margin.right;
  const cell = Math.max(4, Math.min(28, Math.floor(innerW / T)));
  const plotW = cell * T, plotH = Math.max(6, Math.min(22, Math.floor(320 / L))) * L;
  const wrap = document.createElement('div');
  wrap.className = 'plot';
  wrap.style.position = 'relative';
  container.append(wrap);
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = plotW * dpr;
  canvas.height = plotH * dpr;
  // pointer-events: none lets hovers and clicks reach the SVG hit area on top
  canvas.style.cssText = `position:absolute;left:${margin.left}px;top:${margin.top}px;width:${plotW}px;height:${plotH}px;pointer-events:none`;
  const g2 = canvas.getContext('2d');
  g2.scale(dpr, dpr);
  const rowH = plotH / L;
  for (let l = 0; l < L; l++)
    for (let t = 0; t < T; t++) {
      const v = values[l][t];
      g2.fillStyle = Number.isFinite(v) ? color(v) : '#d00';
      g2.fillRect(t * cell, l * rowH, cell, rowH);
    }
  g2.strokeStyle = '#E69F00';
  g2.lineWidth = 2;
  g2.strokeRect(view.token * cell + 1, view.layer * rowH + 1, cell - 2, rowH - 2);
  const svgW = margin.left + plotW + margin.right, svgH = margin.top + plotH + margin.bottom;
  const svg = select(wrap).append('svg').attr('width', svgW).attr('height', svgH)
    .attr('role', 'img').attr('aria-label', `${names[view.heat]} per token and layer`);
  wrap.prepend(canvas);
  wrap.style.width = `${svgW}px`;
  const x = scaleBand().domain(view.tokens.map((_, i) => i)).range([0, plotW]);
  const y = scaleBand().domain(values.map((_, i) => i)).range([0, plotH]);
  const every = Math.ceil(T / Math.max(1, Math.floor(plotW / 14)));
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  g.append('g').attr('class', 'axis').attr('transform', `translate(0,${plotH})`)
    .call(axisBottom(x).tickValues(x.domain().filter((i) => i % every === 0)).tickFormat((i) => view.tokens[i]));
  g.append('g').attr('class', 'axis').call(axisLeft(y).tickValues(y.domain().filter((i) => i % Math.ceil(L / 12) === 0)));
  g.append('text').attr('class', 'axis-label').attr('x', plotW / 2).attr('y', plotH + 34).attr('text-anchor', 'middle').text('token');
  g.append('text').attr('class', 'axis-label').attr('transform', `translate(-32,${plotH / 2}) rotate(-90)`).attr('text-anchor', 'middle').text('layer');
  const hit = g.append('rect').attr('width', plotW).attr('height', plotH).attr('fill', 'transparent');
  const at = (e) => {
    const [px, py] = pointer(e, hit.node());
    return [Math.min(L - 1, Math.max(0, Math.floor(py / rowH))), Math.min(T - 1, Math.max(0, Math.floor(px / cell)))];
  };
  const describe = (l, t) => `layer ${l}, token ${t} “${view.tokens[t]}”: ${formatNumber(values[l][t])}`;
  hit.on('mousemove', (e) => say(describe(...at(e))))
    .on('click', (e) => { const [l, t] = at(e); ctx.select({ layer: l, token: t }); });
}

// The colour key: a bar of the scale with its axis, so a colour reads as a number.
function colorKey(container, color, lo, hi, positive) {
  const width = Math.min(320, plotWidth(container, 320)), barH = 10;
  const wrap = document.createElement('div');
  wrap.className = 'plot';
  wrap.style.position = 'relative';
  const canvas = document.createElement('canvas');
  canvas.width = width - 30;
  canvas.height = 1;
  canvas.style.cssText = `position:absolute;left:15px;top:4px;width:${width - 30}px;height:${barH}px;pointer-events:none`;
  const g2 = canvas.getContext('2d');
  const domain = color.domain();
  for (let i = 0; i < canvas.width; i++) {
    const f = i / (canvas.width - 1);
    const v = positive && domain[0] > 0 ? domain[0] * (domain[1] / domain[0]) ** f : domain[0] + f * (domain[1] - domain[0]);
    g2.fillStyle = color(v);
    g2.fillRect(i, 0, 1, 1);
  }
  wrap.append(canvas);
  const axisScale = (positive && lo > 0 ? scaleLog() : scaleLinear()).domain(domain).range([0, width - 30]);
  const svg = select(wrap).append('svg').attr('width', width).attr('height', barH + 26).attr('role', 'img')
    .attr('aria-label', `colour key from ${formatNumber(lo)} to ${formatNumber(hi)}`);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(15,${barH + 4})`)
    .call(axisBottom(axisScale).ticks(4, '~g'));
  container.append(wrap);
}
