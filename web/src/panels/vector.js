// vector.js — panel 3: one token's vector through the norm: the input, the
// normalized vector and the output after γ/β, with mean and ±rms marked.
// Shift and scale the input to see which norm ignores what.
import { scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { COLOR_A, COLOR_B, formatNumber, frame, keepControls, plotWidth, readout, setIdle } from '../plot.js';

export const name = 'vector';
export const title = 'One token through the norm';
export const note = 'Bars: the features of one token. Dashed: the mean; dotted: ± the rms. LayerNorm output is unchanged by a shift or a scale of its input; RMSNorm output only by a scale.';

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

function bars(container, label, values, other, width, say) {
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const f = frame(plot, { width, height: 146, margin: { top: 32, right: 12, bottom: 22, left: 52 }, label });
  f.g.append('text').attr('class', 'axis-label').attr('x', 0).attr('y', -20).attr('font-weight', 600).text(label);
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
    .on('mousemove', (e, v) => say(`${label.split(':')[0]} feature ${values.indexOf(v)}: ${formatNumber(v)}`));
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
  f.g.append('text').attr('class', 'axis-label').attr('x', 0).attr('y', -6)
    .text(`mean ${formatNumber(m)} (dashed) · rms ${formatNumber(r)} (dotted)`);
  if (values.some((v) => !Number.isFinite(v)))
    f.g.append('text').attr('class', 'bad-value').attr('x', 4).attr('y', 12).text('contains NaN/Inf');
}

function slider(container, labelText, min, max, step, onInput) {
  const label = document.createElement('label');
  label.textContent = labelText;
  const input = document.createElement('input');
  input.type = 'range';
  Object.assign(input, { min, max, step });
  const out = document.createElement('output');
  input.addEventListener('input', () => {
    out.textContent = input.value;
    onInput(Number(input.value));
  });
  label.append(input, out);
  container.append(label);
  return (value) => {
    setIdle(input, value);
    out.textContent = String(value);
  };
}

export function render(container, view, ctx) {
  const fields = Object.fromEntries(ctx.fields.map((f) => [f.name, f]));
  keepControls(container, (row) => {
    const tokenLabel = document.createElement('label');
    tokenLabel.textContent = 'token';
    const token = document.createElement('input');
    token.type = 'number';
    token.min = 0;
    token.style.width = '4.5rem';
    token.addEventListener('change', () => ctx.select({ token: Math.max(0, Math.min(Number(token.max), Number(token.value) | 0)) }));
    const char = document.createElement('span');
    tokenLabel.append(token, char);
    row.append(tokenLabel);
    row.setShift = slider(row, 'shift (× rms)', fields.shift.min, fields.shift.max, 0.05, (v) => ctx.select({ shift: v }));
    row.setScale = slider(row, 'scale', fields.scale.min, fields.scale.max, 0.05, (v) => ctx.select({ scale: v }));
  }, (row) => {
    const token = row.querySelector('input[type=number]');
    token.max = view.nTokens - 1;
    setIdle(token, view.token);
    row.querySelector('label span').textContent = ` “${view.a.char}”`;
    row.setShift(view.shift);
    row.setScale(view.scale);
  });
  const say = readout(container);
  if (!Array.from(view.a.input).some(Number.isFinite)) {
    say(`every feature of token ${view.token} entering ${view.norm} at layer ${view.layer} is NaN or Inf: the activations overflowed earlier. Pick an earlier layer.`);
    return;
  }
  const width = plotWidth(container, 520);
  const a = view.a;
  const normName = { layernorm: 'LayerNorm', rmsnorm: 'RMSNorm', none: 'no norm' }[a.norm];
  const input = `input·${formatNumber(view.scale)} + ${formatNumber(view.shift)}·rms`;
  bars(container, `${input}`, a.input, view.b?.input, width, say);
  bars(container, `normalized (${normName}, before γ/β)`, a.normalized, view.b?.normalized, width, say);
  bars(container, 'output (after γ, β)', a.output, view.b?.output, width, say);
  say(`${view.norm} of layer ${view.layer}, token ${view.token}: the norm divided by ${formatNumber(a.divisor)}` +
    (a.norm === 'layernorm' ? ` after subtracting the mean ${formatNumber(a.mean)}` : a.norm === 'rmsnorm' ? ' (no mean subtracted)' : '') +
    (view.b ? ` · orange ticks: ${view.labels.b}` : '') +
    (a.norm !== 'none' ? ' · eps sits inside the square root, so a vector whose spread is near sqrt(eps) is not quite scale-invariant.' : ''));
}
