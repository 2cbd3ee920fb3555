// depth.js — panel 1: a statistic of every site across layers on a log axis.
// Pre-norm's stream grows, post-norm's stays flat, no norm explodes or dies.
import { scaleLinear, scaleLog } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { line } from 'd3-shape';
import { pointer } from 'd3-selection';
import { OKABE_ITO, axisLabel, frame, keepControls, legend, readout, selectControl, setIdle } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

const STREAM = new Set(['resid_in', 'resid_mid', 'resid_out']);

export const name = 'depth';
export const wide = true;

// The control row outlives redraws; a new language (its label changes) must rebuild it.
function dropStale(container, label) {
  const row = container.querySelector(':scope > .sub');
  if (row && row.dataset.label !== label) row.remove();
}

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en'), fmt = ctx.fmt ?? numberFormatter('en');
  const statLabel = t('depth.control.stat');
  dropStale(container, statLabel);
  keepControls(container,
    (row) => {
      row.dataset.label = statLabel;
      // the statistics' names are the engine's identifiers, shown as they are
      selectControl(row, statLabel, ['rms', 'std', 'absmax', 'zero_frac'].map((s) => [s, s]), (stat) => ctx.select({ stat }));
    },
    (row) => setIdle(row.querySelector('select'), view.stat));

  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const sites = [...new Set(view.series.map((s) => s.site))];
  const color = (site) => OKABE_ITO[sites.indexOf(site) % OKABE_ITO.length];
  const L = view.series[0].values.length;
  const positive = view.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const lo = positive.length ? Math.min(...positive) : 1e-3, hi = positive.length ? Math.max(...positive) : 1;
  const width = Math.max(260, plot.clientWidth || 860);  // the depth profile takes the panel's whole width
  const f = frame(plot, { width, height: 320, margin: { top: 28, right: 12, bottom: 34, left: 62 },
    label: t('depth.aria', { stat: view.stat, layers: L }) });
  const x = scaleLinear().domain(L > 1 ? [0, L - 1] : [-0.5, 0.5]).range([0, f.width]);
  const y = scaleLog().domain([lo / 1.5, hi * 1.5]).range([f.height, 0]).clamp(true);
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`)
    .call(axisBottom(x).ticks(Math.min(L, 12)).tickFormat((d) => (Number.isInteger(d) ? d : '')));
  const wide = y.domain()[1] / y.domain()[0] > 1e4;  // powers of ten read better than 100000
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(6, wide ? '.0e' : '~g'));
  axisLabel(f.g, t('depth.axis.layer'), { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, t('depth.axis.stat', { stat: view.stat }), { x: -50, y: f.height / 2, rotate: true });
  f.g.append('line').attr('x1', x(view.layer)).attr('x2', x(view.layer)).attr('y1', 0).attr('y2', f.height)
    .attr('stroke', '#555').attr('stroke-width', 1.5).attr('stroke-dasharray', '2 3');  // the selected layer
  const path = line().defined((v) => Number.isFinite(v) && v > 0).x((v, i) => x(i)).y((v) => y(v));
  for (const s of view.series) {
    f.g.append('path').attr('fill', 'none').attr('stroke', color(s.site))
      .attr('stroke-width', s.site === view.site ? 3.5 : STREAM.has(s.site) ? 2.2 : 1.3)
      .attr('stroke-dasharray', s.run === 'b' ? '6 4' : null)
      .attr('d', path(s.values));
    if (L <= 48)
      f.g.append('g').selectAll('circle').data(s.values.map((v, i) => [v, i]).filter(([v]) => Number.isFinite(v) && v > 0))
        .join('circle').attr('cx', ([, i]) => x(i)).attr('cy', ([v]) => y(v)).attr('r', s.site === view.site ? 3 : 1.8)
        .attr('fill', s.run === 'b' ? '#fff' : color(s.site)).attr('stroke', color(s.site));
  }
  // NaN/Inf is data: a red band over the layers where any site has it
  const badLayers = [...Array(L).keys()].filter((i) => view.series.some((s) => s.bad[i] > 0));
  if (badLayers.length) {
    const band = Math.max(2, x(1) - x(0) || f.width);
    const left = (i) => Math.max(0, x(i) - band / 2), right = (i) => Math.min(f.width, x(i) + band / 2);
    f.g.append('g').selectAll('rect').data(badLayers).join('rect')
      .attr('x', left).attr('width', (i) => right(i) - left(i)).attr('y', -8).attr('height', 5).attr('fill', '#a40000');
    f.g.append('text').attr('class', 'bad-value').attr('x', x(badLayers[0])).attr('y', -12)
      .attr('text-anchor', x(badLayers[0]) > f.width * 0.6 ? 'end' : 'start')
      .text(t('depth.bad', { layer: badLayers[0] }));
  }
  legend(container, [
    ...sites.map((site) => ({ label: site, color: color(site) })),
    ...(view.labels.b ? [{ label: t('depth.legend.solid', { label: view.labels.a }), color: '#444' },
      { label: t('depth.legend.dashed', { label: view.labels.b }), color: '#444', dash: true }] : []),
  ]);
  const say = readout(container);
  const part = (s, i) => {
    const params = { site: s.site, value: fmt(s.values[i]), run: t(s.run === 'a' ? 'depth.run.solid' : 'depth.run.dashed') };
    const value = t(view.labels.b ? 'depth.readout.siteRun' : 'depth.readout.site', params);
    return s.bad[i] ? `${value} ${t('depth.readout.bad', { count: s.bad[i] })}` : value;
  };
  const describe = (i) => {
    const parts = view.series.filter((s) => s.site === view.site || STREAM.has(s.site)).map((s) => part(s, i));
    return t('depth.readout', { layer: i, stat: view.stat, values: parts.join(' · ') });
  };
  say(describe(view.layer));
  const layerAt = (event) => Math.max(0, Math.min(L - 1, Math.round(x.invert(pointer(event, f.g.node())[0]))));
  f.svg.on('mousemove', (event) => say(describe(layerAt(event))))
    .on('mouseleave', () => say(describe(view.layer)))
    .on('click', (event) => ctx.select({ layer: layerAt(event) }));
}
