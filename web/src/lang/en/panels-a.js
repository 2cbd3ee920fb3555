// lang/en/panels-a.js — the strings of the train, gradients, rope, speed, next
// and attention panels, see web/src/i18n.js.
export default {
  // ---------------------------------------------------------------- train
  'panel.train.title': 'Training',
  'panel.train.note': 'Press Play to train the model on the task with AdamW, in a worker beside the page: every panel ' +
    'follows the weights as they change. Compare mode trains both models side by side on the same data.',
  'train.button.play': 'Play',
  'train.button.pause': 'Pause',
  'train.button.step': 'Step',
  'train.button.reset': 'Reset',
  'train.presets': 'Presets: ',
  'train.preset.copy': 'Pre- vs post-norm on the copy task',
  'train.preset.xiong': 'Xiong et al.: 12 layers, lr 0.01, no warmup',
  'train.preset.warmup': '… with 200 warmup steps',
  'train.preset.norm': 'RMSNorm vs LayerNorm',
  'train.preset.init': 'A trained copy model beside itself at init',
  'train.preset.nonorm': 'No norm, 24 layers, lr 0.01',
  'train.status.error': 'Training stopped: {error}',
  'train.status.idle': 'Not started: press Play (or Step) to train from the weights shown.',
  'train.status.step': 'step {steps}',
  'train.status.speed': '{rate} steps/s',
  'train.status.pausing': 'pausing…',
  'train.status.paused': 'paused',
  'train.status.lr': 'learning rate {lr}',
  'train.status.loss': 'loss (last 20 steps) {losses}',
  'train.aria': 'training loss per step',
  'train.aria.compare': 'training loss per step, {a} and {b}',
  'train.axis.step': 'step',
  'train.axis.loss': 'loss',
  'train.chance': 'guessing a letter: ln 26',
  'train.spike': '{model}: the loss reached {worst} (the axis stops at {cap}) — a spike; it has come back.',
  'train.diverged': '{model}: the loss reached {worst} (the axis stops at {cap}) — the model diverged.',
  'train.model': 'model',
  'train.sample': '{model} continues ',
  'train.sample.right': '  ✓ right',
  'train.sample.wrong': '  ✗ (answer: {expected})',

  // ---------------------------------------------------------------- gradients
  'panel.gradients.title': 'Gradient flow',
  'panel.gradients.note': 'The gradient of the loss (mean cross-entropy of predicting each next byte of the text) at every ' +
    'layer: the L2 norm of a weight\'s gradient, or the rms of the gradient at a site of the residual stream. Log axis. ' +
    'Click a layer to select it.',
  'gradients.kind.ffn': 'FFN weights (W1, W2, W3)',
  'gradients.kind.attention': 'attention weights (Wq, Wk, Wv, Wo)',
  'gradients.kind.norms': 'norm γ and β',
  'gradients.kind.stream': 'residual stream (gradient rms)',
  'gradients.show': 'show',
  'gradients.seeds': 'seeds',
  'gradients.seeds.title': 'geometric mean over this many seeds (seed, seed + 1, …); the band spans their min to max',
  'gradients.presets': 'Presets: ',
  'gradients.preset.xiong': 'Xiong et al. 2020: post- vs pre-norm at Xavier init',
  'gradients.preset.highway': 'Residual off, no norm: the gradient vanishes',
  'gradients.error': 'No gradients for this model: {error}. The other panels show its forward pass.',
  'gradients.short': 'The loss predicts each next byte from the ones before it: type at least 2 bytes of text.',
  'gradients.no_norms': 'This model has no norm weights (norm = none): nothing to plot.',
  'gradients.nothing': 'Nothing to plot for this model.',
  'gradients.seeds_ignored': 'Seeds apply to random weights; these are loaded or trained, so one run is shown.',
  'gradients.residual_off': 'Residual off with a norm in every block: the norms divide the gradient by the rms of what they ' +
    'normalized, which rescales it layer by layer, so it does not vanish here at init. Set the norm to None to ' +
    'see what the residual\'s +1 does on its own.',
  'gradients.aria': 'gradient flow, {model}: {kind} per layer, log scale',
  'gradients.axis.layer': 'layer',
  'gradients.axis.rms': 'gradient rms (log)',
  'gradients.axis.l2': 'gradient L2 norm (log)',
  'gradients.plot.one': '{model} · loss {loss}',
  'gradients.plot.seeds': '{model} · mean loss {loss} · mean of {seeds} seeds',
  'gradients.of_model': '{model}: {values}',
  'gradients.underflow.first': '— (the first layer\'s underflows float32 to 0)',
  'gradients.underflow.last': '— (the last layer\'s underflows float32 to 0)',
  'gradients.zeros': 'Some gradients fall below float32\'s smallest number and read 0: those points are missing from the log axis.',
  'gradients.band': 'Lines: geometric mean over seeds {range}; shaded: their min to max.',
  'gradients.xiong': 'Xiong et al. 2020 (Fig. 3): post-norm\'s FFN gradients grow toward the output layers, pre-norm\'s ' +
    'do not. In the paper pre-norm\'s stay level; here they fall with depth, because this byte model\'s embeddings start ' +
    'small and pre-norm\'s stream grows layer by layer, and each later norm divides by a larger rms.',
  'gradients.trend': 'Last layer ÷ first layer — {trend}',
  'gradients.at_layer': 'layer {layer} — {values}',

  // ---------------------------------------------------------------- rope
  'panel.rope.title': 'RoPE: rotation by position',
  'panel.rope.note': 'RoPE turns each 2-D pair i of q and k by the angle m·θ_i, θ_i = base^(−2i/hd), where m is the token\'s position. ' +
    'Early pairs turn fast, late pairs barely move; the score of two rotated vectors depends only on how far apart they are.',
  'rope.head': 'head',
  'rope.token': 'token (position m)',
  'rope.char': ' “{char}”',
  'rope.info.layer': 'layer {layer}',
  'rope.info.hd.one': 'head dim {hd} (1 pair)',
  'rope.info.hd.other': 'head dim {hd} ({pairs} pairs)',
  'rope.info.base': 'base {base}',
  'rope.info.half': 'pairing half: (i, i+hd/2)',
  'rope.info.interleaved': 'pairing interleaved: (2i, 2i+1)',
  'rope.section.a.one': 'a) The one pair of q for token {token} “{char}”, turned by m·θ_i',
  'rope.section.a.other': 'a) The {pairs} pairs of q for token {token} “{char}”, turned by m·θ_i',
  'rope.section.b': 'b) One content vector against itself, Δ positions apart',
  'rope.section.c': 'c) s(m, n) = (R_m q)·(R_n q) for positions m, n',
  'rope.section.d': 'd) Long-term decay of the bound (RoFormer Eq. 37)',
  'rope.disabled': 'This model uses pos={pos} positions, so q and k are not rotated: there is no RoPE to show. ' +
    'Set pos=rope to see the rotation.',
  'rope.overflow': 'q of head {head} at layer {layer} is NaN or Inf (the activations overflowed earlier): ' +
    'there is nothing to rotate. Pick an earlier layer.',
  'rope.phasors.aria': 'pairs of q for token {token} before and after rotation',
  'rope.phasors.pair': 'pair {i}',
  'rope.phasors.turns': '{turns} turns',
  'rope.phasors.degrees': '{degrees}°',
  'rope.phasors.describe': 'pair {i} = dims ({d0}, {d1}): θ_{i} = {theta} rad per position, so at m = {m} it turned ' +
    '{angle} rad ({turns} turns); before ({a}, {b}) → after ({a2}, {b2})',
  'rope.legend.before': 'q before rotation',
  'rope.legend.after': 'q after rotation at m = {m}',
  'rope.legend.turn': 'the turn m·θ_i (mod 360°)',
  'rope.phasors.at_zero': 'Token 0 sits at position m = 0: nothing turns. Pick a later token to see the pairs rotate.',
  'rope.phasors.one': 'At m = {m}, the one pair has turned {turns} turns.',
  'rope.phasors.other': 'At m = {m}, pair 0 has turned {turns} turns and pair {last} only {degrees}°. Hover a circle for its numbers.',
  'rope.phasors.subset': '{shown} of {pairs} pairs, evenly spaced. ',
  'rope.phasors.caption': 'Each circle is one 2-D pair of q, scaled to its own length (a rotation keeps the length). ' +
    'Pair i turns by θ_i per position: pair 0 by 1 rad (57°) each step, the last pairs by a tiny fraction of a degree.',
  'rope.turns.aria': 'rotation angle of each pair at position {m}, log scale',
  'rope.turns.axis.x': 'pair i',
  'rope.turns.axis.y': 'm·θ_i (rad, log)',
  'rope.turns.full': 'one full turn (2π)',
  'rope.scores.aria': 'score of the content vector against itself at each offset',
  'rope.scores.axis.x': 'offset Δ = m − n (positions)',
  'rope.scores.axis.y': '(R_m q)·(R_n q)',
  'rope.scores.summary': 'Δ = 0: |q|² = {q2}. Shaded: offsets that occur in this text (up to {max}).',
  'rope.scores.at': 'Δ = {d}: score {score} ({ratio} × the score at Δ = 0)',
  'rope.scores.caption': 'The same q (token {token}, head {head}) placed at two positions Δ apart, before the 1/√hd scale: ' +
    'Σ_i |q_i|² cos(Δ·θ_i). Fast pairs make the wiggles; slow pairs keep it high for long.',
  'rope.matrix.aria': 'score matrix s(m, n) for positions 0 to {max}',
  'rope.matrix.axis.n': 'position n',
  'rope.matrix.axis.m': 'position m',
  'rope.matrix.summary': 's(m, n) for positions 0 … {max}; colour from {lo} to {hi}.',
  'rope.matrix.at': 's({m}, {n}) = {value}; offset {d}: score {score}',
  'rope.matrix.caption': 'Computed by rotating q to every position m and n and taking the dot product. Each diagonal has one colour: ' +
    's(m, n) depends only on m − n, never on where the pair sits. That is relative position, from absolute rotations.',
  'rope.decay.aria': 'RoFormer long-term decay bound against relative distance, log distance axis',
  'rope.decay.axis.x': 'relative distance m − n (log)',
  'rope.decay.axis.y': 'bound (1/(hd/2)) Σ|S_j|',
  'rope.decay.summary': 'At distance 0 the bound is {first}; at {far} it is {last}. Shaded: distances in this text.',
  'rope.decay.at': 'distance {d}: bound {value}',
  'rope.decay.caption': 'RoFormer (Su et al. 2021), Eq. 37: with S_j = Σ_{k<j} e^{i(m−n)θ_k}, the score of any q, k is bounded by ' +
    'max|h_{j+1} − h_j| · (1/(hd/2)) Σ_j |S_j|. For hd = {hd} and base {base} that bound ' +
    'falls with distance, oscillating as it goes: far-apart tokens can interact less. It bounds every content, not this q.',
  'rope.decay.ragged.one': ' With only 1 pair the curve is ragged; the paper\'s figure is hd = 128 (try d_model 512, n_heads 4).',
  'rope.decay.ragged.other': ' With only {pairs} pairs the curve is ragged; the paper\'s figure is hd = 128 (try d_model 512, n_heads 4).',

  // ---------------------------------------------------------------- speed
  'panel.speed.title': 'RMSNorm vs LayerNorm in your browser',
  'panel.speed.note': 'Times the two norm kernels this model runs, 64 tokens at the current d_model, 15 rounds interleaved (about 2 s). ' +
    'The notes claim RMSNorm is 15–20 % faster; the RMSNorm paper measured 7–64 % end to end.',
  'speed.button.first': 'Time both norms at d_model {d}',
  'speed.button.again': 'Time again at d_model {d}',
  'speed.idle': 'Press the button to measure.',
  'speed.result': 'LayerNorm {ln} µs, RMSNorm {rms} µs per call: RMSNorm takes {share} % of LayerNorm\'s time ' +
    '({less} % less; ratio {ratio}, quartiles {q1}–{q3}). LayerNorm makes three passes over each row (mean, ' +
    'variance, then scale) and RMSNorm two (mean square, then scale). Inside a whole model both are a small share next to the matrix products, ' +
    'which is why end-to-end gains are smaller than this kernel ratio.',
  'speed.aria': 'time per call of each norm',
  'speed.axis': 'µs per call',

  // ---------------------------------------------------------------- next
  'panel.next.title': 'Next-token prediction',
  'panel.next.note': 'Probability of each byte coming next, from the logits at the last position (an untrained model is near uniform: 1/256 ≈ 0.0039).',
  'next.after': 'after “{last}”: {model}',

  // ---------------------------------------------------------------- attention
  'panel.attention.title': 'Attention per head',
  'panel.attention.note': 'Each square: one head. Row = the token attending (query), column = the token attended to (key); darker is lower. Click a head to select it.',
  'attention.summary.one': 'layer {layer}: 1 head × {T} tokens; colour from p = 0 (dark) to 1 (yellow)',
  'attention.summary.other': 'layer {layer}: {heads} heads × {T} tokens; colour from p = 0 (dark) to 1 (yellow)',
  'attention.head': 'head {h}',
  'attention.aria': 'attention of head {h} at layer {layer}',
  'attention.aria.selected': 'attention of head {h} at layer {layer} (selected)',
  'attention.at': 'head {h}: “{q}” (token {qi}) attends to “{k}” (token {ki}) with p = {p}',
};
