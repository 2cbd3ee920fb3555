// speed.js — panel 8: LayerNorm against RMSNorm on the learner's own machine,
// at the current d_model: each timing as a dot, the median ratio with its spread.
import { scaleLinear, scalePoint } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { COLOR_A, COLOR_B, frame, keepControls, plotWidth } from '../plot.js';
import { quartiles } from '../norm-timing.js';

export const name = 'speed';
export const title = 'RMSNorm vs LayerNorm in your browser';
export const note = 'Times the two norm kernels this model runs, 64 tokens at the current d_model, 15 rounds interleaved (about 2 s). The notes claim RMSNorm is 15–20 % faster; the RMSNorm paper measured 7–64 % end to end.';

export function render(container, view, ctx) {
  keepControls(container, (row) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.addEventListener('click', () => ctx.timeNorms(Number(button.dataset.d)));
    row.append(button);
  }, (row) => {
    const button = row.querySelector('button');
    button.dataset.d = view.d;
    button.textContent = view.result ? `Time again at d_model ${view.d}` : `Time both norms at d_model ${view.d}`;
  });
  const text = document.createElement('p');
  text.className = 'readout';
  container.append(text);
  if (!view.result) {
    text.textContent = 'Press the button to measure.';
    return;
  }
  const r = view.result;
  const ln = quartiles(r.layernorm_us), rms = quartiles(r.rmsnorm_us), ratio = quartiles(r.ratios);
  const faster = (1 - 1 / ratio.median) * 100;
  text.textContent = `LayerNorm ${ln.median.toFixed(2)} µs, RMSNorm ${rms.median.toFixed(2)} µs per call: RMSNorm takes ` +
    `${(100 / ratio.median).toFixed(0)} % of LayerNorm's time (${faster.toFixed(0)} % less; ratio ${ratio.median.toFixed(2)}, ` +
    `quartiles ${ratio.q1.toFixed(2)}–${ratio.q3.toFixed(2)}). LayerNorm makes three passes over each row (mean, ` +
    'variance, then scale) and RMSNorm two (mean square, then scale). Inside a whole model both are a small share next to the matrix products, ' +
    'which is why end-to-end gains are smaller than this kernel ratio.';
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const width = Math.min(plotWidth(container, 420), 520);
  const f = frame(plot, { width, height: 170, margin: { top: 10, right: 16, bottom: 30, left: 90 }, label: 'time per call of each norm' });
  const all = [...r.layernorm_us, ...r.rmsnorm_us];
  const x = scaleLinear().domain([0, Math.max(...all) * 1.1]).range([0, f.width]).nice();
  const y = scalePoint().domain(['LayerNorm', 'RMSNorm']).range([0, f.height]).padding(0.6);
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(5));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y));
  f.g.append('text').attr('class', 'axis-label').attr('x', f.width).attr('y', f.height + 26).attr('text-anchor', 'end').text('µs per call');
  for (const [label, values, color] of [['LayerNorm', r.layernorm_us, COLOR_A], ['RMSNorm', r.rmsnorm_us, COLOR_B]]) {
    f.g.append('g').selectAll('circle').data(values).join('circle')
      .attr('cx', (v) => x(v)).attr('cy', (v, i) => y(label) + ((i % 5) - 2) * 3).attr('r', 3).attr('fill', color).attr('fill-opacity', 0.7);
    const q = quartiles(values);
    f.g.append('line').attr('x1', x(q.median)).attr('x2', x(q.median)).attr('y1', y(label) - 12).attr('y2', y(label) + 12)
      .attr('stroke', '#1b1b1b').attr('stroke-width', 2);
  }
}
