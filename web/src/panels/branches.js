// branches.js — residual decomposition: what attention and the FFN each add
// to the stream in every block (their rms, stacked) against the stream's own
// rms, and which way they point relative to it (cosine).
import { scaleBand, scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { line } from 'd3-shape';
import { pointer } from 'd3-selection';
import { OKABE_ITO, axisLabel, frame, legend, plotWidth, readout } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

export const name = 'branches';
export const wide = true;

const ATTN = OKABE_ITO[0], FFN = OKABE_ITO[1], STREAM = '#000';
const finite = (v) => (Number.isFinite(v) ? v : 0);

// The text for `key`, or for `key.of` naming the model when two are drawn.
const named = (t, key, heading, params) => (heading ? t(`${key}.of`, { ...params, heading }) : t(key, params));

function chart(container, layers, view, ctx, heading, say) {
  const { t, fmt } = ctx;
  const L = layers.length;
  const width = Math.max(260, plotWidth(container, 860));
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const f = frame(plot, { width, height: 220, margin: { top: heading ? 20 : 10, right: 12, bottom: 8, left: 62 },
    label: named(t, 'branches.aria.bars', heading, { layers: L }) });
  if (heading) f.g.append('text').attr('class', 'plot-title').attr('x', 0).attr('y', -8).text(heading);
  const x = scaleBand().domain([...Array(L).keys()]).range([0, f.width]).padding(0.25);
  const top = Math.max(1e-9, ...layers.map((b) => finite(b.attn.rms) + finite(b.ffn.rms)), ...layers.map((b) => finite(b.attn.streamRms)));
  const y = scaleLinear().domain([0, top * 1.08]).range([f.height, 0]).nice();
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(5, '~g'));
  axisLabel(f.g, 'rms', { x: -48, y: f.height / 2, rotate: true });
  const bars = f.g.append('g');
  bars.selectAll('rect.attn').data(layers).join('rect').attr('class', 'attn')
    .attr('x', (_, l) => x(l)).attr('width', x.bandwidth())
    .attr('y', (b) => y(finite(b.attn.rms))).attr('height', (b) => f.height - y(finite(b.attn.rms))).attr('fill', ATTN);
  bars.selectAll('rect.ffn').data(layers).join('rect').attr('class', 'ffn')
    .attr('x', (_, l) => x(l)).attr('width', x.bandwidth())
    .attr('y', (b) => y(finite(b.attn.rms) + finite(b.ffn.rms))).attr('height', (b) => f.height - y(finite(b.ffn.rms))).attr('fill', FFN);
  const mid = (l) => x(l) + x.bandwidth() / 2;
  f.g.append('path').attr('fill', 'none').attr('stroke', STREAM).attr('stroke-width', 2)
    .attr('d', line().defined((b) => Number.isFinite(b.attn.streamRms)).x((_, l) => mid(l)).y((b) => y(b.attn.streamRms))(layers));
  f.g.append('rect').attr('x', x(view.layer) - 2).attr('width', x.bandwidth() + 4).attr('y', 0).attr('height', f.height)
    .attr('fill', 'none').attr('stroke', '#555').attr('stroke-dasharray', '2 3');
  const bad = layers.map((b, l) => [b, l]).filter(([b]) => ![b.attn.rms, b.ffn.rms, b.attn.cos, b.ffn.cos].every(Number.isFinite));
  f.g.append('g').selectAll('text').data(bad).join('text').attr('class', 'bad-value')
    .attr('x', ([, l]) => mid(l)).attr('y', 10).attr('text-anchor', 'middle').text('NaN');

  const cosPlot = document.createElement('div');
  cosPlot.className = 'plot';
  container.append(cosPlot);
  const g = frame(cosPlot, { width, height: 130, margin: { top: 6, right: 12, bottom: 34, left: 62 },
    label: named(t, 'branches.aria.cos', heading, {}) });
  const c = scaleLinear().domain([-1, 1]).range([g.height, 0]);
  g.g.append('g').attr('class', 'axis').call(axisLeft(c).ticks(3));
  g.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${g.height})`)
    .call(axisBottom(x).tickValues(x.domain().filter((l) => l % Math.ceil(L / 16) === 0)));
  g.g.append('line').attr('x1', 0).attr('x2', g.width).attr('y1', c(0)).attr('y2', c(0)).attr('stroke', '#bbb');
  axisLabel(g.g, 'cos', { x: -48, y: g.height / 2, rotate: true });
  axisLabel(g.g, t('branches.axis.layer'), { x: g.width / 2, y: g.height + 30 });
  for (const [key, color] of [['attn', ATTN], ['ffn', FFN]]) {
    g.g.append('path').attr('fill', 'none').attr('stroke', color).attr('stroke-width', 2)
      .attr('d', line().defined((b) => Number.isFinite(b[key].cos)).x((_, l) => mid(l)).y((b) => c(b[key].cos))(layers));
    g.g.append('g').selectAll('circle').data(layers.map((b, l) => [b[key].cos, l]).filter(([v]) => Number.isFinite(v)))
      .join('circle').attr('cx', ([, l]) => mid(l)).attr('cy', ([v]) => c(v)).attr('r', 2.5).attr('fill', color);
  }
  const describe = (l) => {
    const b = layers[l];
    const share = (k) => fmt(b[k].rms / b[k].streamRms);
    return named(t, 'branches.readout', heading, {
      layer: l, attn: fmt(b.attn.rms), attnShare: share('attn'), attnStream: fmt(b.attn.streamRms), attnCos: fmt(b.attn.cos),
      ffn: fmt(b.ffn.rms), ffnShare: share('ffn'), ffnStream: fmt(b.ffn.streamRms), ffnCos: fmt(b.ffn.cos),
    });
  };
  for (const svg of [f.svg, g.svg]) {
    const at = (e) => {
      const px = pointer(e, f.g.node())[0];
      return Math.max(0, Math.min(L - 1, Math.floor(px / x.step())));
    };
    svg.on('mousemove', (e) => say(describe(at(e))))
      .on('mouseleave', () => say(describe(view.layer)))
      .on('click', (e) => ctx.select({ layer: at(e) }));
  }
  return describe;
}

export function render(container, view, context) {
  const t = context.t ?? translator('en'), fmt = context.fmt ?? numberFormatter('en');
  const ctx = { ...context, t, fmt };  // chart() reads the language from here
  container.replaceChildren();
  if (view.residual === 'off') {
    const p = document.createElement('p');
    p.className = 'caveat';
    p.textContent = t('branches.caveat.residualOff');
    container.append(p);
  } else if (view.scale !== 1) {
    const p = document.createElement('p');
    p.className = 'caveat';
    p.textContent = t('branches.caveat.scaled', { alpha: fmt(view.scale) });
    container.append(p);
  }
  const lines = { say: () => {} };
  const say = (text) => lines.say(text);
  const describe = chart(container, view.a, view, ctx, view.b ? view.labels.a : null, say);
  if (view.b) chart(container, view.b, view, ctx, view.labels.b, say);
  legend(container, [{ label: t('branches.legend.attn'), color: ATTN }, { label: t('branches.legend.ffn'), color: FFN },
    { label: t('branches.legend.stream'), color: STREAM }]);
  lines.say = readout(container);
  lines.say(describe(view.layer));
}
