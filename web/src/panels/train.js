// train.js — training live: play, pause, step and reset; the knobs of AdamW
// and the task; the loss curve of one model, or of both in compare mode, on
// the same axes; and what the model now writes after a fresh prompt.
import { scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { line } from 'd3-shape';
import { buildControls } from '../controls.js';
import { COLOR_A, COLOR_B, axisLabel, frame, keepControls, legend } from '../plot.js';
import { numberFormatter, translator, localizeMessage } from '../i18n.js';

// title and note: panel.train.title and panel.train.note in the tables (lang/*/panels-a.js)
export const name = 'train';
export const wide = true;

const CHANCE = { copy: Math.log(26), reverse: Math.log(26), sort: Math.log(26), induction: Math.log(26) };
const MAX_POINTS = 600;  // the curve is averaged into at most this many points
// key: the link's text, train.preset.<key> in the tables
const PRESETS = [
  { key: 'copy',
    patch: { compare: 'placement', n_layers: 2, task: 'copy', lr: 0.001, batch_size: 16, seq_len: 16, warmup: 50 } },
  { key: 'xiong',
    patch: { compare: 'placement', n_layers: 12, task: 'text', lr: 0.01, warmup: 0, batch_size: 8, seq_len: 32 } },
  { key: 'warmup',
    patch: { compare: 'placement', n_layers: 12, task: 'text', lr: 0.01, warmup: 200, batch_size: 8, seq_len: 32 } },
  { key: 'norm',
    patch: { compare: 'norm', n_layers: 2, task: 'copy', lr: 0.001, batch_size: 16, seq_len: 16, warmup: 50 } },
  { key: 'init',
    patch: { weights: 'copy', compare: 'init', text: 'bzkayqp|bzkay', layer: 1, site: 'attn_out' } },
  { key: 'nonorm',
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
  const t = ctx.t ?? translator('en');
  const fmt = ctx.fmt ?? numberFormatter('en');
  controls(container, view, ctx, t);
  const runs = [['a', view.history[0]], ['b', view.history[1]]].filter(([, h]) => h);
  container.append(status(view, runs, t, fmt));
  lossPlot(container, view, runs, t, fmt);
  legend(container, runs.map(([which]) => ({ label: view.labels[which] ?? t('train.model'), color: which === 'a' ? COLOR_A : COLOR_B })));
  if (view.samples.length) container.append(samples(view, t));
}

function controls(container, view, ctx, t) {
  keepControls(container, (row) => {
    const buttons = document.createElement('span');
    buttons.className = 'train-buttons';
    for (const action of ['play', 'step', 'reset']) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = t(`train.button.${action}`);
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
      (fieldName, text) => ctx.setField(fieldName, text), t);
    const presets = document.createElement('span');
    presets.className = 'presets';
    presets.append(t('train.presets'));
    PRESETS.forEach(({ key, patch }, i) => {
      const a = document.createElement('a');
      a.textContent = t(`train.preset.${key}`);
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
    play.textContent = t(view.playing ? 'train.button.pause' : 'train.button.play');
    play.setAttribute('aria-pressed', String(view.playing));
    row.querySelectorAll('a[data-preset]').forEach((a) => { a.href = ctx.link(PRESETS[Number(a.dataset.preset)].patch); });
  });
}

// The line above the plot: why training stopped, or that it has not started, or where it is.
function status(view, runs, t, fmt) {
  const p = document.createElement('p');
  p.className = 'train-status';
  const recent = (h) => {
    const tail = h.slice(-20).filter(Number.isFinite);
    return tail.length ? tail.reduce((x, y) => x + y, 0) / tail.length : h.length ? NaN : null;
  };
  if (view.error) p.textContent = t('train.status.error', { error: localizeMessage(view.error, t) });
  else if (!view.started) p.textContent = t('train.status.idle');
  else {
    // a list of facts joined by ' · ': each is whole in itself, so the order does not depend on the language
    const pace = view.playing ? t('train.status.speed', { rate: fmt(view.stepsPerSec) })
      : t(view.pausing ? 'train.status.pausing' : 'train.status.paused');
    const losses = runs.map(([w, h]) => `${view.labels[w] ?? ''} ${fmt(recent(h))}`).join(' · ');
    p.textContent = [t('train.status.step', { steps: view.steps }), pace, t('train.status.lr', { lr: fmt(view.lr) }),
      t('train.status.loss', { losses })].join(' · ');
  }
  return p;
}

function lossPlot(container, view, runs, t, fmt) {
  const plot = document.createElement('div');
  plot.className = 'plot';
  container.append(plot);
  const width = Math.max(260, container.clientWidth || 860);
  const f = frame(plot, { width, height: 240, margin: { top: 12, right: 12, bottom: 34, left: 52 },
    label: runs.length > 1 ? t('train.aria.compare', { a: view.labels.a, b: view.labels.b }) : t('train.aria') });
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
  axisLabel(f.g, t('train.axis.step'), { x: f.width / 2, y: f.height + 30 });
  axisLabel(f.g, t('train.axis.loss'), { x: -40, y: f.height / 2, rotate: true });
  if (CHANCE[view.task]) {  // a random letter: what the loss is before anything is learned
    f.g.append('line').attr('x1', 0).attr('x2', f.width).attr('y1', y(CHANCE[view.task])).attr('y2', y(CHANCE[view.task]))
      .attr('stroke', '#999').attr('stroke-dasharray', '4 4');
    f.g.append('text').attr('class', 'axis-label').attr('x', f.width - 4).attr('y', y(CHANCE[view.task]) - 4)
      .attr('text-anchor', 'end').text(t('train.chance'));
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
    const cameBack = Number.isFinite(last) && last <= CAP;
    p.textContent = t(cameBack ? 'train.spike' : 'train.diverged', { model: view.labels[which], worst: fmt(worst), cap: fmt(CAP) });
    container.append(p);
  }
}

// What each model writes after a fresh prompt, and whether that is the task's answer.
function samples(view, t) {
  const box = document.createElement('div');
  box.className = 'samples';
  view.samples.forEach((s, i) => {
    const p = document.createElement('p');
    const label = document.createElement('span');
    label.textContent = t('train.sample', { model: view.labels[i ? 'b' : 'a'] ?? t('train.model') });
    const prompt = document.createElement('code');
    prompt.className = 'prompt';
    prompt.textContent = s.prompt;
    const out = document.createElement('code');
    out.className = 'continuation';
    out.textContent = s.continuation;
    const right = s.continuation === s.expected;
    const verdict = document.createElement('span');
    verdict.className = right ? 'right' : 'wrong';
    // free text has no one right continuation
    verdict.textContent = view.task === 'text' ? '' : right ? t('train.sample.right') : t('train.sample.wrong', { expected: s.expected });
    p.append(label, prompt, out, verdict);
    box.append(p);
  });
  return box;
}
