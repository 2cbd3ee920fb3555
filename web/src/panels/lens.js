// lens.js — the logit lens: the output head read off the residual stream
// after every block, as if the model stopped there (nostalgebraist 2020).
// Rows are the stream (embedding, then each block's output), columns tokens.
import { scaleBand, scaleSequentialLog } from 'd3-scale';
import { interpolateCividis } from 'd3-scale-chromatic';
import { axisBottom, axisLeft } from 'd3-axis';
import { select, pointer } from 'd3-selection';
import { keepControls, overlayCanvas, plotWidth, readout, selectControl, setIdle } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

export const name = 'lens';
export const wide = true;

const MODES = ['norm', 'raw'];

// Why there is only one way to read the stream, or null.
function why(view, t) {
  if (view.placement === 'post') return t('lens.why.post');
  if (view.norm === 'none') return t('lens.why.none');
  if (view.finalRemoved) return t('lens.why.removed');
  return null;
}

// The control row outlives redraws; a new language (its label changes) must rebuild it.
function dropStale(container, label) {
  const row = container.querySelector(':scope > .sub');
  if (row && row.dataset.label !== label) row.remove();
}

// The read-out for a cell: row r (0 the embedding, then each layer), token i.
function describer(view, t, fmt) {
  return (r, i) => {
    const params = { layer: r - 1, token: i, char: view.tokens[i], top: view.topChars[r][i], p: fmt(view.prob[r][i]), next: view.tokens[i + 1] };
    const key = r === 0 ? 'lens.readout.embedding' : 'lens.readout.layer';
    return t(i < view.T - 1 ? `${key}.next` : key, params);
  };
}

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en'), fmt = ctx.fmt ?? numberFormatter('en');
  const reason = why(view, t);
  const controlLabel = t('lens.control');
  dropStale(container, controlLabel);
  keepControls(container,
    (row) => {
      row.dataset.label = controlLabel;
      selectControl(row, controlLabel, MODES.map((mode) => [mode, t(`lens.mode.${mode}`)]), (lens) => ctx.select({ lens }));
    },
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
  scroller.setAttribute('aria-label', t('lens.scroller'));
  const wrap = document.createElement('div');
  wrap.className = 'plot';
  wrap.style.position = 'relative';
  scroller.append(wrap);
  container.append(scroller);
  const g2 = overlayCanvas(wrap, { left: margin.left, top: margin.top, width: plotW, height: plotH });
  g2.textAlign = 'center';
  g2.textBaseline = 'middle';
  g2.font = `${Math.min(13, Math.max(7, Math.min(cell, rowH) - 4))}px system-ui, sans-serif`;
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < T; i++) {
      const p = view.prob[r][i];
      g2.fillStyle = Number.isFinite(p) ? color(Math.max(p, 1 / 256)) : '#d00';
      g2.fillRect(i * cell, r * rowH, cell, rowH);
      if (i < T - 1 && view.top[r][i] === view.nextBytes[i]) {  // a right guess
        g2.strokeStyle = '#fff';
        g2.lineWidth = 2;
        g2.strokeRect(i * cell + 1.5, r * rowH + 1.5, cell - 3, rowH - 3);
      }
      if (cell >= 11 && rowH >= 11) {
        const char = view.topChars[r][i];
        g2.fillStyle = Number.isFinite(p) && p > 0.08 ? '#000' : '#fff';  // cividis is dark below ~0.08 on this log scale
        g2.fillText(char.length > 1 ? '·' : char, i * cell + cell / 2, r * rowH + rowH / 2 + 0.5);
      }
    }
  g2.strokeStyle = '#E69F00';
  g2.lineWidth = 2;
  g2.strokeRect(view.token * cell + 1, (view.layer + 1) * rowH + 1, cell - 2, rowH - 2);
  const svgW = margin.left + plotW + margin.right, svgH = margin.top + plotH + margin.bottom;
  const label = t(view.mode === 'raw' ? 'lens.aria.raw' : 'lens.aria.norm', { rows, tokens: T });
  const svg = select(wrap).append('svg').attr('width', svgW).attr('height', svgH).attr('role', 'img').attr('aria-label', label);
  wrap.style.width = `${svgW}px`;
  const x = scaleBand().domain(view.tokens.map((_, i) => i)).range([0, plotW]);
  const y = scaleBand().domain([...Array(rows).keys()]).range([0, plotH]);
  const rowName = (r) => (r === 0 ? t('lens.row.embedding') : String(r - 1));
  const every = Math.ceil(T / Math.max(1, Math.floor(plotW / 14)));
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  g.append('g').attr('class', 'axis').attr('transform', `translate(0,${plotH})`)
    .call(axisBottom(x).tickValues(x.domain().filter((i) => i % every === 0)).tickFormat((i) => view.tokens[i]));
  g.append('g').attr('class', 'axis').call(axisLeft(y).tickValues(y.domain().filter((r) => r % Math.ceil(rows / 14) === 0)).tickFormat(rowName));
  g.append('text').attr('class', 'axis-label').attr('x', plotW / 2).attr('y', plotH + 34).attr('text-anchor', 'middle').text(t('lens.axis.token'));
  g.append('text').attr('class', 'axis-label').attr('transform', `translate(-44,${plotH / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle').text(t('lens.axis.layer'));
  const say = readout(container);
  const describe = describer(view, t, fmt);
  const hit = g.append('rect').attr('width', plotW).attr('height', plotH).attr('fill', 'transparent');
  const at = (e) => {
    const [px, py] = pointer(e, hit.node());
    return [Math.min(rows - 1, Math.max(0, Math.floor(py / rowH))), Math.min(T - 1, Math.max(0, Math.floor(px / cell)))];
  };
  hit.on('mousemove', (e) => say(describe(...at(e))))
    .on('mouseleave', () => say(describe(view.layer + 1, view.token)))
    .on('click', (e) => {
      const [r, i] = at(e);
      ctx.select({ layer: Math.max(0, r - 1), token: i });
    });
  const right = view.top.slice(-1)[0].filter((b, i) => i < T - 1 && b === view.nextBytes[i]).length;
  say(describe(view.layer + 1, view.token));
  const key = document.createElement('p');
  key.className = 'note';
  const last = t(view.mode === 'raw' ? 'lens.key.raw' : 'lens.key.norm', { right, total: T - 1 });
  key.textContent = `${t('lens.key.colour')} ${last}`;
  container.append(key);
}
