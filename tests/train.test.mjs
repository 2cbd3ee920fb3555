// train.test.mjs — training, natively (normscope train) and in WASM: it
// learns the copy task, it is deterministic, native and WASM agree, a
// checkpoint resumes bit for bit, bad fields are named, the tasks are what
// they say, and the page's presets show what they claim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, loadSimd, runCli } from './helpers.mjs';

const scope = await loadSimd();
const tmp = mkdtempSync(join(tmpdir(), 'normscope-train-'));
const run = promisify(execFile);
const COPY = { task: 'copy', lr: 0.001, warmup: 50, batch_size: 16, seq_len: 16 };
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const flags = (o) => Object.entries(o).flatMap(([k, v]) => [`--${k.replaceAll('_', '-')}`, String(v)]);

function trainWasm(config, train, steps, text = '') {
  const model = scope.model();
  model.run(config, 'ab');
  const trainer = model.trainer(train, text);
  const { loss } = trainer.step(steps);
  return { model, trainer, loss: Array.from(loss) };
}

test('pre-norm learns the copy task: mean loss of steps 701–800 below 0.8 (chance: ln 26 = 3.26)', () => {
  const { model, trainer, loss } = trainWasm({ n_layers: 2 }, COPY, 800);
  const late = mean(loss.slice(700));
  assert.ok(mean(loss.slice(0, 10)) > 5, `starts near ln 256: ${mean(loss.slice(0, 10))}`);
  assert.ok(late < 0.8, `steps 701–800: mean loss ${late}`);
  const sample = trainer.sample(0);
  assert.equal(sample.expected.length, sample.prompt.length - 1, 'copy: the answer is the problem again');
  model.free();
});

test('training is deterministic for a seed; native and WASM agree step by step', async () => {
  const a = trainWasm({ n_layers: 2 }, COPY, 60).loss, b = trainWasm({ n_layers: 2 }, COPY, 60).loss;
  assert.deepEqual(a, b);
  const other = trainWasm({ n_layers: 2, seed: 2 }, COPY, 60).loss;
  assert.notDeepEqual(a, other, 'another seed: other weights and data');
  const cli = runCli(['train', '--n-layers', '2', ...flags(COPY), '--steps', '60', '--json']);
  assert.equal(cli.status, 0, cli.stderr);
  const native = JSON.parse(cli.stdout).steps.map((s) => s.loss);
  const worst = Math.max(...native.map((v, i) => Math.abs(v - a[i]) / v));
  assert.ok(worst < 1e-4, `native and WASM losses differ by ${worst} relative`);
});

test('a checkpoint saved mid-training resumes to the same result, bit for bit', async () => {
  const file = join(tmp, 'mid.safetensors');
  const straight = JSON.parse(runCli(['train', '--n-layers', '2', ...flags(COPY), '--steps', '50', '--json']).stdout).steps;
  const first = runCli(['train', '--n-layers', '2', ...flags(COPY), '--steps', '30', '--save', file, '--json']);
  assert.equal(first.status, 0, first.stderr);
  const rest = runCli(['train', '--resume', file, '--steps', '20', '--json']);
  assert.equal(rest.status, 0, rest.stderr);
  const resumed = [...JSON.parse(first.stdout).steps, ...JSON.parse(rest.stdout).steps];
  assert.deepEqual(resumed, straight);
  // and in WASM: save after 30, resume in a new model, 20 more
  const whole = trainWasm({ n_layers: 2 }, COPY, 50).loss;
  const { model, trainer } = trainWasm({ n_layers: 2 }, COPY, 30);
  const bytes = trainer.save();
  const again = scope.model();
  const more = Array.from(again.resumeTraining(bytes).step(20).loss);
  assert.deepEqual(more, whole.slice(30));
  assert.throws(() => scope.model().resumeTraining(scope.save({ n_layers: 2 })), /no training state/);
  model.free(), again.free();
});

test('bad training fields are refused with the field and its range', () => {
  const model = scope.model();
  model.run({ n_layers: 1 }, 'ab');
  for (const [train, message] of [
    [{ lr: -1 }, /lr must be a number greater than 0 and at most 1/],
    [{ batch_size: 0 }, /batch_size must be an integer from 1 to 256/],
    [{ task: 'chess' }, /task must be one of: text copy reverse sort count induction/],
    [{ seq_len: 200 }, /seq_len \(200\) must be at most max_tokens \(128\)/],
    [{ weight_decay: -0.5 }, /weight_decay must be a number from 0/],
    [{ task: 'text' }, /the text task needs a text of at least 2 bytes/],
  ]) assert.throws(() => model.trainer(train, ''), message, JSON.stringify(train));
  assert.ok(model.trainer({ grad_clip: 0, weight_decay: 0 }).step(1).loss[0] > 0, 'zero turns clipping and decay off');
  model.free();
  const cli = runCli(['train', '--lr', '2']);
  assert.equal(cli.status, 2);
  assert.match(cli.stderr, /^normscope: lr must be a number greater than 0 and at most 1 \(got "2"\)\n$/);
  assert.match(runCli(['train', '--resume', 'x', '--lr', '0.1']).stderr, /training fields cannot be combined with --resume/);
});

test('each task makes the problem it says, with the answer after its separator', () => {
  const model = scope.model();
  model.run({ n_layers: 1, max_tokens: 64 }, 'ab');
  const decode = (bytes) => String.fromCharCode(...bytes);
  for (let k = 0; k < 20; k++) {
    const check = (task, expect) => {
      const { prompt, expected } = model.trainer({ task, seq_len: 40 }).sample(k, 1);
      const problem = decode(prompt.subarray(0, -1)), sep = decode(prompt.subarray(-1));
      assert.equal(decode(expected), expect(problem, sep), `${task}: ${decode(prompt)}${decode(expected)}`);
    };
    check('copy', (p, sep) => (assert.equal(sep, '|'), p));
    check('reverse', (p) => [...p].reverse().join(''));
    check('sort', (p) => [...p].sort().join(''));
    check('count', (p, sep) => (assert.equal(sep, '='), assert.match(p, /^[ab]+$/), String([...p].filter((c) => c === 'a').length)));
    // induction: the prompt is the string and its first letter again; the rest of the second copy is the answer
    check('induction', (p, first) => (assert.equal(first, p[0]), p.slice(1)));
  }
  model.free();
});

// The page's presets (web/src/panels/train.js), run natively two at a time.
async function trainCli(args) {
  const { stdout } = await run(cliPath, ['train', ...args, '--json'], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout).steps.map((s) => s.loss ?? Infinity);
}
const TEXT = 'The quick brown fox jumps over the lazy dog.';

test('preset: post-norm without warmup fails to train at lr 0.01 where pre-norm trains (Xiong et al. 2020)', async () => {
  const xiong = ['--n-layers', '12', '--task', 'text', '--lr', '0.01', '--warmup', '0', '--batch-size', '8', '--seq-len', '32',
    '--steps', '200', '--text', TEXT];
  const [pre, post] = await Promise.all([trainCli([...xiong, '--placement', 'pre']), trainCli([...xiong, '--placement', 'post'])]);
  // measured: pre 0.02, post 2.99 (mean of the last 40 steps)
  assert.ok(mean(pre.slice(-40)) < 0.5, `pre-norm ${mean(pre.slice(-40))}`);
  assert.ok(mean(post.slice(-40)) > 2, `post-norm ${mean(post.slice(-40))}`);
});

test('preset: with 200 warmup steps post-norm trains too', async () => {
  const warm = ['--n-layers', '12', '--task', 'text', '--lr', '0.01', '--warmup', '200', '--batch-size', '8', '--seq-len', '32',
    '--steps', '200', '--text', TEXT, '--placement', 'post'];
  const post = await trainCli(warm);
  assert.ok(mean(post.slice(-40)) < 0.5, `post-norm with warmup ${mean(post.slice(-40))}`);  // measured 0.01
});

test('preset: 24 layers without a norm blow up at lr 0.01; with LayerNorm they train', async () => {
  const deep = ['--n-layers', '24', '--task', 'text', '--lr', '0.01', '--warmup', '0', '--batch-size', '8', '--seq-len', '32',
    '--steps', '60', '--text', TEXT];
  const [none, layernorm] = await Promise.all([trainCli([...deep, '--norm', 'none']), trainCli([...deep, '--norm', 'layernorm'])]);
  assert.ok(Math.max(...none) > 100, `no norm: loss reaches ${Math.max(...none)}`);  // measured 1.5e6
  assert.ok(mean(layernorm.slice(-10)) < 3.5, `LayerNorm ${mean(layernorm.slice(-10))}`);
});

test('the shipped checkpoints: one per norm × placement, under 1 MB, and they solve the copy task', async () => {
  const { readFileSync, statSync } = await import('node:fs');
  const accuracy = {};
  for (const norm of ['layernorm', 'rmsnorm', 'none'])
    for (const placement of ['pre', 'post']) {
      const path = new URL(`../web/checkpoints/copy-${norm}-${placement}.safetensors`, import.meta.url);
      assert.ok(statSync(path).size < 1_000_000, `${path.pathname}: ${statSync(path).size} bytes`);
      const model = scope.model();
      const config = model.load(readFileSync(path));
      assert.equal(config.norm, norm);
      assert.equal(config.placement, placement);
      model.run(null, 'ab');
      const trainer = model.trainer({ task: 'copy', seq_len: 16 });
      let right = 0;
      for (let k = 0; k < 40; k++) {
        const { continuation, expected } = trainer.sample(k);
        right += String(continuation) === String(expected);
      }
      accuracy[`${norm}-${placement}`] = right / 40;
      model.free();
    }
  // problems from the sample stream, not the training data's (short ones, 2 letters, repeat: 676 of them)
  for (const [name, share] of Object.entries(accuracy)) assert.ok(share >= 0.75, `${name}: ${share} of 40 answered right`);
});

test('preset: RMSNorm and LayerNorm reach a similar loss on the copy task', () => {
  const last = (norm) => mean(trainWasm({ n_layers: 2, norm }, COPY, 800).loss.slice(700));
  const layernorm = last('layernorm'), rmsnorm = last('rmsnorm');
  assert.ok(layernorm < 0.8 && rmsnorm < 0.8, `LayerNorm ${layernorm}, RMSNorm ${rmsnorm}`);
  assert.ok(Math.abs(layernorm - rmsnorm) < 0.5, `LayerNorm ${layernorm}, RMSNorm ${rmsnorm}`);
});
