// speed.js — panel 8: LayerNorm against RMSNorm on the learner's own machine,
// at the current d_model: each timing as a dot, the median ratio with its spread.
import { scaleLinear, scalePoint } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { COLOR_A, COLOR_B, frame, keepControls, plotWidth } from '../plot.js';
import { quartiles } from '../norm-timing.js';
import { numberFormatter, translator } from '../i18n.js';

// title and note: panel.speed.title and panel.speed.note in the tables (lang/*/panels-a.js)
export const name = 'speed';

// toFixed's fixed decimals (a timing reads better as 0.42 µs than as 0.4213), with the language's decimal mark
const fixedWith = (fmt) => {
  const mark = fmt(1.5).charAt(1);
  return (v, digits) => v.toFixed(digits).replace('.', mark);
};

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en');
  const fmt = ctx.fmt ?? numberFormatter('en');
  const fixed = fixedWith(fmt);
  keepControls(container, (row) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.addEventListener('click', () => ctx.timeNorms(Number(button.dataset.d)));
    row.append(button);
  }, (row) => {
    const button = row.querySelector('button');
    button.dataset.d = view.d;
    button.textContent = t(view.result ? 'speed.button.again' : 'speed.button.first', { d: view.d });
  });
  const text = document.createElement('p');
  text.className = 'readout';
  container.append(text);
  if (!view.result) {
    text.textContent = t('speed.idle');
    return;
  }
  const r = view.result;
  const ln = quartiles(r.layernorm_us), rms = quartiles(r.rmsnorm_us), ratio = quartiles(r.ratios);
  const faster = (1 - 1 / ratio.median) * 100;
  text.textContent = t('speed.result', {
    ln: fixed(ln.median, 2), rms: fixed(rms.median, 2), share: fixed(100 / ratio.median, 0), less: fixed(faster, 0),
    ratio: fixed(ratio.median, 2), q1: fixed(ratio.q1, 2), q3: fixed(ratio.q3, 2),
  });
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const width = Math.min(plotWidth(container, 420), 520);
  const f = frame(plot, { width, height: 170, margin: { top: 10, right: 16, bottom: 30, left: 90 }, label: t('speed.aria') });
  const all = [...r.layernorm_us, ...r.rmsnorm_us];
  const x = scaleLinear().domain([0, Math.max(...all) * 1.1]).range([0, f.width]).nice();
  const y = scalePoint().domain(['LayerNorm', 'RMSNorm']).range([0, f.height]).padding(0.6);
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(5));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y));
  f.g.append('text').attr('class', 'axis-label').attr('x', f.width).attr('y', f.height + 26).attr('text-anchor', 'end').text(t('speed.axis'));
  for (const [label, values, color] of [['LayerNorm', r.layernorm_us, COLOR_A], ['RMSNorm', r.rmsnorm_us, COLOR_B]]) {
    f.g.append('g').selectAll('circle').data(values).join('circle')
      .attr('cx', (v) => x(v)).attr('cy', (v, i) => y(label) + ((i % 5) - 2) * 3).attr('r', 3).attr('fill', color).attr('fill-opacity', 0.7);
    const q = quartiles(values);
    f.g.append('line').attr('x1', x(q.median)).attr('x2', x(q.median)).attr('y1', y(label) - 12).attr('y2', y(label) + 12)
      .attr('stroke', '#1b1b1b').attr('stroke-width', 2);
  }
}
