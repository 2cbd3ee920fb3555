import { NormScope } from '../../web/dist/normscope.js';
const scope = await NormScope.load();
const text = 'The quick brown fox jumps over the lazy dog.';
for (const cfg of [{ norm: 'none', residual: 'off', n_layers: 12 }, { norm: 'layernorm', residual: 'off', n_layers: 12 }, { norm: 'layernorm', residual: 'off', n_layers: 12, placement:'post' }]) {
  const run = scope.run(cfg, text);
  console.log(JSON.stringify(cfg), Array.from({length: 12}, (_, l) => run.stat(l, 'resid_out', 'rms').toExponential(2)).join(' '));
}
