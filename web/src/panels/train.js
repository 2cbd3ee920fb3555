// train.js — training live: play, pause, step and reset; the knobs of AdamW
// and the task; the loss curve of one model, or of both in compare mode, on
// the same axes; and what the model now writes after a fresh prompt.
import { scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { line } from 'd3-shape';
import { buildControls } from '../controls.js';
import { COLOR_A, COLOR_B, axisLabel, formatNumber, frame, keepControls, legend } from '../plot.js';

export const name = 'train';
export const title = 'Training';
export const note = 'Press Play to train the model on the task with AdamW, in a worker beside the page: every panel ' +
  'follows the weights as they change. Compare mode trains both models side by side on the same data.';
export const wide = true;

const CHANCE = { copy: Math.log(26), reverse: Math.log(26), sort: Math.log(26), induction: Math.log(26) };
const MAX_POINTS = 600;  // the curve is averaged into at most this many points
const PRESETS = [
  { label: 'Pre- vs post-norm on the copy task',
    patch: { compare: 'placement', n_layers: 2, task: 'copy', lr: 0.001, batch_size: 16, seq_len: 16, warmup: 50 } },
  { label: 'Xiong et al.: 12 layers, lr 0.01, no warmup',
    patch: { compare: 'placement', n_layers: 12, task: 'text', lr: 0.01, warmup: 0, batch_size: 8, seq_len: 32 } },
  { label: '… with 200 warmup steps',
    patch: { compare: 'placement', n_layers: 12, task: 'text', lr: 0.01, warmup: 200, batch_size: 8, seq_len: 32 } },
  { label: 'RMSNorm vs LayerNorm',
    patch: { compare: 'norm', n_layers: 2, task: 'copy', lr: 0.001, batch_size: 16, seq_len: 16, warmup: 50 } },
  { label: 'A trained copy model beside itself at init',
    patch: { weights: 'copy', compare: 'init', text: 'bzkayqp|bzkay', layer: 1, site: 'attn_out' } },
  { label: 'No norm, 24 layers, lr 0.01',
    patch: { compare: 'norm', norm: 'none', n_layers: 24, task: 'text', lr: 0.01, warmup: 0, batch_size: 8, seq_len: 32 } },
];

// Mean of each bucket of consecutive steps: [step, loss] pairs, NaN kept as a gap.
function bucketed(losses) {
  const size = Math.max(1, Math.ceil(losses.length / MAX_POINTS));
  const out = [];
  for (let i = 0; i < losses.length; i += size) {
    const chunk = losses.slice(i, i + size);
    out.push([i + chunk.length, chunk.reduce((a, b) => a + b, 0) / chunk.length]);
  }
  return out;
}

export function render(container, view, ctx) {
  keepControls(container, (row) => {
    const buttons = document.createElement('span');
    buttons.className = 'train-buttons';
    for (const [label, action] of [['Play', 'play'], ['Step', 'step'], ['Reset', 'reset']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.dataset.action = action;
      b.addEventListener('click', () => {
        if (action === 'play') (ctx.training.playing ? ctx.train.pause : ctx.train.play)();
        else ctx.train[action]();
      });
      buttons.append(b);
    }
    row.append(buttons);
    const form = document.createElement('form');
    form.className = 'controls train-fields';
    form.addEventListener('submit', (e) => e.preventDefault());
    row.append(form);
    row.setTrainFields = buildControls(form, ctx.fields.filter((f) => f.train), ctx.state, 'all',
      (fieldName, text) => ctx.setField(fieldName, text));
    const presets = document.createElement('span');
    presets.className = 'presets';
    presets.append('Presets: ');
    PRESETS.forEach(({ label, patch }, i) => {
      const a = document.createElement('a');
      a.textContent = label;
      a.dataset.preset = String(i);
      a.addEventListener('click', (event) => {
        event.preventDefault();
        ctx.preset(patch);
      });
      if (i) presets.append(' · ');
      presets.append(a);
    });
    row.append(presets);
  }, (row) => {
    row.setTrainFields(ctx.state);
    const play = row.querySelector('[data-action=play]');
    play.textContent = view.playing ? 'Pause' : 'Play';
    play.setAttribute('aria-pressed', String(view.playing));
    row.querySelectorAll('a[data-preset]').forEach((a) => { a.href = ctx.link(PRESETS[Number(a.dataset.preset)].patch); });
  });

  const status = document.createElement('p');
  status.className = 'train-status';
  const runs = [['a', view.history[0]], ['b', view.history[1]]].filter(([, h]) => h);
  const recent = (h) => {
    const tail = h.slice(-20).filter(Number.isFinite);
    return tail.length ? tail.reduce((x, y) => x + y, 0) / tail.length : h.length ? NaN : null;
  };
  status.textContent = view.error ? `Training stopped: ${view.error}`
    : !view.started ? 'Not started: press Play (or Step) to train from the weights shown.'
      : `step ${view.steps}${view.playing ? ` · ${formatNumber(view.stepsPerSec)} steps/s` : view.pausing ? ' · pausing…' : ' · paused'} · learning rate ` +
        `${formatNumber(view.lr)} · loss (last 20 steps) ${runs.map(([w, h]) => `${view.labels[w] ?? ''} ${formatNumber(recent(h))}`).join(' · ')}`;
  container.append(status);

  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const width = Math.max(260, container.clientWidth || 860);
  const f = frame(plot, { width, height: 240, margin: { top: 12, right: 12, bottom: 34, left: 52 },
    label: `training loss per step${runs.length > 1 ? `, ${view.labels.a} and ${view.labels.b}` : ''}` });
  const series = runs.map(([which, h]) => ({ which, points: bucketed(h) }));
  const steps = Math.max(10, ...runs.map(([, h]) => h.length));
  const finite = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  // a diverging model's loss runs to 10⁶: the axis stops at 2·ln 256 and says so
  const CAP = 2 * Math.log(256);
  const top = Math.max(CHANCE[view.task] ?? 0, Math.min(CAP, finite.length ? Math.max(...finite) : 6)) * 1.05;
  const x = scaleLinear().domain([0, steps]).range([0, f.width]);
  const y = scaleLinear().domain([0, top]).range([f.height, 0]).nice();
  f.g.append('g').attr('class', 'axis').attr('transform', `translate(0,${f.height})`).call(axisBottom(x).ticks(8));
  f.g.append('g').attr('class', 'axis').call(axisLeft(y).ticks(6));
  axisLabel(f.g, 'step', { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, 'loss', { x: -40, y: f.height / 2, rotate: true });
  if (CHANCE[view.task]) {  // a random letter: what the loss is before anything is learned
    f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(CHANCE[view.task])).attr('y2', y(CHANCE[view.task]))
      .attr('stroke', '#999').attr('stroke-dasharray', '4 4');
    f.g.append('text').attr('class', 'axis-label').attr('x', f.width - 4).attr('y', y(CHANCE[view.task]) - 4)
      .attr('text-anchor', 'end').text('guessing a letter: ln 26');
  }
  for (const s of series)
    f.g.append('path').attr('fill', 'none').attr('stroke', s.which === 'a' ? COLOR_A : COLOR_B).attr('stroke-width', 2)
      .attr('d', line().defined(([, v]) => Number.isFinite(v)).x(([i]) => x(i)).y(([, v]) => y(Math.min(v, top)))(s.points));
  const diverged = runs.filter(([, h]) => h.some((v) => !Number.isFinite(v) || v > CAP));
  for (const [which, h] of diverged) {
    const p = document.createElement('p');
    p.className = 'caveat';
    const worst = h.reduce((a, v) => (Number.isFinite(v) ? Math.max(a, v) : Infinity), 0);
    const last = h[h.length - 1];
    p.textContent = `${view.labels[which]}: the loss reached ${formatNumber(worst)} (the axis stops at ${formatNumber(CAP)}) — ` +
      (Number.isFinite(last) && last <= CAP ? 'a spike; it has come back.' : 'the model diverged.');
    container.append(p);
  }
  legend(container, runs.map(([which]) => ({ label: view.labels[which] ?? 'model', color: which === 'a' ? COLOR_A : COLOR_B })));
  if (view.samples.length) {
    const samples = document.createElement('div');
    samples.className = 'samples';
    view.samples.forEach((s, i) => {
      const p = document.createElement('p');
      const label = document.createElement('span');
      label.textContent = `${view.labels[i ? 'b' : 'a'] ?? 'model'} continues `;
      const prompt = document.createElement('code');
      prompt.className = 'prompt';
      prompt.textContent = s.prompt;
      const out = document.createElement('code');
      out.className = 'continuation';
      out.textContent = s.continuation;
      const right = s.continuation === s.expected;
      const verdict = document.createElement('span');
      verdict.className = right ? 'right' : 'wrong';
      verdict.textContent = view.task === 'text' ? '' : right ? '  ✓ right' : `  ✗ (answer: ${s.expected})`;
      p.append(label, prompt, out, verdict);
      samples.append(p);
    });
    container.append(samples);
  }
}
