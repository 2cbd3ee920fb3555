// training.js — the page's side of training. A module Worker
// (train-worker.js) trains the model and, in compare mode, the compared one;
// this keeps their loss history and hands each new set of weights back.
export class Training {
  constructor({ onProgress, onWeights, onError }) {
    this.onProgress = onProgress;
    this.onWeights = onWeights;
    this.onError = onError;
    this.worker = null;
    this.clear();
  }

  clear() {
    this.key = null;
    this.history = [];      // per run: the loss of every step
    this.steps = 0;
    this.stepsPerSec = 0;
    this.lr = 0;
    this.playing = false;
    this.pausing = false;
    this.samples = null;    // per run: { prompt, continuation } bytes
    this.error = null;
  }

  /**
   * Starts a worker for `runs` ([{ config, train, text, weights }]: the
   * weights to start from, as safetensors) unless one already trains `key`.
   */
  ensure(key, runs) {
    if (this.worker && this.key === key) return;
    this.stop();
    this.worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (event) => this.fail(event.message || 'the training worker failed to start');
    this.key = key;
    this.history = runs.map(() => []);
    this.worker.postMessage({ type: 'init', runs });
  }

  play() {
    this.playing = true;
    this.worker?.postMessage({ type: 'play' });
  }

  pause() {
    this.playing = false;
    // steps already under way still report; "paused" once the worker's answer
    // (a snapshot, posted after them) arrives
    this.pausing = Boolean(this.worker);
    this.worker?.postMessage({ type: 'pause' });
  }

  step() {
    this.worker?.postMessage({ type: 'step', n: 1 });
  }

  /** Ends the worker and forgets the history. */
  stop() {
    this.worker?.terminate();
    this.worker = null;
    this.clear();
  }

  receive(message) {
    if (message.type === 'progress') {
      message.loss.forEach((losses, i) => this.history[i]?.push(...losses));
      this.steps = message.steps;
      this.stepsPerSec = message.stepsPerSec;
      this.lr = message.lr;
      this.onProgress();
    } else if (message.type === 'snapshot') {
      if (!this.playing) this.pausing = false;
      this.steps = message.steps;
      this.samples = message.samples;
      this.onWeights(message.weights, message.steps);
    } else if (message.type === 'error') this.fail(message.message);
  }

  fail(message) {
    this.playing = false;
    this.pausing = false;
    this.error = message;
    this.onError(message);
  }
}
