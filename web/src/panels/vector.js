// vector.js — panel 3: one token's vector through the norm: the input, the
// normalized vector and the output after γ/β, with mean and ±rms marked.
// Shift and scale the input to see which norm ignores what.
import { scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { COLOR_A, COLOR_B, frame, keepControls, plotWidth, readout, setIdle } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

export const name = 'vector';

function rms(v) {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s / v.length);
}
function mean(v) {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

function bars(container, label, values, other, width, say, t, fmt) {
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const f = frame(plot, { width, height: 146, margin: { top: 32, right: 12, bottom: 22, left: 52 }, label });
  // the two heading lines start over the axis' margin: a longer language needs the room on a phone
  const left = 4 - f.margin.left;
  f.g.append('text').attr('class', 'axis-label').attr('x', left).attr('y', -20).attr('font-weight', 600).text(label);
  const all = [...values, ...(other ?? [])].filter(Number.isFinite);
  const extent = Math.max(1e-12, ...all.map(Math.abs));
  const x = scaleLinear().domain([0, values.length]).range([0, f.width]);
  const y = scaleLinear().domain([-extent, extent]).range([f.height, 0]).nice();
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(4, '~g'));
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`)
    .call(axisBottom(x).ticks(Math.min(8, values.length)).tickFormat((d) => (Number.isInteger(d) ? d : '')));
  f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(0)).attr('y2', y(0)).attr('stroke', '#999');
  const w = Math.max(0.5, f.width / values.length - 1);
  f.g.append('g').selectAll('rect').data(values).join('rect')
    .attr('x', (v, i) => x(i)).attr('width', w)
    .attr('y', (v) => (Number.isFinite(v) ? y(Math.max(0, v)) : 0)).attr('height', (v) => (Number.isFinite(v) ? Math.abs(y(v) - y(0)) : 0))
    .attr('fill', COLOR_A)
    .on('mousemove', (e, v) => say(t('vector.feature', { label: label.split(':')[0], index: values.indexOf(v), value: fmt(v) })));
  if (other)
    f.g.append('g').selectAll('line').data(Array.from(other, (v, i) => [i, v]).filter(([, v]) => Number.isFinite(v))).join('line')
      .attr('x1', ([i]) => x(i)).attr('x2', ([i]) => x(i) + w).attr('y1', ([, v]) => y(v)).attr('y2', ([, v]) => y(v))
      .attr('stroke', COLOR_B).attr('stroke-width', 2);
  const m = mean(values), r = rms(values);
  const mark = (v, dash, text) => {
    if (!Number.isFinite(v)) return;
    f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(v)).attr('y2', y(v))
      .attr('stroke', '#1b1b1b').attr('stroke-dasharray', dash);
    if (text) f.g.append('text').attr('class', 'axis-label').attr('x', f.width - 2).attr('y', y(v) - 3)
      .attr('text-anchor', 'end').text(text);
  };
  mark(m, '6 3');
  mark(r, '2 3');
  mark(-r, '2 3');
  f.g.append('text').attr('class', 'axis-label').attr('x', left).attr('y', -6)
.text(t('vector.stats', { mean: fmt(m), rms: fmt(r) }));
  if (values.some((v) => !Number.isFinite(v)))
    f.g.append('text').attr('class', 'bad-value').attr('x', 4).attr('y', 12).text(t('vector.bad'));
}

function slider(container, labelText, min, max, step, onInput, fmt) {
  const label = document.createElement('label');
  label.textContent = labelText;
  const input = document.createElement('input');
  input.type = 'range';
  Object.assign(input, { min, max, step });
  const out = document.createElement('output');
  input.addEventListener('input', () => {
    out.textContent = fmt(Number(input.value));
    onInput(Number(input.value));
  });
  label.append(input, out);
  container.append(label);
  return (value) => {
    setIdle(input, value);
    out.textContent = fmt(value);
  };
}

// The control row outlives redraws; a new language (its label changes) must rebuild it.
function dropStale(container, label) {
  const row = container.querySelector(':scope > .sub');
  if (row && row.dataset.label !== label) row.remove();
}

// The read-out under the bars: what the norm did to this token.
function explain(view, t, fmt) {
  const a = view.a;
  const params = { site: view.norm, layer: view.layer, token: view.token, divisor: fmt(a.divisor), mean: fmt(a.mean) };
  const parts = [t(`vector.readout.${a.norm}`, params)];
  if (view.b) parts.push(t('vector.readout.compare', { label: view.labels.b }));
  if (a.norm !== 'none') parts.push(t('vector.readout.eps'));
  return parts.join(' · ');
}

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en'), fmt = ctx.fmt ?? numberFormatter('en');
  const fields = Object.fromEntries(ctx.fields.map((f) => [f.name, f]));
  const tokenText = t('vector.control.token');
  dropStale(container, tokenText);
  keepControls(container, (row) => {
    row.dataset.label = tokenText;
    const tokenLabel = document.createElement('label');
    tokenLabel.textContent = tokenText;
    const token = document.createElement('input');
    token.type = 'number';
    token.min = 0;
    token.style.width = '4.5rem';
    token.addEventListener('change', () => ctx.select({ token: Math.max(0, Math.min(Number(token.max), Number(token.value) | 0)) }));
    const char = document.createElement('span');
    tokenLabel.append(token, char);
    row.append(tokenLabel);
    row.setShift = slider(row, t('vector.control.shift'), fields.shift.min, fields.shift.max, 0.05, (v) => ctx.select({ shift: v }), fmt);
    row.setScale = slider(row, t('vector.control.scale'), fields.scale.min, fields.scale.max, 0.05, (v) => ctx.select({ scale: v }), fmt);
  }, (row) => {
    const token = row.querySelector('input[type=number]');
    token.max = view.nTokens - 1;
    setIdle(token, view.token);
    row.querySelector('label span').textContent = ` ${t('vector.char', { char: view.a.char })}`;
    row.setShift(view.shift);
    row.setScale(view.scale);
  });
  const say = readout(container);
  if (!Array.from(view.a.input).some(Number.isFinite)) {
    say(t('vector.allBad', { token: view.token, site: view.norm, layer: view.layer }));
    return;
  }
  const width = plotWidth(container, 520);
  const a = view.a;
  const normName = t(`vector.norm.${a.norm}`);
  const input = t('vector.label.input', { scale: fmt(view.scale), shift: fmt(view.shift) });
  bars(container, input, a.input, view.b?.input, width, say, t, fmt);
  bars(container, t('vector.label.normalized', { norm: normName }), a.normalized, view.b?.normalized, width, say, t, fmt);
  bars(container, t('vector.label.output'), a.output, view.b?.output, width, say, t, fmt);
  say(explain(view, t, fmt));
}
