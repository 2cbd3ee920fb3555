// intervene.js — break the model on purpose: skip a block, silence a head,
// take out a norm or scale the skip path (DeepNet's α), and see the depth
// profile and the prediction against the unmodified run (C runs both).
import { scaleBand, scaleLinear, scaleLog } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { line } from 'd3-shape';
import { COLOR_A, axisLabel, frame, legend, plotWidth, readout, setIdle } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

export const name = 'intervene';
export const wide = true;

const BASE = '#7a7a7a';

// toFixed with the language's decimal mark (fmt(0.5) is "0.5" or "0,5")
const fixed = (fmt, v, digits) => v.toFixed(digits).replace('.', fmt(0.5).charAt(1));

function labelled(row, text, control) {
  const label = document.createElement('label');
  const span = document.createElement('span');
  span.textContent = text;
  label.append(span, control);
  row.append(label);
  return control;
}

function selectOf(options) {
  const select = document.createElement('select');
  for (const [v, text] of options) select.append(new Option(text, v));
  return select;
}

function button(row, text, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.addEventListener('click', onClick);
  row.append(b);
  return b;
}

// The controls depend on the model's shape (layers, heads, norms) and the
// language: rebuilt when either changes.
function controls(container, view, ctx, t, fmt) {
  const { n_layers: L, n_heads: H, placement, norm } = view.config;
  const shape = `${L}/${H}/${placement}/${norm}/${t('intervene.button.clear')}`;
  let row = container.querySelector(':scope > .intervene-controls');
  if (row && row.dataset.shape !== shape) row.remove(), (row = null);
  if (!row) {
    row = document.createElement('div');
    row.className = 'intervene-controls';
    row.dataset.shape = shape;
    const layers = [...Array(L).keys()];
    const none = (control) => ['none', t(`intervene.option.none.${control}`)];  // German inflects "none" per noun
    const skip = labelled(row, t('intervene.control.skip'), selectOf([none('skip'), ...layers.map((l) => [String(l), t('intervene.option.layer', { layer: l })])]));
    skip.name = 'skip_layer';
    skip.addEventListener('change', () => ctx.setField('skip_layer', skip.value));
    const head = labelled(row, t('intervene.control.head'), selectOf([none('head'),
      ...layers.flatMap((l) => [...Array(H).keys()].map((h) => [`${l}.${h}`, t('intervene.option.head', { layer: l, head: h })]))]));
    head.name = 'zero_head';
    head.addEventListener('change', () => ctx.setField('zero_head', head.value));
    const finalNorm = placement === 'pre' && norm !== 'none' ? [['final_norm', t('intervene.option.final')]] : [];
    const normOf = (l, which) => [`${l}.${which}`, t('intervene.option.norm', { layer: l, norm: which })];
    const remove = labelled(row, t('intervene.control.remove'), selectOf([none('remove'), ...finalNorm,
      ...layers.flatMap((l) => [normOf(l, 'attn_norm'), normOf(l, 'ffn_norm')])]));
    remove.name = 'remove_norm';
    remove.disabled = norm === 'none';
    remove.addEventListener('change', () => ctx.setField('remove_norm', remove.value));
    const alpha = document.createElement('input');
    alpha.type = 'number';
    alpha.step = 'any';
    alpha.min = '0';
    alpha.max = '100';
    alpha.name = 'residual_scale';
    labelled(row, t('intervene.control.alpha'), alpha);
    // a refused α is said beside the box (as well as at the top), and the box shows the α in use again
    const said = document.createElement('span');
    said.className = 'inline-error';
    said.setAttribute('role', 'alert');
    alpha.addEventListener('change', () => {
      const error = ctx.setField('residual_scale', alpha.value);
      said.textContent = error ?? '';
      if (error) alpha.value = String(row.dataset.alpha);
    });
    // DeepNet (Wang et al. 2022), decoder-only: α = (2N)^¼ for N layers
    const deepnet = (2 * L) ** 0.25;
    button(row, t('intervene.button.deepnet', { alpha: fixed(fmt, deepnet, 3) }),
      () => ctx.setField('residual_scale', String(Number(deepnet.toFixed(6)))));
    button(row, t('intervene.button.clear'), () => ctx.select({ skip_layer: 'none', zero_head: 'none', remove_norm: 'none', residual_scale: '1' }));
    row.append(said);
    container.prepend(row);
  }
  row.dataset.alpha = view.values.residual_scale;
  for (const [name, value] of Object.entries(view.values)) setIdle(row.querySelector(`[name=${name}]`), value);
  for (const child of [...container.children]) if (child !== row) child.remove();
}

function depthPlot(container, view, t) {
  const L = view.now.depth.length;
  const values = [...view.now.depth, ...(view.base?.depth ?? [])].filter((v) => Number.isFinite(v) && v > 0);
  const lo = values.length ? Math.min(...values) : 1e-3, hi = values.length ? Math.max(...values) : 1;
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const f = frame(plot, { width: Math.max(260, Math.min(560, plotWidth(container.parentElement, 560))), height: 230,
    margin: { top: 20, right: 12, bottom: 34, left: 62 },
    label: t('intervene.depth.aria', { layers: L }) });
  f.g.append('text').attr('class', 'plot-title').attr('x', 0).attr('y', -8).text(t('intervene.depth.title'));
  const x = scaleLinear().domain(L > 1 ? [0, L - 1] : [-0.5, 0.5]).range([0, f.width]);
  const y = scaleLog().domain([lo / 1.5, hi * 1.5]).range([f.height, 0]).clamp(true);
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`)
    .call(axisBottom(x).ticks(Math.min(L, 12)).tickFormat((d) => (Number.isInteger(d) ? d : '')));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(5, '~g'));
  axisLabel(f.g, t('intervene.axis.layer'), { x: f.width / 2, y: f.height + 30 });
  const path = line().defined((v) => Number.isFinite(v) && v > 0).x((_, i) => x(i)).y((v) => y(v));
  if (view.base) f.g.append('path').attr('fill', 'none').attr('stroke', BASE).attr('stroke-width', 2)
    .attr('stroke-dasharray', '6 4').attr('d', path(view.base.depth));
  f.g.append('path').attr('fill', 'none').attr('stroke', COLOR_A).attr('stroke-width', 2.5).attr('d', path(view.now.depth));
  f.g.append('g').selectAll('circle').data(view.now.depth.map((v, i) => [v, i]).filter(([v]) => Number.isFinite(v) && v > 0))
    .join('circle').attr('cx', ([, i]) => x(i)).attr('cy', ([v]) => y(v)).attr('r', 2.5).attr('fill', COLOR_A);
}

function nextPlot(container, view, t, fmt) {
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const rows = [...view.now.top.map((t) => ({ ...t, run: 'now' })), ...(view.base?.top ?? []).map((t) => ({ ...t, run: 'base' }))];
  const f = frame(plot, { width: Math.max(260, Math.min(420, plotWidth(container.parentElement, 420))), height: 230,
    margin: { top: 20, right: 56, bottom: 28, left: 96 }, label: t('intervene.next.aria', { char: view.last }) });
  f.g.append('text').attr('class', 'plot-title').attr('x', -88).attr('y', -8).text(t('intervene.next.title', { char: view.last }));
  const y = scaleBand().domain(rows.map((_, i) => i)).range([0, f.height]).padding(0.15);
  const max = Math.max(1e-9, ...rows.map((r) => (Number.isFinite(r.p) ? r.p : 0)));
  const x = scaleLinear().domain([0, max]).range([0, f.width]).nice();
  f.g.append('g').attr('class', 'axis')
    .call(axisLeft(y).tickFormat((i) => t(rows[i].run === 'now' ? 'intervene.tick.now' : 'intervene.tick.base', { char: rows[i].char })));
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(3, '~g'));
  f.g.append('g').selectAll('rect').data(rows).join('rect').attr('y', (_, i) => y(i)).attr('height', y.bandwidth())
    .attr('width', (r) => (Number.isFinite(r.p) ? x(r.p) : 0)).attr('fill', (r) => (r.run === 'now' ? COLOR_A : BASE));
  f.g.append('g').selectAll('text').data(rows).join('text').attr('class', (r) => (Number.isFinite(r.p) ? 'axis-label' : 'bad-value'))
    .attr('x', (r) => (Number.isFinite(r.p) ? x(r.p) + 3 : 3)).attr('y', (_, i) => y(i) + y.bandwidth() / 2 + 4).text((r) => fmt(r.p));
}

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en'), fmt = ctx.fmt ?? numberFormatter('en');
  controls(container, view, ctx, t, fmt);
  const wrap = document.createElement('div');
  wrap.className = 'pair';  // side by side when there is room, stacked on a phone
  container.append(wrap);
  depthPlot(wrap, view, t);
  nextPlot(wrap, view, t, fmt);
  legend(container, [{ label: t('intervene.legend.now'), color: COLOR_A },
    ...(view.base ? [{ label: t('intervene.legend.base'), color: BASE, dash: true }] : [])]);
  const say = readout(container);
  if (!view.base) {
    say(t('intervene.readout.none'));
    return;
  }
  const L = view.now.depth.length, last = L - 1;
  const changed = view.now.top[0].byte !== view.base.top[0].byte;
  say(t(changed ? 'intervene.readout.changed' : 'intervene.readout', {
    rms: fmt(view.now.depth[last]), baseRms: fmt(view.base.depth[last]),
    char: view.now.top[0].char, p: fmt(view.now.top[0].p), baseChar: view.base.top[0].char, baseP: fmt(view.base.top[0].p),
  }));
}
