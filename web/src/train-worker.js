// train-worker.js — training off the page's thread. It owns one or two models
// (the page's configuration, and the compared one), takes AdamW steps in
// chunks of about 50 ms so a pause arrives quickly, and posts the losses after
// each chunk and the weights (with a sample continuation) a few times a second.
import { NormScope } from './engine.js';

const CHUNK_MS = 50;
const SNAPSHOT_MS = 300;  // at least; a large model's snapshots come less often (below)
const scopePromise = NormScope.load();
let runs = [];        // { model, trainer }
let playing = false;
let perStepMs = 20;   // measured, to size the chunks
let lastSnapshot = 0;
let snapshotEvery = SNAPSHOT_MS;  // ms: snapshots take at most ~1/8 of the time
let generation = 0;   // bumps on every init: a stale loop stops
let failed = false;   // init failed: nothing to play until the next init

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

function snapshot() {
  const t0 = performance.now();
  const weights = runs.map(({ model }) => model.save(null));
  const samples = runs.map(({ trainer }) => trainer.sample(0));  // one prompt throughout: watch it improve
  lastSnapshot = performance.now();
  snapshotEvery = Math.max(SNAPSHOT_MS, 8 * (lastSnapshot - t0));
  post({ type: 'snapshot', steps: runs[0].trainer.steps, weights, samples }, weights.map((w) => w.buffer));
}

function train(n) {
  const t0 = performance.now();
  const results = runs.map(({ trainer }) => trainer.step(n));
  const ms = performance.now() - t0;
  perStepMs = 0.7 * perStepMs + 0.3 * (ms / n);
  post({
    type: 'progress', steps: runs[0].trainer.steps, stepsPerSec: (1000 * n) / ms,
    loss: results.map((r) => r.loss), lr: results[0].lr[n - 1], gradNorm: results.map((r) => r.gradNorm[n - 1]),
  });
}

function loop(id) {
  if (!playing || id !== generation) return;
  try {
    train(Math.max(1, Math.min(64, Math.round(CHUNK_MS / perStepMs))));
    if (performance.now() - lastSnapshot > snapshotEvery) snapshot();
  } catch (e) {
    playing = false;
    post({ type: 'error', message: e.message });
    return;
  }
  setTimeout(() => loop(id), 0);
}

self.onmessage = async ({ data }) => {
  try {
    const scope = await scopePromise;
    if (data.type !== 'init' && (failed || !runs.length)) return;  // the init's error has been posted already
    if (data.type === 'init') {
      generation++;
      playing = false;
      failed = true;
      runs.forEach(({ model }) => model.free());
      runs = [];
      runs = data.runs.map(({ config, train, text, weights }) => {
        const model = scope.model();
        model.load(weights);      // the weights the page shows: training starts from them
        model.run(config, text);  // the page's config (residual, n_heads, … apply to the loaded weights)
        return { model, trainer: model.trainer(train, text) };
      });
      failed = false;
      snapshot();
    } else if (data.type === 'play') {
      playing = true;
      loop(generation);
    } else if (data.type === 'pause') {
      playing = false;
      snapshot();
    } else if (data.type === 'step') {
      train(data.n ?? 1);
      snapshot();
    }
  } catch (e) {
    playing = false;
    post({ type: 'error', message: e.message });
  }
};
