// lens.js — the logit lens: the output head read off the residual stream
// after every block, as if the model stopped there (nostalgebraist 2020).
// Rows are the stream (embedding, then each block's output), columns tokens.
import { scaleBand, scaleSequentialLog } from 'd3-scale';
import { interpolateCividis } from 'd3-scale-chromatic';
import { axisBottom, axisLeft } from 'd3-axis';
import { select, pointer } from 'd3-selection';
import { formatNumber, keepControls, plotWidth, readout, selectControl, setIdle } from '../plot.js';

export const name = 'lens';
export const title = 'Logit lens';
export const note = 'Each cell: the byte the output head predicts next from the stream at that depth, coloured by its probability; outlined where it is the byte that really comes next. Click a cell to select its token and layer.';
export const wide = true;

const MODES = [['norm', 'through the final norm'], ['raw', 'raw stream (no final norm)']];

function why(view) {
  if (view.placement === 'post') return 'Post-norm has no final norm: the head reads the last block\'s output directly, so there is one reading.';
  if (view.norm === 'none') return 'With norm none there is no final norm: one reading.';
  if (view.finalRemoved) return 'The final norm is removed (intervention): the head reads the raw stream.';
  return null;
}

export function render(container, view, ctx) {
  const reason = why(view);
  keepControls(container,
    (row) => selectControl(row, 'read the stream', MODES, (lens) => ctx.select({ lens })),
    (row) => {
      const control = row.querySelector('select');
      control.disabled = Boolean(reason);
      setIdle(control, reason ? 'norm' : view.mode);
    });
  if (reason) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = reason;
    container.append(p);
  }
  const { rows, T } = view;
  const width = plotWidth(container, 860);
  const margin = { top: 8, right: 10, bottom: 40, left: 56 };
  const cell = Math.max(8, Math.min(30, Math.floor((width - margin.left - margin.right) / T)));
  const rowH = Math.max(12, Math.min(24, Math.floor(360 / rows)));
  const plotW = cell * T, plotH = rowH * rows;
  const color = scaleSequentialLog(interpolateCividis).domain([1 / 256, 1]).clamp(true);
  const scroller = document.createElement('div');
  scroller.className = 'scroll-x';  // a long text scrolls sideways instead of squeezing the cells
  scroller.tabIndex = 0;  // so a keyboard can scroll it too
  scroller.setAttribute('role', 'region');
  scroller.setAttribute('aria-label', 'logit lens grid (scrolls sideways)');
  const wrap = document.createElement('div');
  wrap.className = 'plot';
  wrap.style.position = 'relative';
  scroller.append(wrap);
  container.append(scroller);
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = plotW * dpr;
  canvas.height = plotH * dpr;
  canvas.style.cssText = `position:absolute;left:${margin.left}px;top:${margin.top}px;width:${plotW}px;height:${plotH}px;pointer-events:none`;
  const g2 = canvas.getContext('2d');
  g2.scale(dpr, dpr);
  g2.textAlign = 'center';
  g2.textBaseline = 'middle';
  g2.font = `${Math.min(13, Math.max(7, Math.min(cell, rowH) - 4))}px system-ui, sans-serif`;
  for (let r = 0; r < rows; r++)
    for (let t = 0; t < T; t++) {
      const p = view.prob[r][t];
      g2.fillStyle = Number.isFinite(p) ? color(Math.max(p, 1 / 256)) : '#d00';
      g2.fillRect(t * cell, r * rowH, cell, rowH);
      if (t < T - 1 && view.top[r][t] === view.nextBytes[t]) {  // a right guess
        g2.strokeStyle = '#fff';
        g2.lineWidth = 2;
        g2.strokeRect(t * cell + 1.5, r * rowH + 1.5, cell - 3, rowH - 3);
      }
      if (cell >= 11 && rowH >= 11) {
        const char = view.topChars[r][t];
        g2.fillStyle = Number.isFinite(p) && p > 0.08 ? '#000' : '#fff';  // cividis is dark below ~0.08 on this log scale
        g2.fillText(char.length > 1 ? '·' : char, t * cell + cell / 2, r * rowH + rowH / 2 + 0.5);
      }
    }
  g2.strokeStyle = '#E69F00';
  g2.lineWidth = 2;
  g2.strokeRect(view.token * cell + 1, (view.layer + 1) * rowH + 1, cell - 2, rowH - 2);
  const svgW = margin.left + plotW + margin.right, svgH = margin.top + plotH + margin.bottom;
  const label = `logit lens ${view.mode === 'raw' ? 'without' : 'through'} the final norm: ${rows} stream depths by ${T} tokens`;
  const svg = select(wrap).append('svg').attr('width', svgW).attr('height', svgH).attr('role', 'img').attr('aria-label', label);
  wrap.prepend(canvas);
  wrap.style.width = `${svgW}px`;
  const x = scaleBand().domain(view.tokens.map((_, i) => i)).range([0, plotW]);
  const y = scaleBand().domain([...Array(rows).keys()]).range([0, plotH]);
  const rowName = (r) => (r === 0 ? 'emb' : String(r - 1));
  const every = Math.ceil(T / Math.max(1, Math.floor(plotW / 14)));
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  g.append('g').attr('class', 'axis').attr('transform', `translate(0,${plotH})`)
    .call(axisBottom(x).tickValues(x.domain().filter((i) => i % every === 0)).tickFormat((i) => view.tokens[i]));
  g.append('g').attr('class', 'axis').call(axisLeft(y).tickValues(y.domain().filter((r) => r % Math.ceil(rows / 14) === 0)).tickFormat(rowName));
  g.append('text').attr('class', 'axis-label').attr('x', plotW / 2).attr('y', plotH + 34).attr('text-anchor', 'middle').text('token (input)');
  g.append('text').attr('class', 'axis-label').attr('transform', `translate(-44,${plotH / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle').text('after layer');
  const say = readout(container);
  const describe = (r, t) => {
    const where = r === 0 ? 'the embedding' : `layer ${r - 1}`;
    const next = t < T - 1 ? ` (really next: “${view.tokens[t + 1]}”)` : '';
    return `after ${where}, token ${t} “${view.tokens[t]}”: predicts “${view.topChars[r][t]}” with p = ${formatNumber(view.prob[r][t])}${next}`;
  };
  const hit = g.append('rect').attr('width', plotW).attr('height', plotH).attr('fill', 'transparent');
  const at = (e) => {
    const [px, py] = pointer(e, hit.node());
    return [Math.min(rows - 1, Math.max(0, Math.floor(py / rowH))), Math.min(T - 1, Math.max(0, Math.floor(px / cell)))];
  };
  hit.on('mousemove', (e) => say(describe(...at(e))))
    .on('mouseleave', () => say(describe(view.layer + 1, view.token)))
    .on('click', (e) => {
      const [r, t] = at(e);
      ctx.select({ layer: Math.max(0, r - 1), token: t });
    });
  const right = view.top.slice(-1)[0].filter((b, t) => t < T - 1 && b === view.nextBytes[t]).length;
  say(describe(view.layer + 1, view.token));
  const key = document.createElement('p');
  key.className = 'note';
  const last = view.mode === 'raw' ? 'The last row, read raw,' : "The last row is the model's own prediction:";
  key.textContent = `Colour: probability, log scale from 1/256 (dark) to 1 (yellow). ${last} ${right} of ${T - 1} next bytes right.`;
  container.append(key);
}
