// gradient-seeds.js — gradient flow over several seeds: the same config and
// text run with seed, seed + 1, …, and each layer's gradient norms reduced to
// a geometric mean and a min–max range. Xiong et al.'s trend is a statement
// about the average initialization, which one seed only samples.

/**
 * Returns { seeds, loss (their mean), layerNorm: {mean, min, max} over grad_layer_norm [L·K],
 * siteRms: {mean, min, max} over grad_site_rms [L·S] } as plain arrays.
 */
export function gradientsOverSeeds(model, config, text, count) {
  const first = BigInt(config.seed);
  const acc = {};
  const add = (name, values) => {
    const a = (acc[name] ??= { log: new Float64Array(values.length), min: Array(values.length).fill(Infinity),
      max: Array(values.length).fill(-Infinity) });
    values.forEach((v, i) => {
      a.log[i] += Math.log(v);
      a.min[i] = Math.min(a.min[i], v);
      a.max[i] = Math.max(a.max[i], v);
    });
  };
  let lossSum = 0;
  for (let k = 0; k < count; k++) {
    const seed = ((first + BigInt(k)) % (1n << 64n)).toString();
    const run = model.run({ ...config, seed }, text, { grad: true });
    lossSum += run.loss;
    add('layerNorm', run.array('grad_layer_norm'));
    add('siteRms', run.array('grad_site_rms'));
  }
  const reduce = ({ log, min, max }) => ({ mean: Array.from(log, (s) => Math.exp(s / count)), min, max });
  return { seeds: count, loss: lossSum / count, layerNorm: reduce(acc.layerNorm), siteRms: reduce(acc.siteRms) };
}
