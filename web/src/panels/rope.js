// rope.js — the RoPE panel (TEACHING.md claim 12): the 2-D pairs of one
// token's q as phasors turned by m·θ_i, the score of that content vector
// against itself across offsets (and the s(m, n) matrix with constant
// diagonals), and RoFormer's long-term decay bound. Every number comes from
// C (Model.ropeAnalysis); this file only draws.
import { scaleLinear, scaleLog, scaleSequential } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { line } from 'd3-shape';
import { select, pointer } from 'd3-selection';
import { format } from 'd3-format';
import { interpolateViridis } from 'd3-scale-chromatic';
import { COLOR_A, COLOR_B, OKABE_ITO, axisLabel, frame, keepControls, legend, plotWidth, readout, setIdle } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

// title and note: panel.rope.title and panel.rope.note in the tables (lang/*/panels-a.js)
export const name = 'rope';
export const wide = true;

const MAX_PHASORS = 16;
const TAU = 2 * Math.PI;

const el = (tag, text, css) => {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (css) node.style.cssText = css;
  return node;
};

/** A titled block of the panel: heading, the plot, a caption, a read-out. */
function section(parent, heading, basis = '380px') {
  const box = el('section', null, `flex:1 1 ${basis};min-width:0;max-width:100%`);
  box.append(el('h4', heading, 'font-size:.9rem;margin:.3rem 0 .2rem'));
  parent.append(box);
  return box;
}

function caption(parent, text) {
  parent.append(el('p', text, 'font-size:.78rem;color:#444;margin:.2rem 0'));
}

// the base as set: a whole number as typed (10000, not 1e+4), else in the language's notation
const baseText = (theta, fmt) => (Number.isInteger(theta) ? theta : fmt(theta));

function controls(container, view, ctx, t, fmt) {
  keepControls(container, (row) => {
    const headLabel = el('label', t('rope.head'));
    const head = el('select');
    head.addEventListener('change', () => ctx.select({ head: Number(head.value) }));
    headLabel.append(head);
    const tokenLabel = el('label', t('rope.token'));
    const token = el('input');
    token.type = 'number';
    token.min = 0;
    token.style.width = '4.5rem';
    token.addEventListener('change', () => ctx.select({ token: Math.max(0, Math.min(Number(token.max), Number(token.value) | 0)) }));
    tokenLabel.append(token, el('span'));
    row.append(headLabel, tokenLabel, el('span', '', 'color:#5b5b5b'));
  }, (row) => {
    const head = row.querySelector('select');
    if (head.options.length !== view.heads) {
      head.replaceChildren();
      for (let h = 0; h < view.heads; h++) head.append(new Option(String(h), String(h)));
    }
    setIdle(head, view.head);
    const token = row.querySelector('input');
    token.max = view.nTokens - 1;
    setIdle(token, view.token);
    row.querySelector('label span').textContent = t('rope.char', { char: view.char });
    // a list of facts joined by ' · ', each whole in itself
    const pairs = view.hd / 2;
    row.lastElementChild.textContent = [
      t('rope.info.layer', { layer: view.layer }),
      t(pairs === 1 ? 'rope.info.hd.one' : 'rope.info.hd.other', { hd: view.hd, pairs }),
      t('rope.info.base', { base: baseText(view.theta, fmt) }),
      t(view.pairing === 'half' ? 'rope.info.half' : 'rope.info.interleaved'),
    ].join(' · ');
  });
}

// ---------------------------------------------------------------- a) phasors

function phasors(box, view, t, fmt) {
  const r = view.analysis;
  const pairs = r.frequency.length;
  const shown = pairs <= MAX_PHASORS ? [...Array(pairs).keys()]
    : [...new Set(Array.from({ length: MAX_PHASORS }, (_, k) => Math.round((k * (pairs - 1)) / (MAX_PHASORS - 1))))];
  const width = plotWidth(box, 560);
  const perRow = Math.max(3, Math.min(8, Math.floor(width / 104)));
  const cell = Math.floor(width / perRow);
  const rows = Math.ceil(shown.length / perRow);
  const labelH = 30, radius = cell / 2 - 8;
  const height = rows * (cell + labelH);
  const svg = select(box).append('div').attr('class', 'plot').append('svg')
    .attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height).attr('role', 'img')
    .attr('aria-label', t('rope.phasors.aria', { token: view.token }));
  const defs = svg.append('defs');
  for (const [id, color] of [['rope-head-before', COLOR_A], ['rope-head-after', COLOR_B], ['rope-head-arc', '#555']])
    defs.append('marker').attr('id', id).attr('viewBox', '0 0 10 10').attr('refX', 9).attr('refY', 5)
      .attr('markerWidth', 6).attr('markerHeight', 6).attr('orient', 'auto-start-reverse')
      .append('path').attr('d', 'M0,0L10,5L0,10z').attr('fill', color);
  const say = readout(box);
  const describe = (i) => {
    const turns = r.angle[i] / TAU;
    return t('rope.phasors.describe', {
      i, d0: r.pairDims[2 * i], d1: r.pairDims[2 * i + 1], theta: fmt(r.frequency[i]), m: view.token,
      angle: fmt(r.angle[i]), turns: fmt(turns),
      a: fmt(r.qPairs[2 * i]), b: fmt(r.qPairs[2 * i + 1]), a2: fmt(r.qRotPairs[2 * i]), b2: fmt(r.qRotPairs[2 * i + 1]),
    });
  };
  shown.forEach((i, k) => {
    const cx = (k % perRow) * cell + cell / 2, cy = Math.floor(k / perRow) * (cell + labelH) + cell / 2;
    const g = svg.append('g').attr('transform', `translate(${cx},${cy})`);
    const a = r.qPairs[2 * i], b = r.qPairs[2 * i + 1], a2 = r.qRotPairs[2 * i], b2 = r.qRotPairs[2 * i + 1];
    // every circle has its own scale: the pair's length is the radius (rotation keeps it)
    const length = Math.hypot(a, b);
    const s = length > 0 ? radius / length : 0;
    g.append('circle').attr('r', radius).attr('fill', '#fafafa').attr('stroke', '#ccc');
    g.append('line').attr('x1', -radius).attr('x2', radius).attr('stroke', '#e6e6e6');
    g.append('line').attr('y1', -radius).attr('y2', radius).attr('stroke', '#e6e6e6');
    // the turn, drawn as an arc of the angle modulo a full turn (whole turns are in the label)
    const start = Math.atan2(b, a), sweep = ((r.angle[i] % TAU) + TAU) % TAU;
    if (sweep > 1e-3 && s > 0) {
      const ra = radius * 0.45, end = start + sweep;
      g.append('path').attr('fill', 'none').attr('stroke', '#555').attr('stroke-width', 1.2)
        .attr('marker-end', 'url(#rope-head-arc)')
        .attr('d', `M${ra * Math.cos(start)},${-ra * Math.sin(start)}A${ra},${ra} 0 ${sweep > Math.PI ? 1 : 0} 0 ` +
          `${ra * Math.cos(end)},${-ra * Math.sin(end)}`);
    }
    // NaN or Inf in q (an overflowing model): no arrow to draw; the label still says the angle
    if ([a, b, a2, b2, s].every(Number.isFinite)) {
      g.append('line').attr('x2', a * s).attr('y2', -b * s).attr('stroke', COLOR_A).attr('stroke-width', 2)
        .attr('stroke-dasharray', '4 2').attr('marker-end', 'url(#rope-head-before)');
      g.append('line').attr('x2', a2 * s).attr('y2', -b2 * s).attr('stroke', COLOR_B).attr('stroke-width', 2.5)
        .attr('marker-end', 'url(#rope-head-after)');
    }
    const turns = r.angle[i] / TAU;
    g.append('text').attr('class', 'axis-label').attr('y', radius + 13).attr('text-anchor', 'middle')
      .style('font-weight', 600).text(t('rope.phasors.pair', { i }));
    g.append('text').attr('class', 'axis-label').attr('y', radius + 25).attr('text-anchor', 'middle')
      .text(turns >= 0.995 ? t('rope.phasors.turns', { turns: fmt(Number(turns.toFixed(1))) })
        : t('rope.phasors.degrees', { degrees: fmt(Number((r.angle[i] * 180 / Math.PI).toFixed(1))) }));
    g.append('circle').attr('r', cell / 2).attr('fill', 'transparent')
      .on('mousemove', () => say(describe(i))).on('mouseleave', () => say(summary));
  });
  legend(box, [
    { label: t('rope.legend.before'), color: COLOR_A, dash: true },
    { label: t('rope.legend.after', { m: view.token }), color: COLOR_B },
    { label: t('rope.legend.turn'), color: '#555' },
  ]);
  const summary = view.token === 0 ? t('rope.phasors.at_zero')
    : pairs === 1 ? t('rope.phasors.one', { m: view.token, turns: fmt(r.angle[0] / TAU) })
    : t('rope.phasors.other', { m: view.token, turns: fmt(r.angle[0] / TAU), last: pairs - 1,
      degrees: fmt(r.angle[pairs - 1] * 180 / Math.PI) });
  say(summary);
  caption(box, (pairs > shown.length ? t('rope.phasors.subset', { shown: shown.length, pairs }) : '') + t('rope.phasors.caption'));
  turnsChart(box, view, t);
}

// How far every pair has turned at this position, log scale: the geometric ladder of θ_i.
function turnsChart(box, view, t) {
  const r = view.analysis;
  const pairs = r.frequency.length;
  const positive = Array.from(r.angle).filter((v) => v > 0);
  if (!positive.length) return;
  const plot = el('div');
  plot.className = 'plot';
  box.append(plot);
  const f = frame(plot, { width: plotWidth(box, 560), height: 150, margin: { top: 8, right: 12, bottom: 34, left: 56 },
    label: t('rope.turns.aria', { m: view.token }) });
  const x = scaleLinear().domain([-0.5, pairs - 0.5]).range([0, f.width]);
  const y = scaleLog().domain([Math.min(...positive) / 2, Math.max(...positive) * 2]).range([f.height, 0]);
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`)
    .call(axisBottom(x).ticks(Math.min(pairs, 8)).tickFormat((d) => (Number.isInteger(d) ? d : '')));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(4, '~g'));
  axisLabel(f.g, t('rope.turns.axis.x'), { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, t('rope.turns.axis.y'), { x: -44, y: f.height / 2, rotate: true });
  // one full turn, for scale
  if (y.domain()[0] < TAU && TAU < y.domain()[1]) {
    f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(TAU)).attr('y2', y(TAU))
      .attr('stroke', '#999').attr('stroke-dasharray', '3 3');
    f.g.append('text').attr('class', 'axis-label').attr('x', f.width - 2).attr('y', y(TAU) - 3).attr('text-anchor', 'end')
      .text(t('rope.turns.full'));
  }
  f.g.append('g').selectAll('circle').data(Array.from(r.angle).map((v, i) => [i, v]).filter(([, v]) => v > 0))
    .join('circle').attr('cx', ([i]) => x(i)).attr('cy', ([, v]) => y(v)).attr('r', pairs > 64 ? 1.5 : 3)
    .attr('fill', OKABE_ITO[1]);
}

// ---------------------------------------------------------------- b) scores

function scores(box, view, t, fmt) {
  const r = view.analysis;
  const n = r.scores.length;
  const plot = el('div');
  plot.className = 'plot';
  box.append(plot);
  const f = frame(plot, { width: plotWidth(box, 560), height: 200, margin: { top: 10, right: 12, bottom: 34, left: 56 },
    label: t('rope.scores.aria') });
  const finite = Array.from(r.scores).filter(Number.isFinite);
  const lo = Math.min(0, ...finite), hi = Math.max(0, ...finite);
  const x = scaleLinear().domain([0, n - 1]).range([0, f.width]);
  const y = scaleLinear().domain([lo, hi > lo ? hi : lo + 1]).range([f.height, 0]).nice();
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(6));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(5, '~g'));
  axisLabel(f.g, t('rope.scores.axis.x'), { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, t('rope.scores.axis.y'), { x: -44, y: f.height / 2, rotate: true });
  f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(0)).attr('y2', y(0)).attr('stroke', '#999');
  // the offsets this text actually has
  f.g.append('rect').attr('x', 0).attr('width', x(Math.min(n - 1, view.nTokens - 1))).attr('height', f.height)
    .attr('fill', OKABE_ITO[4]).attr('opacity', 0.12);
  f.g.append('path').attr('fill', 'none').attr('stroke', COLOR_A).attr('stroke-width', 2)
    .attr('d', line().defined(Number.isFinite).x((v, i) => x(i)).y((v) => y(v))(Array.from(r.scores)));
  const cursor = f.g.append('circle').attr('r', 4).attr('fill', COLOR_B).attr('opacity', 0);
  const say = readout(box);
  const summary = t('rope.scores.summary', { q2: fmt(r.scores[0]), max: view.nTokens - 1 });
  say(summary);
  f.svg.on('mousemove', (event) => {
    const d = Math.max(0, Math.min(n - 1, Math.round(x.invert(pointer(event, f.g.node())[0]))));
    cursor.attr('cx', x(d)).attr('cy', y(r.scores[d])).attr('opacity', 1);
    say(t('rope.scores.at', { d, score: fmt(r.scores[d]), ratio: fmt(r.scores[d] / r.scores[0]) }));
  }).on('mouseleave', () => { cursor.attr('opacity', 0); say(summary); });
  caption(box, t('rope.scores.caption', { token: view.token, head: view.head }));
}

function matrix(box, view, t, fmt) {
  const r = view.analysis;
  const M = r.matrixSize;
  const values = Array.from(r.matrix).filter(Number.isFinite);
  // every score overflowed (huge q): the cells are red, the key spans [0, 1] rather than NaN
  const lo = values.length ? Math.min(...values) : 0, hi = values.length ? Math.max(...values) : 1;
  const color = scaleSequential(interpolateViridis).domain([lo, hi > lo ? hi : lo + 1]);
  const margin = { top: 6, right: 8, bottom: 34, left: 40 };
  const legendW = 12, keyW = 16 + legendW + 54;
  const size = Math.max(M, Math.min(256, plotWidth(box, 300) - margin.left - margin.right - keyW));
  const cell = size / M;
  const wrap = el('div', null, 'position:relative');
  wrap.className = 'plot';
  box.append(wrap);
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = canvas.height = Math.round(size * dpr);
  canvas.style.cssText = `position:absolute;left:${margin.left}px;top:${margin.top}px;width:${size}px;height:${size}px`;
  canvas.setAttribute('aria-hidden', 'true');
  canvas.style.pointerEvents = 'none';  // the svg's hit area beneath takes the hover
  const g2 = canvas.getContext('2d');
  g2.scale(dpr, dpr);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < M; n++) {
      const v = r.matrix[m * M + n];
      g2.fillStyle = Number.isFinite(v) ? color(v) : '#d00';
      g2.fillRect(n * cell, m * cell, Math.ceil(cell), Math.ceil(cell));
    }
  const svgW = margin.left + size + keyW, svgH = margin.top + size + margin.bottom;
  wrap.style.width = `${svgW}px`;
  const svg = select(wrap).append('svg').attr('width', svgW).attr('height', svgH).style('max-width', 'none').attr('role', 'img')
    .attr('aria-label', t('rope.matrix.aria', { max: M - 1 }));
  wrap.prepend(canvas);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const x = scaleLinear().domain([0, M]).range([0, size]);
  g.append('g').attr('class', 'axis').attr('transform', `translate(0,${size})`).call(axisBottom(x).ticks(4));
  g.append('g').attr('class', 'axis').call(axisLeft(x).ticks(4));
  axisLabel(g, t('rope.matrix.axis.n'), { x: size / 2, y: size + 30 });
  axisLabel(g, t('rope.matrix.axis.m'), { x: -30, y: size / 2, rotate: true });
  // colour key
  const key = g.append('g').attr('transform', `translate(${size + 16},0)`);
  // made here, not at load: d3's format follows the language the element set for this drawing
  const keyFormat = format('.2~g');
  const ky = scaleLinear().domain(color.domain()).range([size, 0]);
  const steps = 48;
  key.selectAll('rect').data(Array.from({ length: steps }, (_, k) => lo + ((hi - lo) * (k + 0.5)) / steps)).join('rect')
    .attr('y', (v, k) => size - ((k + 1) * size) / steps).attr('width', legendW).attr('height', size / steps + 0.5)
    .attr('fill', (v) => color(v));
  key.append('g').attr('class', 'axis').attr('transform', `translate(${legendW},0)`)
    .call(axisLeft(ky).ticks(4).tickFormat((v) => keyFormat(v).replace('-', '−')).tickSize(legendW))
    .call((k) => k.selectAll('text').attr('x', 4).attr('text-anchor', 'start'));
  const hit = g.append('rect').attr('width', size).attr('height', size).attr('fill', 'transparent');
  const say = readout(box);
  const summary = t('rope.matrix.summary', { max: M - 1, lo: fmt(lo), hi: fmt(hi) });
  say(summary);
  hit.on('mousemove', (event) => {
    const [px, py] = pointer(event, hit.node());
    const m = Math.min(M - 1, Math.max(0, Math.floor(py / cell))), n = Math.min(M - 1, Math.max(0, Math.floor(px / cell)));
    const d = Math.abs(m - n);
    say(t('rope.matrix.at', { m, n, value: fmt(r.matrix[m * M + n]), d, score: fmt(r.scores[d]) }));
  }).on('mouseleave', () => say(summary));
  caption(box, t('rope.matrix.caption'));
}

// ---------------------------------------------------------------- c) decay bound

function decay(box, view, t, fmt) {
  const r = view.analysis;
  const points = Array.from(r.decayDistances, (d, j) => [d, r.decay[j]]).filter(([d, v]) => d >= 1 && Number.isFinite(v));
  const plot = el('div');
  plot.className = 'plot';
  box.append(plot);
  const f = frame(plot, { width: plotWidth(box, 560), height: 200, margin: { top: 10, right: 12, bottom: 34, left: 56 },
    label: t('rope.decay.aria') });
  const dMax = points[points.length - 1][0];
  const x = scaleLog().domain([1, dMax]).range([0, f.width]);
  const y = scaleLinear().domain([0, r.decay[0] * 1.05]).range([f.height, 0]).nice();
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(5, '~g'));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(5, '~g'));
  axisLabel(f.g, t('rope.decay.axis.x'), { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, t('rope.decay.axis.y'), { x: -44, y: f.height / 2, rotate: true });
  const span = view.nTokens - 1;
  if (span >= 1) {
    f.g.append('rect').attr('x', 0).attr('width', x(Math.min(span, dMax))).attr('height', f.height)
      .attr('fill', OKABE_ITO[4]).attr('opacity', 0.12);
  }
  f.g.append('path').attr('fill', 'none').attr('stroke', OKABE_ITO[2]).attr('stroke-width', 2)
    .attr('d', line().x(([d]) => x(d)).y(([, v]) => y(v))(points));
  const cursor = f.g.append('circle').attr('r', 4).attr('fill', COLOR_B).attr('opacity', 0);
  const say = readout(box);
  const summary = t('rope.decay.summary', { first: fmt(r.decay[0]), far: fmt(dMax), last: fmt(points[points.length - 1][1]) });
  say(summary);
  f.svg.on('mousemove', (event) => {
    const want = x.invert(Math.max(0, pointer(event, f.g.node())[0]));
    let best = points[0];
    for (const p of points) if (Math.abs(Math.log(p[0] / want)) < Math.abs(Math.log(best[0] / want))) best = p;
    cursor.attr('cx', x(best[0])).attr('cy', y(best[1])).attr('opacity', 1);
    say(t('rope.decay.at', { d: best[0], value: fmt(best[1]) }));
  }).on('mouseleave', () => { cursor.attr('opacity', 0); say(summary); });
  const pairs = view.hd / 2;
  const ragged = view.hd >= 64 ? '' : t(pairs === 1 ? 'rope.decay.ragged.one' : 'rope.decay.ragged.other', { pairs });
  caption(box, t('rope.decay.caption', { hd: view.hd, base: baseText(view.theta, fmt) }) + ragged);
}

// ---------------------------------------------------------------- render

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en');
  const fmt = ctx.fmt ?? numberFormatter('en');
  if (!view.enabled) {
    container.replaceChildren();
    container.append(el('p', t('rope.disabled', { pos: view.pos }), 'margin:.4rem 0'));
    return;
  }
  controls(container, view, ctx, t, fmt);
  if (!Array.from(view.analysis.qPairs).every(Number.isFinite)) {
    container.append(el('p', t('rope.overflow', { head: view.head, layer: view.layer }), 'margin:.4rem 0;color:#a40000'));
    return;
  }
  const grid = el('div', null, 'display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:flex-start');
  container.append(grid);
  // lay out every block before drawing, so each plot measures its final width
  const blocks = [
    [section(grid, t(view.hd / 2 === 1 ? 'rope.section.a.one' : 'rope.section.a.other',
      { pairs: view.hd / 2, token: view.token, char: view.char }), '100%'), phasors],
    [section(grid, t('rope.section.b')), scores],
    [section(grid, t('rope.section.c'), '300px'), matrix],
    [section(grid, t('rope.section.d')), decay],
  ];
  for (const [box, draw] of blocks) draw(box, view, t, fmt);
}
