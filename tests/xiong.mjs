// xiong.mjs — the measurement behind Xiong et al. 2020 ("On Layer
// Normalization in the Transformer Architecture"), shared by the test and the
// page's preset: the gradient norm of each layer's FFN weights at Xavier init,
// √(‖∇W1‖² + ‖∇W2‖²), as a geometric mean over seeds and texts.

export const XIONG_TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'Layer normalization keeps activations in range.',
  'To be, or not to be, that is the question.',
  'Warmup matters for post-norm; pre-norm trains without it.',
];
export const XIONG_SEEDS = [1, 2, 3, 4, 5, 6];
// The paper's FFN is ReLU; init Xavier; everything else is the page default.
export const XIONG_CONFIG = { init: 'xavier', activation: 'relu' };

export function ffnGradNorms(scope, config, texts = XIONG_TEXTS, seeds = XIONG_SEEDS) {
  const L = config.n_layers;
  const logSum = new Float64Array(L);
  let runs = 0;
  for (const seed of seeds)
    for (const text of texts) {
      const norms = scope.run({ ...XIONG_CONFIG, ...config, seed }, text, { grad: true }).gradNorms();
      for (let l = 0; l < L; l++)
        logSum[l] += Math.log(Math.hypot(norms[`layers.${l}.feed_forward.w1.weight`], norms[`layers.${l}.feed_forward.w2.weight`]));
      runs++;
    }
  return Array.from(logSum, (s) => Math.exp(s / runs));
}

// Geometric mean of the upper half of the layers over the lower half: > 1 when
// the gradient grows toward the output.
export function growthTowardOutput(norms) {
  const half = Math.floor(norms.length / 2), log = norms.map(Math.log);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.exp(mean(log.slice(norms.length - half)) - mean(log.slice(0, half)));
}
