// heatmap.js — panel 4: one statistic per token (columns) and layer (rows),
// drawn on a canvas with d3 axes around it.
import { scaleBand, scaleLinear, scaleLog, scaleSequential, scaleSequentialLog } from 'd3-scale';
import { interpolateCividis } from 'd3-scale-chromatic';
import { axisBottom, axisLeft } from 'd3-axis';
import { select, pointer } from 'd3-selection';
import { keepControls, overlayCanvas, plotWidth, readout, selectControl, setIdle } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

export const name = 'heatmap';

// The control row outlives redraws; a new language (its label changes) must rebuild it.
function dropStale(container, label) {
  const row = container.querySelector(':scope > .sub');
  if (row && row.dataset.label !== label) row.remove();
}

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en'), fmt = ctx.fmt ?? numberFormatter('en');
  const names = {
    token_rms: t('heatmap.stat.token_rms', { site: view.site }), norm_mean: t('heatmap.stat.norm_mean'), norm_divisor: t('heatmap.stat.norm_divisor'),
  };
  const controlLabel = t('heatmap.control');
  dropStale(container, controlLabel);
  keepControls(container,
    (row) => {
      row.dataset.label = controlLabel;
      selectControl(row, controlLabel, Object.entries(names), (heat) => ctx.select({ heat }));
    },
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
  const drawCtx = { ...ctx, t, fmt };  // draw() reads the language from here
  draw(container, view, view.a, view.b ? view.labels.a : null, scale, drawCtx, (text) => lines.say(text));
  if (view.b) draw(container, view, view.b, view.labels.b, scale, drawCtx, (text) => lines.say(text));
  colorKey(container, color, lo, hi, positive, t, fmt);
  lines.say = readout(container);
  const cell = cellText(view, view.a, view.layer, view.token, t, fmt);
  const range = t(positive ? 'heatmap.range.log' : 'heatmap.range', { low: fmt(lo), high: fmt(hi) });
  lines.say(`${cell} · ${range}`);
}

// The read-out for one cell: layer l, token i.
function cellText(view, values, l, i, t, fmt) {
  return t('heatmap.cell', { layer: l, token: i, char: view.tokens[i], value: fmt(values[l][i]) });
}

function draw(container, view, values, title, { color, names }, ctx, say) {
  const { t, fmt } = ctx;
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
  const g2 = overlayCanvas(wrap, { left: margin.left, top: margin.top, width: plotW, height: plotH });
  const rowH = plotH / L;
  for (let l = 0; l < L; l++)
    for (let i = 0; i < T; i++) {
      const v = values[l][i];
      g2.fillStyle = Number.isFinite(v) ? color(v) : '#d00';
      g2.fillRect(i * cell, l * rowH, cell, rowH);
    }
  g2.strokeStyle = '#E69F00';
  g2.lineWidth = 2;
  g2.strokeRect(view.token * cell + 1, view.layer * rowH + 1, cell - 2, rowH - 2);
  const svgW = margin.left + plotW + margin.right, svgH = margin.top + plotH + margin.bottom;
  const svg = select(wrap).append('svg').attr('width', svgW).attr('height', svgH)
    .attr('role', 'img').attr('aria-label', t('heatmap.aria', { stat: names[view.heat] }));
  wrap.style.width = `${svgW}px`;
  const x = scaleBand().domain(view.tokens.map((_, i) => i)).range([0, plotW]);
  const y = scaleBand().domain(values.map((_, i) => i)).range([0, plotH]);
  const every = Math.ceil(T / Math.max(1, Math.floor(plotW / 14)));
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  g.append('g').attr('class', 'axis').attr('transform', `translate(0,${plotH})`)
    .call(axisBottom(x).tickValues(x.domain().filter((i) => i % every === 0)).tickFormat((i) => view.tokens[i]));
  g.append('g').attr('class', 'axis').call(axisLeft(y).tickValues(y.domain().filter((i) => i % Math.ceil(L / 12) === 0)));
  g.append('text').attr('class', 'axis-label').attr('x', plotW / 2).attr('y', plotH + 34).attr('text-anchor', 'middle').text(t('heatmap.axis.token'));
  g.append('text').attr('class', 'axis-label').attr('transform', `translate(-32,${plotH / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(t('heatmap.axis.layer'));
  const hit = g.append('rect').attr('width', plotW).attr('height', plotH).attr('fill', 'transparent');
  const at = (e) => {
    const [px, py] = pointer(e, hit.node());
    return [Math.min(L - 1, Math.max(0, Math.floor(py / rowH))), Math.min(T - 1, Math.max(0, Math.floor(px / cell)))];
  };
  hit.on('mousemove', (e) => say(cellText(view, values, ...at(e), t, fmt)))
    .on('click', (e) => { const [l, i] = at(e); ctx.select({ layer: l, token: i }); });
}

// The colour key: a bar of the scale with its axis, so a colour reads as a number.
function colorKey(container, color, lo, hi, positive, t, fmt) {
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
    .attr('aria-label', t('heatmap.key', { low: fmt(lo), high: fmt(hi) }));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(15,${barH + 4})`)
    .call(axisBottom(axisScale).ticks(4, '~g'));
  container.append(wrap);
}
