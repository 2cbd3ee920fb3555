// soak-changes.mjs — random changes to the page's state for the soak tests:
// mostly values a learner could pick, some that are wrong in every way a URL
// or an attribute can be, and texts with anything in them. Sizes stay small
// (≤ 4 layers, d_model ≤ 64) so ten thousand runs take minutes, not hours;
// one change in fifty asks for a model far over the memory cap.

export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
}

const SMALL = {
  n_layers: ['1', '2', '3', '4'],
  d_model: ['8', '16', '32', '64'],
  n_heads: ['1', '2', '4', '8'],
  d_ff: ['auto', '8', '24', '100', '256'],
  max_tokens: ['16', '32', '64', '128'],
  rope_theta: ['1.5', '100', '10000', '1e12'],
  norm_eps: ['1e-30', '1e-5', '0.1', '1'],
  init_std: ['1e-30', '0.02', '0.5', '1e6'],  // 1e6 overflows inside the model: NaN and Inf are data
  seed: ['0', '1', '7', '18446744073709551615'],
  layer: ['0', '1', '3', '95'],
  skip_layer: ['none', '0', '3', '7'],  // 7: past a small model's end
  zero_head: ['none', '0.0', '1.3', '5.9'],
  remove_norm: ['none', '0.attn_norm', '2.ffn_norm', 'final_norm', '9.ffn_norm'],
  residual_scale: ['0', '0.5', '1', '1.861', '100'],
  token: ['0', '5', '40', '1023'],
  head: ['0', '1', '7', '31'],
  grad_seeds: ['1', '2', '3'],
  shift: ['-10', '0', '1.5', '10'],
  scale: ['0.1', '1', '10'],
  lr: ['0', '0.001', '0.1'],
  warmup: ['0', '10'],
  batch_size: ['1', '4'],
  seq_len: ['8', '16'],
};
const HUGE = { n_layers: '96', d_model: '1024', d_ff: '4096', max_tokens: '1024' };
const WRONG = ['', ' ', '-1', 'abc', '1.5', '1e999', 'NaN', '-Infinity', '0x10', '99999999999999999999', '\u0000',
  '\u202e', '😀', 'all,', '[object Object]', '<b>x</b>', '%', 'auto'];
const TEXT_PARTS = ['The quick brown fox ', 'LayerNorm', ' ', '\u0000', '\u0007\t\n\r', '\u202e', 'naïve ', '日本語',
  '😀👍🏽', '\ud800', '<script>alert(1)</script>', '&amp;', '"\'`', 'x'.repeat(50)];

/**
 * One change: a list of { name, value } for fields of `fields` (the page's
 * state table) — one field, or, one time in fifty, a model far over the
 * memory cap (every size field at its largest at once).
 */
export function randomChange(random, fields, { only = null } = {}) {
  if (random() < 0.02) return Object.entries(HUGE).map(([name, value]) => ({ name, value }));
  return [randomValue(random, fields, only)];
}

function randomValue(random, fields, only) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const pool = only ? fields.filter(only) : fields;
  const field = pick(pool);
  const r = random();
  if (r < 0.13) return { name: field.name, value: pick(WRONG) };
  if (field.kind === 'text') {
    let text = '';
    for (let n = 1 + Math.floor(random() * 4); n > 0; n--) text += pick(TEXT_PARTS);
    return { name: field.name, value: text.slice(0, 1 + Math.floor(random() * 100)) };
  }
  if (field.kind === 'choice') return { name: field.name, value: pick(field.choices) };
  if (field.kind === 'list') {
    if (!field.choices || random() < 0.3) return { name: field.name, value: pick(['all', 'none']) };
    return { name: field.name, value: field.choices.filter(() => random() < 0.3).join(',') || field.choices[0] };
  }
  return { name: field.name, value: pick(SMALL[field.name] ?? [String(field.default)]) };
}

/** A message names a field of the table as a whole word (the rule for all messages). */
export function namesAField(message, fields) {
  return fields.some((f) => new RegExp(`(^|[^a-z_])${f.name}([^a-z_]|$)`).test(message));
}
