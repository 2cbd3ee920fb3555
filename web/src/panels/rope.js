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
import { COLOR_A, COLOR_B, OKABE_ITO, axisLabel, formatNumber, frame, keepControls, legend, plotWidth, readout, setIdle } from '../plot.js';

export const name = 'rope';
export const title = 'RoPE: rotation by position';
export const note = 'RoPE turns each 2-D pair i of q and k by the angle m·θ_i, θ_i = base^(−2i/hd), where m is the token\'s position. ' +
  'Early pairs turn fast, late pairs barely move; the score of two rotated vectors depends only on how far apart they are.';
export const wide = true;

const MAX_PHASORS = 16;
const keyFormat = format('.2~g');
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

function controls(container, view, ctx) {
  keepControls(container, (row) => {
    const headLabel = el('label', 'head');
    const head = el('select');
    head.addEventListener('change', () => ctx.select({ head: Number(head.value) }));
    headLabel.append(head);
    const tokenLabel = el('label', 'token (position m)');
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
    row.querySelector('label span').textContent = ` “${view.char}”`;
    row.lastElementChild.textContent = `layer ${view.layer} · head dim ${view.hd} (${view.hd / 2} pairs) · base ` +
      `${Number.isInteger(view.theta) ? view.theta : formatNumber(view.theta)} · ` +
      `pairing ${view.pairing === 'half' ? 'half: (i, i+hd/2)' : 'interleaved: (2i, 2i+1)'}`;
  });
}

// ---------------------------------------------------------------- a) phasors

function phasors(box, view) {
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
    .attr('aria-label', `pairs of q for token ${view.token} before and after rotation`);
  const defs = svg.append('defs');
  for (const [id, color] of [['rope-head-before', COLOR_A], ['rope-head-after', COLOR_B], ['rope-head-arc', '#555']])
    defs.append('marker').attr('id', id).attr('viewBox', '0 0 10 10').attr('refX', 9).attr('refY', 5)
      .attr('markerWidth', 6).attr('markerHeight', 6).attr('orient', 'auto-start-reverse')
      .append('path').attr('d', 'M0,0L10,5L0,10z').attr('fill', color);
  const say = readout(box);
  const describe = (i) => {
    const turns = r.angle[i] / TAU;
    return `pair ${i} = dims (${r.pairDims[2 * i]}, ${r.pairDims[2 * i + 1]}): θ_${i} = ${formatNumber(r.frequency[i])} rad per position, ` +
      `so at m = ${view.token} it turned ${formatNumber(r.angle[i])} rad (${formatNumber(turns)} turns); ` +
      `before (${formatNumber(r.qPairs[2 * i])}, ${formatNumber(r.qPairs[2 * i + 1])}) → after ` +
      `(${formatNumber(r.qRotPairs[2 * i])}, ${formatNumber(r.qRotPairs[2 * i + 1])})`;
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
      .style('font-weight', 600).text(`pair ${i}`);
    g.append('text').attr('class', 'axis-label').attr('y', radius + 25).attr('text-anchor', 'middle')
      .text(turns >= 0.995 ? `${formatNumber(Number(turns.toFixed(1)))} turns` : `${formatNumber(Number((r.angle[i] * 180 / Math.PI).toFixed(1)))}°`);
    g.append('circle').attr('r', cell / 2).attr('fill', 'transparent')
      .on('mousemove', () => say(describe(i))).on('mouseleave', () => say(summary));
  });
  legend(box, [
    { label: 'q before rotation', color: COLOR_A, dash: true },
    { label: `q after rotation at m = ${view.token}`, color: COLOR_B },
    { label: 'the turn m·θ_i (mod 360°)', color: '#555' },
  ]);
  const summary = view.token === 0
    ? 'Token 0 sits at position m = 0: nothing turns. Pick a later token to see the pairs rotate.'
    : pairs === 1 ? `At m = ${view.token}, the one pair has turned ${formatNumber(r.angle[0] / TAU)} turns.`
    : `At m = ${view.token}, pair 0 has turned ${formatNumber(r.angle[0] / TAU)} turns and pair ${pairs - 1} ` +
      `only ${formatNumber(r.angle[pairs - 1] * 180 / Math.PI)}°. Hover a circle for its numbers.`;
  say(summary);
  caption(box, (pairs > shown.length ? `${shown.length} of ${pairs} pairs, evenly spaced. ` : '') +
    'Each circle is one 2-D pair of q, scaled to its own length (a rotation keeps the length). ' +
    'Pair i turns by θ_i per position: pair 0 by 1 rad (57°) each step, the last pairs by a tiny fraction of a degree.');
  turnsChart(box, view);
}

// How far every pair has turned at this position, log scale: the geometric ladder of θ_i.
function turnsChart(box, view) {
  const r = view.analysis;
  const pairs = r.frequency.length;
  const positive = Array.from(r.angle).filter((v) => v > 0);
  if (!positive.length) return;
  const plot = el('div');
  plot.className = 'plot';
  box.append(plot);
  const f = frame(plot, { width: plotWidth(box, 560), height: 150, margin: { top: 8, right: 12, bottom: 34, left: 56 },
    label: `rotation angle of each pair at position ${view.token}, log scale` });
  const x = scaleLinear().domain([-0.5, pairs - 0.5]).range([0, f.width]);
  const y = scaleLog().domain([Math.min(...positive) / 2, Math.max(...positive) * 2]).range([f.height, 0]);
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`)
    .call(axisBottom(x).ticks(Math.min(pairs, 8)).tickFormat((d) => (Number.isInteger(d) ? d : '')));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(4, '~g'));
  axisLabel(f.g, 'pair i', { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, 'm·θ_i (rad, log)', { x: -44, y: f.height / 2, rotate: true });
  // one full turn, for scale
  if (y.domain()[0] < TAU && TAU < y.domain()[1]) {
    f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(TAU)).attr('y2', y(TAU))
      .attr('stroke', '#999').attr('stroke-dasharray', '3 3');
    f.g.append('text').attr('class', 'axis-label').attr('x', f.width - 2).attr('y', y(TAU) - 3).attr('text-anchor', 'end')
      .text('one full turn (2π)');
  }
  f.g.append('g').selectAll('circle').data(Array.from(r.angle).map((v, i) => [i, v]).filter(([, v]) => v > 0))
    .join('circle').attr('cx', ([i]) => x(i)).attr('cy', ([, v]) => y(v)).attr('r', pairs > 64 ? 1.5 : 3)
    .attr('fill', OKABE_ITO[1]);
}

// ---------------------------------------------------------------- b) scores

function scores(box, view) {
  const r = view.analysis;
  const n = r.scores.length;
  const plot = el('div');
  plot.className = 'plot';
  box.append(plot);
  const f = frame(plot, { width: plotWidth(box, 560), height: 200, margin: { top: 10, right: 12, bottom: 34, left: 56 },
    label: 'score of the content vector against itself at each offset' });
  const finite = Array.from(r.scores).filter(Number.isFinite);
  const lo = Math.min(0, ...finite), hi = Math.max(0, ...finite);
  const x = scaleLinear().domain([0, n - 1]).range([0, f.width]);
  const y = scaleLinear().domain([lo, hi > lo ? hi : lo + 1]).range([f.height, 0]).nice();
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(6));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(5, '~g'));
  axisLabel(f.g, 'offset Δ = m − n (positions)', { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, '(R_m q)·(R_n q)', { x: -44, y: f.height / 2, rotate: true });
  f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(0)).attr('y2', y(0)).attr('stroke', '#999');
  // the offsets this text actually has
  f.g.append('rect').attr('x', 0).attr('width', x(Math.min(n - 1, view.nTokens - 1))).attr('height', f.height)
    .attr('fill', OKABE_ITO[4]).attr('opacity', 0.12);
  f.g.append('path').attr('fill', 'none').attr('stroke', COLOR_A).attr('stroke-width', 2)
    .attr('d', line().defined(Number.isFinite).x((v, i) => x(i)).y((v) => y(v))(Array.from(r.scores)));
  const cursor = f.g.append('circle').attr('r', 4).attr('fill', COLOR_B).attr('opacity', 0);
  const say = readout(box);
  const summary = `Δ = 0: |q|² = ${formatNumber(r.scores[0])}. Shaded: offsets that occur in this text (up to ${view.nTokens - 1}).`;
  say(summary);
  f.svg.on('mousemove', (event) => {
    const d = Math.max(0, Math.min(n - 1, Math.round(x.invert(pointer(event, f.g.node())[0]))));
    cursor.attr('cx', x(d)).attr('cy', y(r.scores[d])).attr('opacity', 1);
    say(`Δ = ${d}: score ${formatNumber(r.scores[d])} (${formatNumber(r.scores[d] / r.scores[0])} × the score at Δ = 0)`);
  }).on('mouseleave', () => { cursor.attr('opacity', 0); say(summary); });
  caption(box, `The same q (token ${view.token}, head ${view.head}) placed at two positions Δ apart, before the 1/√hd scale: ` +
    'Σ_i |q_i|² cos(Δ·θ_i). Fast pairs make the wiggles; slow pairs keep it high for long.');
}

function matrix(box, view) {
  const r = view.analysis;
  const M = r.matrixSize;
  const values = Array.from(r.matrix).filter(Number.isFinite);
  const lo = Math.min(...values), hi = Math.max(...values);
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
    .attr('aria-label', `score matrix s(m, n) for positions 0 to ${M - 1}`);
  wrap.prepend(canvas);
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  const x = scaleLinear().domain([0, M]).range([0, size]);
  g.append('g').attr('class', 'axis').attr('transform', `translate(0,${size})`).call(axisBottom(x).ticks(4));
  g.append('g').attr('class', 'axis').call(axisLeft(x).ticks(4));
  axisLabel(g, 'position n', { x: size / 2, y: size + 30 });
  axisLabel(g, 'position m', { x: -30, y: size / 2, rotate: true });
  // colour key
  const key = g.append('g').attr('transform', `translate(${size + 16},0)`);
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
  const summary = `s(m, n) for positions 0 … ${M - 1}; colour from ${formatNumber(lo)} to ${formatNumber(hi)}.`;
  say(summary);
  hit.on('mousemove', (event) => {
    const [px, py] = pointer(event, hit.node());
    const m = Math.min(M - 1, Math.max(0, Math.floor(py / cell))), n = Math.min(M - 1, Math.max(0, Math.floor(px / cell)));
    const d = Math.abs(m - n);
    say(`s(${m}, ${n}) = ${formatNumber(r.matrix[m * M + n])}; offset ${d}: score ${formatNumber(r.scores[d])}`);
  }).on('mouseleave', () => say(summary));
  caption(box, 'Computed by rotating q to every position m and n and taking the dot product. Each diagonal has one colour: ' +
    's(m, n) depends only on m − n, never on where the pair sits. That is relative position, from absolute rotations.');
}

// ---------------------------------------------------------------- c) decay bound

function decay(box, view) {
  const r = view.analysis;
  const points = Array.from(r.decayDistances, (d, j) => [d, r.decay[j]]).filter(([d, v]) => d >= 1 && Number.isFinite(v));
  const plot = el('div');
  plot.className = 'plot';
  box.append(plot);
  const f = frame(plot, { width: plotWidth(box, 560), height: 200, margin: { top: 10, right: 12, bottom: 34, left: 56 },
    label: 'RoFormer long-term decay bound against relative distance, log distance axis' });
  const dMax = points[points.length - 1][0];
  const x = scaleLog().domain([1, dMax]).range([0, f.width]);
  const y = scaleLinear().domain([0, r.decay[0] * 1.05]).range([f.height, 0]).nice();
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(5, '~g'));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(5, '~g'));
  axisLabel(f.g, 'relative distance m − n (log)', { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, 'bound (1/(hd/2)) Σ|S_j|', { x: -44, y: f.height / 2, rotate: true });
  const span = view.nTokens - 1;
  if (span >= 1) {
    f.g.append('rect').attr('x', 0).attr('width', x(Math.min(span, dMax))).attr('height', f.height)
      .attr('fill', OKABE_ITO[4]).attr('opacity', 0.12);
  }
  f.g.append('path').attr('fill', 'none').attr('stroke', OKABE_ITO[2]).attr('stroke-width', 2)
    .attr('d', line().x(([d]) => x(d)).y(([, v]) => y(v))(points));
  const cursor = f.g.append('circle').attr('r', 4).attr('fill', COLOR_B).attr('opacity', 0);
  const say = readout(box);
  const summary = `At distance 0 the bound is ${formatNumber(r.decay[0])}; at ${formatNumber(dMax)} it is ` +
    `${formatNumber(points[points.length - 1][1])}. Shaded: distances in this text.`;
  say(summary);
  f.svg.on('mousemove', (event) => {
    const want = x.invert(Math.max(0, pointer(event, f.g.node())[0]));
    let best = points[0];
    for (const p of points) if (Math.abs(Math.log(p[0] / want)) < Math.abs(Math.log(best[0] / want))) best = p;
    cursor.attr('cx', x(best[0])).attr('cy', y(best[1])).attr('opacity', 1);
    say(`distance ${best[0]}: bound ${formatNumber(best[1])}`);
  }).on('mouseleave', () => { cursor.attr('opacity', 0); say(summary); });
  caption(box, `RoFormer (Su et al. 2021), Eq. 37: with S_j = Σ_{k<j} e^{i(m−n)θ_k}, the score of any q, k is bounded by ` +
    `max|h_{j+1} − h_j| · (1/(hd/2)) Σ_j |S_j|. For hd = ${view.hd} and base ${Number.isInteger(view.theta) ? view.theta : formatNumber(view.theta)} that bound ` +
    'falls with distance, oscillating as it goes: far-apart tokens can interact less. It bounds every content, not this q.' +
    (view.hd < 64 ? ` With only ${view.hd / 2} pair${view.hd > 2 ? 's' : ''} the curve is ragged; the paper's figure is hd = 128 (try d_model 512, n_heads 4).` : ''));
}

// ---------------------------------------------------------------- render

export function render(container, view, ctx) {
  if (!view.enabled) {
    container.replaceChildren();
    container.append(el('p', `This model uses pos=${view.pos} positions, so q and k are not rotated: there is no RoPE to show. ` +
      'Set pos=rope to see the rotation.', 'margin:.4rem 0'));
    return;
  }
  controls(container, view, ctx);
  if (!Array.from(view.analysis.qPairs).every(Number.isFinite)) {
    container.append(el('p', `q of head ${view.head} at layer ${view.layer} is NaN or Inf (the activations overflowed earlier): ` +
      'there is nothing to rotate. Pick an earlier layer.', 'margin:.4rem 0;color:#a40000'));
    return;
  }
  const grid = el('div', null, 'display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;align-items:flex-start');
  container.append(grid);
  // lay out every block before drawing, so each plot measures its final width
  const blocks = [
    [section(grid, `a) The ${view.hd / 2 === 1 ? 'one pair' : `${view.hd / 2} pairs`} of q for token ${view.token} “${view.char}”, turned by m·θ_i`, '100%'), phasors],
    [section(grid, 'b) One content vector against itself, Δ positions apart'), scores],
    [section(grid, 'c) s(m, n) = (R_m q)·(R_n q) for positions m, n', '300px'), matrix],
    [section(grid, 'd) Long-term decay of the bound (RoFormer Eq. 37)'), decay],
  ];
  for (const [box, draw] of blocks) draw(box, view);
}
