// tfjs-forward.mjs — the peer: the same transformer forward written with
// @tensorflow/tfjs-core ops on the WASM backend (XNNPACK, SIMD), reading the
// weights normscope saved. It computes no probes: only what a forward needs.

/** Tensors of a safetensors file: { name: { shape, data: Float32Array } } and the metadata. */
export function readSafetensors(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const base = 8 + headerLength;
  const tensors = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = entry.data_offsets;
    const copy = bytes.slice(base + begin, base + end);  // aligned copy
    tensors[name] = { shape: entry.shape, data: new Float32Array(copy.buffer, copy.byteOffset, (end - begin) / 4) };
  }
  return { tensors, metadata: header.__metadata__ };
}

/** Builds a forward(tokens) → logits [T, 256] (Float32Array) for one config and weight file. */
export function tfjsForward(tf, config, bytes) {
  const { tensors } = readSafetensors(bytes);
  const w = (name) => (tensors[name] ? tf.tensor(tensors[name].data, tensors[name].shape) : null);
  // matrices pre-transposed to [in, out] once: matMul with transposeB is XNNPACK's slow path here
  const wt = (name) => (tensors[name] ? tf.tidy(() => tf.transpose(w(name))) : null);
  const L = config.n_layers, d = config.d_model, H = config.n_heads, hd = d / H, eps = config.norm_eps;
  const layers = [];
  for (let l = 0; l < L; l++) {
    const p = `layers.${l}.`;
    layers.push({
      n1: w(`${p}attention_norm.weight`), b1: w(`${p}attention_norm.bias`),
      wq: wt(`${p}attention.wq.weight`), wk: wt(`${p}attention.wk.weight`), wv: wt(`${p}attention.wv.weight`), wo: wt(`${p}attention.wo.weight`),
      n2: w(`${p}ffn_norm.weight`), b2: w(`${p}ffn_norm.bias`),
      w1: wt(`${p}feed_forward.w1.weight`), w2: wt(`${p}feed_forward.w2.weight`), w3: wt(`${p}feed_forward.w3.weight`),
    });
  }
  const emb = w('tok_embeddings.weight'), pos = w('pos_embeddings.weight'), out = wt('output.weight');
  const nf = w('norm.weight'), bf = w('norm.bias');
  const linear = (x, weightT) => tf.matMul(x, weightT);  // x · Wᵀ, given Wᵀ
  const norm = (x, g, b) => {
    if (config.norm === 'none') return x;
    if (config.norm === 'rmsnorm') return tf.mul(tf.div(x, tf.sqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), g);
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
  };
  const act = (a, x, layer) => {
    if (config.activation === 'relu') return tf.relu(a);
    if (config.activation === 'swiglu') return tf.mul(tf.mul(a, tf.sigmoid(a)), linear(x, layer.w3));
    const z = tf.mul(tf.add(a, tf.mul(tf.pow(a, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(a, 0.5), tf.add(tf.tanh(z), 1));
  };
  let cached = null;  // RoPE tables and the causal mask per T
  const tables = (T) => {
    if (cached?.T === T) return cached;
    const cos = new Float32Array(T * hd / 2), sin = new Float32Array(T * hd / 2), mask = new Float32Array(T * T);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < hd / 2; i++) {
        const angle = t * config.rope_theta ** (-2 * i / hd);
        cos[t * hd / 2 + i] = Math.cos(angle);
        sin[t * hd / 2 + i] = Math.sin(angle);
      }
      for (let s = t + 1; s < T; s++) mask[t * T + s] = -Infinity;
    }
    cached?.cos.dispose(), cached?.sin.dispose(), cached?.mask.dispose();
    cached = { T, cos: tf.tensor(cos, [1, T, hd / 2]), sin: tf.tensor(sin, [1, T, hd / 2]), mask: tf.tensor(mask, [1, T, T]) };
    return cached;
  };
  // interleaved pairs (2i, 2i+1), x: [H, T, hd]
  const rope = (x, T, { cos, sin }) => {
    const pairs = tf.reshape(x, [H, T, hd / 2, 2]);
    const [a, b] = tf.split(pairs, 2, 3).map((p) => tf.reshape(p, [H, T, hd / 2]));
    const ra = tf.sub(tf.mul(a, cos), tf.mul(b, sin)), rb = tf.add(tf.mul(a, sin), tf.mul(b, cos));
    return tf.reshape(tf.stack([ra, rb], 3), [H, T, hd]);
  };
  const heads = (x, T) => tf.transpose(tf.reshape(x, [T, H, hd]), [1, 0, 2]);
  const attention = (x, layer, T, tab) => {
    let q = heads(linear(x, layer.wq), T), k = heads(linear(x, layer.wk), T);
    const v = heads(linear(x, layer.wv), T);
    if (config.pos === 'rope') q = rope(q, T, tab), k = rope(k, T, tab);
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), tab.mask);
    const o = tf.matMul(tf.softmax(scores), v);
    return linear(tf.reshape(tf.transpose(o, [1, 0, 2]), [T, d]), layer.wo);
  };
  const ffn = (x, layer) => linear(act(linear(x, layer.w1), x, layer), layer.w2);
  const residual = (x, y) => (config.residual === 'off' ? y : tf.add(x, y));

  // read = false skips copying the logits out (the kernels run synchronously
  // either way); the benchmark reports both
  return function forward(tokens, { read = true } = {}) {
    const T = tokens.length;
    const tab = tables(T);
    return tf.tidy(() => {
      let x = tf.gather(emb, tf.tensor1d(Int32Array.from(tokens), 'int32'));
      if (pos) x = tf.add(x, tf.slice(pos, [0, 0], [T, d]));
      for (const layer of layers) {
        if (config.placement === 'pre') {
          x = residual(x, attention(norm(x, layer.n1, layer.b1), layer, T, tab));
          x = residual(x, ffn(norm(x, layer.n2, layer.b2), layer));
        } else {
          x = norm(residual(x, attention(x, layer, T, tab)), layer.n1, layer.b1);
          x = norm(residual(x, ffn(x, layer)), layer.n2, layer.b2);
        }
      }
      if (config.placement === 'pre') x = norm(x, nf, bf);
      const logits = linear(x, out);
      return read ? logits.dataSync() : null;
    });
  };
}
