// engine.js — the one owner of the WASM instance. It loads normscope.wasm in
// a browser (fetch) or in Node (fs), turns C error strings into thrown
// Errors, and hands out typed-array views over the probe buffer that are
// re-derived on every access: memory growth detaches old views.

const decoder = new TextDecoder();
const encoder = new TextEncoder();

async function fetchBytes(url) {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`normscope: cannot fetch ${url} (HTTP ${response.status})`);
  return response.arrayBuffer();
}

// Config values cross to C as text; booleans are the residual's on/off.
function fieldText(value) {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'bigint') return value.toString();
  return String(value);
}

// The smallest module that uses WASM SIMD: one function returning a
// v128.const. Browsers without SIMD (older Safari, some school devices)
// reject it, and get the scalar build: the same C, the same numbers.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0,  // \0asm, version 1
  1, 5, 1, 96, 0, 1, 123,        // types: () -> v128
  3, 2, 1, 0,                    // one function of that type
  10, 22, 1, 20, 0, 253, 12, ...new Array(16).fill(0), 11,  // body: v128.const 0; end
]);

/** Whether this engine runs WASM SIMD. */
export const simdSupported = () => WebAssembly.validate(SIMD_PROBE);

export class NormScope {
  /**
   * Loads the module: the SIMD build where the engine has WASM SIMD, else the
   * scalar one beside it. options.wasmUrl overrides the choice.
   */
  static async load(options = {}) {
    const file = simdSupported() ? './normscope.wasm' : './normscope-scalar.wasm';
    const url = new URL(options.wasmUrl ?? file, import.meta.url);
    const bytes = await fetchBytes(url);
    const { instance } = await WebAssembly.instantiate(bytes, {
      env: { emscripten_notify_memory_growth() {} },
    });
    instance.exports._initialize();
    return new NormScope(instance.exports);
  }

  constructor(exports) {
    this.wasm = exports;
    this.simd = exports.ns_simd() === 1;
    this._default = null;
    this._checker = null;
    this._fields = null;
    this._trainFields = null;
    this._sites = null;
  }

  /** Site names, in the order of a block (from C's SITES list). */
  get sites() {
    if (!this._sites) {
      const model = this._defaultModel();
      this._sites = JSON.parse(model._string(this.wasm.ns_layout(model.ptr))).sites;
    }
    return this._sites;
  }

  /** Every training field (AdamW, the task): name, kind, default, min, max, choices, help. */
  get trainFields() {
    if (!this._trainFields) {
      const model = this._defaultModel();
      this._trainFields = JSON.parse(model._string(this.wasm.ns_train_fields(model.ptr)));
    }
    return this._trainFields;
  }

  /** Every config field: name, kind, default, min, max, choices, help. */
  get fields() {
    if (!this._fields) {
      const model = this._defaultModel();
      this._fields = JSON.parse(model._string(this.wasm.ns_fields(model.ptr)));
    }
    return this._fields;
  }

  /**
   * Checks one model field without running anything: null if the value is
   * allowed, else the message (naming the field and the range) C would give.
   */
  checkField(name, value) {
    if (!this._checker) this._checker = new Model(this);
    const model = this._checker;
    this.wasm.ns_config_begin(model.ptr, 0);
    const ok = model._withStrings([name, fieldText(value)], ([n, v]) => this.wasm.ns_config_set(model.ptr, n, v));
    return ok ? null : model._error();
  }

  /** As checkField, for a training field (lr, batch_size, …). */
  checkTrainField(name, value) {
    if (!this._checker) this._checker = new Model(this);
    const model = this._checker;
    this.wasm.ns_train_begin(model.ptr);
    const ok = model._withStrings([name, fieldText(value)], ([n, v]) => this.wasm.ns_train_set(model.ptr, n, v));
    return ok ? null : model._error();
  }

  /**
   * The instance's memory: its size now, the cap it can never pass, the
   * budget requests are checked against, and the bytes allocated and not freed.
   */
  memory() {
    return {
      bytes: this.wasm.memory.buffer.byteLength,
      cap: this.wasm.ns_memory_cap(),
      budget: this.wasm.ns_memory_budget(),
      inUse: this.wasm.ns_heap_in_use(),
    };
  }

  /** An independent model in the same instance; free() it when done. */
  model() {
    return new Model(this);
  }

  /** Runs text through the default model; missing config fields take their defaults. */
  run(config, text, options) {
    return this._defaultModel().run(config, text, options);
  }

  /** The default model's weights and config for `config` as safetensors bytes. */
  save(config) {
    return this._defaultModel().save(config);
  }

  /** Loads safetensors bytes into the default model; a bad file throws and keeps the old model. */
  load(bytes) {
    return this._defaultModel().load(bytes);
  }

  _defaultModel() {
    if (!this._default) this._default = new Model(this);
    return this._default;
  }
}

export class Model {
  constructor(scope) {
    this.scope = scope;
    this.wasm = scope.wasm;
    this.ptr = this.wasm.ns_create() >>> 0;  // wasm32 pointers arrive as signed i32
    if (!this.ptr) throw new Error('normscope: out of memory creating a model');
    this.generation = 0;
  }

  /**
   * Runs `text` (a string or Uint8Array of bytes). `config` is an object of
   * DESIGN.md fields; missing ones take their defaults, or the checkpoint's
   * values while the model runs a loaded file; null keeps the current config.
   * options.grad adds the backward pass: run.loss, run.gradNorms(),
   * run.saveGrad() and the grad_* probe arrays (the text needs ≥ 2 bytes).
   * Returns a Run, valid until the next run on this model.
   */
  run(config, text, options = {}) {
    this._configure(config);
    const bytes = typeof text === 'string' ? encoder.encode(text) : text;
    const grad = options?.grad ? 1 : 0;
    const ok = this._withBytes(bytes, (ptr) => this.wasm.ns_run(this.ptr, ptr, bytes.length, grad));
    this.generation++;
    if (!ok) throw new Error(this._error());
    const layout = JSON.parse(this._string(this.wasm.ns_layout(this.ptr)));
    return new Run(this, layout, this.generation);
  }

  save(config) {
    this._configure(config);
    const ptr = this.wasm.ns_save(this.ptr) >>> 0;
    if (!ptr) throw new Error(this._error());
    this.generation++;  // saving may rebuild the weights: earlier runs are stale
    return new Uint8Array(this.wasm.memory.buffer, ptr, this.wasm.ns_saved_length(this.ptr)).slice();
  }

  load(bytes) {
    const ok = this._withBytes(bytes, (ptr) => this.wasm.ns_load(this.ptr, ptr, bytes.length));
    if (!ok) throw new Error(this._error());
    this.generation++;
    return this.config;
  }

  /**
   * Re-runs one norm of the last run on one token's input·scale + shift·rms
   * (shift in units of the token's rms): the invariance experiment. which: 0 attn_norm, 1 ffn_norm; layer = n_layers
   * is the final norm (pre-norm). Returns copies.
   */
  normProbe(layer, which, token, shift = 0, scale = 1) {
    const ptr = this.wasm.ns_norm_probe(this.ptr, layer, which, token, shift, scale) >>> 0;
    if (!ptr) throw new Error(this._error());
    const d = this.config.d_model;
    const all = new Float32Array(this.wasm.memory.buffer, ptr, 3 * d + 2).slice();
    return {
      input: all.subarray(0, d), normalized: all.subarray(d, 2 * d), output: all.subarray(2 * d, 3 * d),
      mean: all[3 * d], divisor: all[3 * d + 1],
    };
  }

  /**
   * What RoPE does to the last run's q of one layer, head and token, placed
   * at every position (C: ns_rope_analysis, in double). Returns copies:
   * scores[Δ] = (R_0 q)·(R_Δ q) for Δ < nOffsets; matrix (matrixSize²,
   * row-major) = (R_m q)·(R_n q) for m, n < matrixSize = min(nOffsets, 64);
   * decay[j] = RoFormer Eq. 37 bound at decayDistances[j] (0 … 255, then
   * log-spaced to 4096); per pair i: frequency θ_i, angle token·θ_i,
   * pairDims (its two components of q), qPairs / qRotPairs ([a, b] before
   * and after rotation, interleaved).
   */
  ropeAnalysis(layer, head, token, nOffsets = 64) {
    const ptr = this.wasm.ns_rope_analysis(this.ptr, layer, head, token, nOffsets) >>> 0;
    if (!ptr) throw new Error(this._error());
    const [n, size, nDecay, pairs] = new Float32Array(this.wasm.memory.buffer, ptr, 4);
    const all = new Float32Array(this.wasm.memory.buffer, ptr + 16, n + size * size + 2 * nDecay + 8 * pairs).slice();
    let at = 0;
    const take = (length) => all.subarray(at, (at += length));
    return {
      scores: take(n), matrix: take(size * size), matrixSize: size,
      decayDistances: take(nDecay), decay: take(nDecay),
      frequency: take(pairs), angle: take(pairs), pairDims: take(2 * pairs),
      qPairs: take(2 * pairs), qRotPairs: take(2 * pairs),
    };
  }

  /**
   * Starts training this model (as the last run built it) with `train`
   * fields (missing ones: defaults); `text` is what the text task learns.
   * Returns a Trainer. A bad field throws naming it and its range.
   */
  trainer(train = {}, text = '') {
    if (!this.ptr) throw new Error('normscope: this model was freed');
    this.wasm.ns_train_begin(this.ptr);
    for (const [name, value] of Object.entries(train ?? {})) {
      if (value === undefined) continue;
      const ok = this._withStrings([name, fieldText(value)], ([n, v]) => this.wasm.ns_train_set(this.ptr, n, v));
      if (!ok) throw new Error(this._error());
    }
    const bytes = encoder.encode(text);
    const ok = this._withBytes(bytes, (ptr) => this.wasm.ns_train_start(this.ptr, ptr, bytes.length));
    if (!ok) throw new Error(this._error());
    return new Trainer(this);
  }

  /** Loads a training checkpoint (Trainer.save()) and continues from it. */
  resumeTraining(bytes, text = '') {
    const textBytes = encoder.encode(text);
    const ok = this._withBytes(bytes, (ptr) => this._withBytes(textBytes, (tp) =>
      this.wasm.ns_train_resume(this.ptr, ptr, bytes.length, tp, textBytes.length)));
    if (!ok) throw new Error(this._error());
    this.generation++;
    return new Trainer(this);
  }

  /** The model's current config (all fields, resolved). */
  get config() {
    return JSON.parse(this._string(this.wasm.ns_config_json(this.ptr)));
  }

  /** Whether the last run built new weights (a weight-shaping field changed). */
  get rebuiltWeights() {
    return this.wasm.ns_rebuilt(this.ptr) === 1;
  }

  get weightsFromFile() {
    return this.wasm.ns_weights_from_file(this.ptr) === 1;
  }

  free() {
    if (this.ptr) this.wasm.ns_destroy(this.ptr);
    this.ptr = 0;
    this.generation++;
  }

  _configure(config) {
    if (!this.ptr) throw new Error('normscope: this model was freed');
    if (config !== null && config !== undefined && typeof config !== 'object')
      throw new Error('normscope: config must be an object of fields, or null');
    // missing fields: the defaults, or the checkpoint's values when running a loaded file
    this.wasm.ns_config_begin(this.ptr, config == null || this.weightsFromFile ? 1 : 0);
    for (const [name, value] of Object.entries(config ?? {})) {
      if (value === undefined) continue;
      const ok = this._withStrings([name, fieldText(value)], ([n, v]) => this.wasm.ns_config_set(this.ptr, n, v));
      if (!ok) throw new Error(this._error());
    }
  }

  _withBytes(bytes, use) {
    const budget = this.wasm.ns_memory_budget();
    if (bytes.length > budget)  // refused before any copy into the instance
      throw new Error(`normscope: the file is ${Math.ceil(bytes.length / 2 ** 20)} MiB, over the ${budget / 2 ** 20} MiB limit`);
    const ptr = this.wasm.ns_malloc(bytes.length) >>> 0;
    if (!ptr) throw new Error(`normscope: out of memory for a ${Math.ceil(bytes.length / 2 ** 20)} MiB file (the instance's memory is capped at ${this.wasm.ns_memory_cap() / 2 ** 20} MiB)`);
    try {
      new Uint8Array(this.wasm.memory.buffer, ptr, bytes.length).set(bytes);
      return use(ptr);
    } finally {
      this.wasm.ns_free(ptr);
    }
  }

  _withStrings(strings, use) {
    const ptrs = [];
    try {
      for (const s of strings) {
        // C reads up to the first NUL: one inside would cut the value short
        // ("12\0abc" read as "12"), so it becomes U+FFFD, which C then refuses whole
        const bytes = encoder.encode(s.replaceAll('\0', '\uFFFD'));
        const ptr = this.wasm.ns_malloc(bytes.length + 1) >>> 0;
        if (!ptr) throw new Error(`normscope: out of memory for a ${bytes.length}-byte string`);
        ptrs.push(ptr);
        const view = new Uint8Array(this.wasm.memory.buffer, ptr, bytes.length + 1);
        view.set(bytes);
        view[bytes.length] = 0;
      }
      return use(ptrs);
    } finally {
      ptrs.forEach((p) => this.wasm.ns_free(p));
    }
  }

  _string(ptr) {
    ptr >>>= 0;
    if (!ptr) throw new Error(this._error());
    const length = this.wasm.ns_text_length(this.ptr);
    return decoder.decode(new Uint8Array(this.wasm.memory.buffer, ptr, length));
  }

  _error() {
    const ptr = this.wasm.ns_error(this.ptr) >>> 0;
    const bytes = new Uint8Array(this.wasm.memory.buffer, ptr, 256);
    const end = bytes.indexOf(0);
    const message = decoder.decode(bytes.subarray(0, end < 0 ? 256 : end));
    // A request within the budget that found the instance full: the models in
    // it (a page may hold several) share the cap. Say what frees memory.
    if (!message.startsWith('out of memory')) return message;
    return `${message}: the models in this instance share ${this.wasm.ns_memory_cap() / 2 ** 20} MiB; ` +
      'a smaller n_layers, d_model or d_ff, a shorter text, or fewer models (compare off) frees it';
  }
}

/** AdamW on one model: each step changes its weights (earlier runs go stale). */
export class Trainer {
  constructor(model) {
    this.model = model;
    this.wasm = model.wasm;
  }

  _live() {
    if (!this.model.ptr) throw new Error('normscope: this trainer\'s model was freed');
  }

  /** n steps; returns copies: { loss, lr, gradNorm } (Float32Array(n) each) and the step count after. */
  step(n = 1) {
    this._live();
    const ptr = this.wasm.ns_train_steps(this.model.ptr, n) >>> 0;
    this.model.generation++;
    if (!ptr) throw new Error(this.model._error());
    const all = new Float32Array(this.wasm.memory.buffer, ptr, 3 * n).slice();
    const column = (k) => Float32Array.from({ length: n }, (_, i) => all[3 * i + k]);
    return { loss: column(0), lr: column(1), gradNorm: column(2), steps: this.steps };
  }

  /** Optimizer steps taken. */
  get steps() {
    this._live();
    return this.wasm.ns_train_step_count(this.model.ptr);
  }

  /** The training fields in use. */
  get config() {
    this._live();
    return JSON.parse(this.model._string(this.wasm.ns_train_config_json(this.model.ptr)));
  }

  /** Weights, optimizer moments and training state as safetensors; Model.resumeTraining() continues it. */
  save() {
    this._live();
    const ptr = this.wasm.ns_train_save(this.model.ptr) >>> 0;
    if (!ptr) throw new Error(this.model._error());
    return new Uint8Array(this.wasm.memory.buffer, ptr, this.wasm.ns_saved_length(this.model.ptr)).slice();
  }

  /**
   * The model's greedy continuation of the k-th sample prompt (a fresh
   * problem of the task up to its answer, or the text's start), n bytes
   * (0: as long as the expected answer). Returns { prompt, continuation,
   * expected } as Uint8Arrays.
   */
  sample(k = 0, n = 0) {
    this._live();
    const ptr = this.wasm.ns_continue(this.model.ptr, k, n) >>> 0;
    this.model.generation++;
    if (!ptr) throw new Error(this.model._error());
    const length = this.wasm.ns_continuation_length(this.model.ptr), cut = this.wasm.ns_continuation_prompt(this.model.ptr);
    const expected = this.wasm.ns_continuation_expected(this.model.ptr);
    const bytes = new Uint8Array(this.wasm.memory.buffer, ptr, length + expected).slice();
    return { prompt: bytes.subarray(0, cut), continuation: bytes.subarray(cut, length), expected: bytes.subarray(length) };
  }
}

/** One forward pass: zero-copy views of the probe buffer and its description. */
export class Run {
  constructor(model, layout, generation) {
    this.model = model;
    this.layout = layout;
    this.generation = generation;
    this.sites = layout.sites;
    this.statNames = layout.stats;
    this.config = model.config;
    this.tokens = Uint8Array.from(this.array('tokens'));
    this.nTokens = layout.n_tokens;
    this.layerTensors = layout.layer_tensors;  // the columns of grad_layer_norm: wq, w1, …
    this.hasGrad = this.shape('loss')[0] === 1;
    this.loss = this.hasGrad ? this.array('loss')[0] : null;  // mean next-byte cross-entropy
  }

  /** {tensor name: L2 norm of its gradient}, checkpoint names (a run with { grad: true }). */
  gradNorms() {
    this._checkGrad();
    return JSON.parse(this.model._string(this.model.wasm.ns_grad_norms(this.model.ptr)));
  }

  /** Every gradient as safetensors bytes, under its weight's name. */
  saveGrad() {
    this._checkGrad();
    const wasm = this.model.wasm, ptr = wasm.ns_save_grad(this.model.ptr) >>> 0;
    if (!ptr) throw new Error(this.model._error());
    return new Uint8Array(wasm.memory.buffer, ptr, wasm.ns_saved_length(this.model.ptr)).slice();
  }

  _checkGrad() {
    if (!this.valid) throw new Error('normscope: this run is stale (its model ran again or was freed)');
    if (!this.hasGrad) throw new Error('normscope: this run has no gradients: run(config, text, { grad: true })');
  }

  get valid() {
    return this.model.generation === this.generation;
  }

  /** Shape of a probe array, e.g. run.shape('attn_probs') → [L, H, T, T]. */
  shape(name) {
    const entry = this.layout.arrays[name];
    if (!entry) throw new Error(`normscope: no probe array "${name}"; have ${Object.keys(this.layout.arrays).join(', ')}`);
    return entry.shape;
  }

  /** A Float32Array over the probe buffer (no copy). Take it anew after any other call. */
  array(name) {
    if (!this.valid) throw new Error('normscope: this run is stale (its model ran again or was freed)');
    const shape = this.shape(name);
    const length = shape.reduce((a, b) => a * b, 1);
    const base = this.model.wasm.ns_probes(this.model.ptr) >>> 0;
    return new Float32Array(this.model.wasm.memory.buffer, base + this.layout.arrays[name].offset * 4, length);
  }

  /** One statistic of one site: run.stat(2, 'resid_out', 'rms'). */
  stat(layer, site, stat) {
    const s = this.sites.indexOf(site), k = this.statNames.indexOf(stat);
    if (s < 0) throw new Error(`normscope: unknown site "${site}"; sites are ${this.sites.join(', ')}`);
    if (k < 0) throw new Error(`normscope: unknown stat "${stat}"; stats are ${this.statNames.join(', ')}`);
    const [L, S, K] = this.shape('site_stats');
    if (!(layer >= 0 && layer < L)) throw new Error(`normscope: layer must be 0 to ${L - 1}`);
    return this.array('site_stats')[(layer * S + s) * K + k];
  }

  /**
   * The logit lens: the output head applied to the residual stream after
   * every block (row 0: the embedding), through the final norm when the model
   * has one. { finalNorm, rows, T, top, prob, rawTop, rawProb }: top[r·T + t]
   * is the argmax byte, prob its probability; the raw pair skips the final
   * norm (null when there is none: post-norm, or norm none or removed).
   */
  lens() {
    this._checkLive();
    if (!this.model.wasm.ns_lens(this.model.ptr)) throw new Error(this.model._error());
    const [rows, T] = this.shape('lens_top');
    const finalNorm = this.shape('lens_raw_top')[0] > 0;
    return {
      finalNorm, rows, T,
      top: Uint8Array.from(this.array('lens_top')), prob: this.array('lens_prob').slice(),
      rawTop: finalNorm ? Uint8Array.from(this.array('lens_raw_top')) : null,
      rawProb: finalNorm ? this.array('lens_raw_prob').slice() : null,
    };
  }

  /**
   * The on-screen checks: { softmax_sum: { applies, worst, tolerance, ok }, norm_rms, norm_mean, rope_norm,
   * rope_offset }; worst is NaN where a NaN was met (JSON writes it as null).
   */
  checks() {
    this._checkLive();
    const checks = JSON.parse(this.model._string(this.model.wasm.ns_checks(this.model.ptr)));
    for (const check of Object.values(checks)) check.worst ??= NaN;
    return checks;
  }

  /**
   * What each sublayer adds to the stream, per layer: { attn, ffn }, each
   * { rms, streamRms, cos, tokenCos } — the branch's rms, the rms of the
   * stream it joins, and its cosine with that stream (per token, and their mean
   * over the tokens where it is finite: an overflowed token does not hide the rest).
   */
  branches() {
    const [L, , T] = this.shape('branch_cos');
    const cos = this.array('branch_cos');
    const joins = ['resid_in', 'resid_mid'];  // post-norm's resid_mid is attn_norm's output: where the FFN joins
    return Array.from({ length: L }, (_, l) => Object.fromEntries(['attn', 'ffn'].map((name, k) => {
      const tokenCos = cos.slice((l * 2 + k) * T, (l * 2 + k + 1) * T);
      const finite = tokenCos.filter(Number.isFinite);
      return [name, {
        rms: this.stat(l, `${name}_out`, 'rms'), streamRms: this.stat(l, joins[k], 'rms'),
        cos: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN, tokenCos,
      }];
    })));
  }

  /** Per layer, the largest |value| of each channel of the block's output over the tokens (a copy, [L][d]). */
  channelAbsmax() {
    this._readOutliers();
    const [L, d] = this.shape('channel_absmax');
    const all = this.array('channel_absmax');
    return Array.from({ length: L }, (_, l) => all.slice(l * d, (l + 1) * d));
  }

  /** Per layer, the 4 channels of largest absmax: { channel, absmax, ratio (to the median), flagged }. */
  outliers() {
    this._readOutliers();
    const [L, K] = this.shape('outliers');
    const all = this.array('outliers');
    return Array.from({ length: L }, (_, l) => Array.from({ length: K }, (_, k) => {
      const [channel, absmax, ratio] = all.slice((l * K + k) * 3, (l * K + k + 1) * 3);
      return { channel, absmax, ratio, flagged: ratio >= this.layout.outlier_ratio };
    }));
  }

  /**
   * The unmodified model's run when an intervention is set, else null:
   * { stat(layer, site, stat), probs } (probs: the next byte, a copy).
   */
  baseline() {
    if (this.shape('baseline_probs')[0] === 0) return null;
    const stats = this.array('baseline_site_stats').slice();
    const [, S, K] = this.shape('baseline_site_stats');
    return {
      stat: (layer, site, stat) => stats[(layer * S + this.sites.indexOf(site)) * K + this.statNames.indexOf(stat)],
      probs: this.array('baseline_probs').slice(),
    };
  }

  // channel_absmax and outliers are read off the stream on demand (C model_outliers)
  _readOutliers() {
    this._checkLive();
    if (!this.model.wasm.ns_outliers(this.model.ptr)) throw new Error(this.model._error());
  }

  _checkLive() {
    if (!this.valid) throw new Error('normscope: this run is stale (its model ran again or was freed)');
  }

  /** The run in the CLI's JSON schema; toJSON({ full: true }) adds everything. */
  toJSON(options) {
    if (!this.valid) throw new Error('normscope: this run is stale (its model ran again or was freed)');
    const full = typeof options === 'object' && options !== null && options.full === true;
    return JSON.parse(this.model._string(this.model.wasm.ns_report(this.model.ptr, full ? 1 : 0)));
  }
}
