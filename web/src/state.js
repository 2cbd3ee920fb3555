// state.js — the page state is one table. The model's fields come from C
// (scope.fields, the same table the CLI and checkpoints use); the page's own
// fields are declared here. This list alone drives reading and writing the
// URL, the element's attributes and the controls.
import { translator } from './i18n.js';

const DEFAULT_TEXT = 'The quick brown fox jumps over the lazy dog.';
const PANELS = ['checks', 'train', 'depth', 'intervene', 'branches', 'lens', 'outliers', 'gradients', 'histogram', 'vector', 'heatmap',
  'rope', 'attention', 'next', 'speed'];
const COMPARE = ['off', 'placement', 'norm', 'residual', 'init'];

const PAGE_FIELDS = [
  { name: 'text', kind: 'text', default: DEFAULT_TEXT, help: 'text to run; its UTF-8 bytes are the tokens' },
  { name: 'layer', kind: 'int', default: 0, min: 0, max: 95, help: 'selected layer' },
  { name: 'site', kind: 'choice', default: 'attn_norm', choices: [], help: 'selected site in the layer' },
  { name: 'token', kind: 'int', default: 0, min: 0, max: 1023, help: 'token shown in the vector and RoPE panels' },
  { name: 'head', kind: 'int', default: 0, min: 0, max: 31, help: 'attention head for the RoPE panel' },
  { name: 'stat', kind: 'choice', default: 'rms', choices: ['rms', 'std', 'absmax'], help: 'statistic of the depth profile' },
  { name: 'lens', kind: 'choice', default: 'norm', choices: ['norm', 'raw'],
    help: 'logit lens: read each layer through the final norm (norm) or without it (raw)' },
  { name: 'heat', kind: 'choice', default: 'token_rms', choices: ['token_rms', 'norm_mean', 'norm_divisor'],
    help: 'what the heatmap colours' },
  { name: 'grad', kind: 'choice', default: 'ffn', choices: ['ffn', 'attention', 'norms', 'stream'],
    help: 'what the gradient-flow panel plots: the FFN, attention or norm weights, or the residual stream' },
  { name: 'grad_seeds', kind: 'int', default: 1, min: 1, max: 8,
    help: 'gradient flow averaged (geometric mean) over this many seeds: seed, seed + 1, …' },
  { name: 'shift', kind: 'real', default: 0, min: -10, max: 10, help: "added to every feature before the norm, in units of the token's rms" },
  { name: 'scale', kind: 'real', default: 1, min: 0.1, max: 10, help: 'multiplies the token vector before the norm' },
  { name: 'weights', kind: 'choice', default: 'init', choices: ['init', 'copy'],
    help: 'init: random from the seed; copy: the shipped checkpoint trained on the copy task for this norm and placement' },
  { name: 'compare', kind: 'choice', default: 'off', choices: COMPARE,
    help: 'run a second model with this field flipped (init: the same model with its initial weights)' },
  { name: 'lang', kind: 'choice', default: 'auto', choices: ['auto', 'en', 'de'],
    help: "language of the page: auto (the browser's), en or de" },
  { name: 'panels', kind: 'list', default: 'all', choices: PANELS, help: 'panels to show' },
  { name: 'controls', kind: 'list', default: 'all', choices: null, help: 'controls to show' },
];

const fromC = (f) => ({
  name: f.name, kind: f.kind, default: f.default, min: f.min, max: f.max,
  choices: f.choices.length ? f.choices : null, help: f.help,
});

/** The whole table: config fields from C, the training fields from C, then the page's. */
export function stateFields(configFields, sites, trainFields = []) {
  const train = trainFields.map((f) => ({ ...fromC(f), train: true }));
  const model = configFields.map((f) => ({
    name: f.name,
    kind: f.kind,
    default: f.default,
    min: f.min,
    max: f.max,
    choices: f.choices.length ? f.choices : null,
    help: f.help,
    config: true,
    ...(f.intervention ? { intervention: true } : {}),
    ...(f.form ? { form: f.form } : {}),
  }));
  const page = PAGE_FIELDS.map((f) => (f.name === 'site' ? { ...f, choices: sites } : { ...f }));
  return [...model, ...train, ...page];
}

export const attributeName = (name) => name.replaceAll('_', '-');

const ENGLISH = translator('en');

function rangeText(field, t) {
  if (field.kind === 'choice') return t('range.choice', { choices: field.choices.join(', ') });
  if (field.kind === 'list') return field.choices ? t('range.list', { choices: field.choices.join(', ') }) : t('range.list.any');
  if (field.kind === 'int') return t('range.int', { min: field.min, max: field.max });
  return t('range.real', { min: field.min, max: field.max });
}

/**
 * Checks one page field given as text (URL or attribute). Model fields pass
 * through: C checks them (scope.checkField), so their messages have one
 * source. Returns { value } or { error } (in the language of t).
 */
export function parseField(field, text, t = ENGLISH) {
  if (field.config || field.train) return { value: String(text) };
  // the quoted value keeps a message to one line, as C's do
  const quoted = String(text).slice(0, 40).replace(/[\u0000-\u001f\u007f]/g, '?');
  const bad = () => ({ error: t('range.error', { name: field.name, range: rangeText(field, t), value: quoted }) });
  switch (field.kind) {
    case 'text':
      return { value: String(text) };
    case 'choice':
      return field.choices.includes(text) ? { value: text } : bad();
    case 'list': {
      if (text === 'all' || text === 'none') return { value: text };
      const items = String(text).split(',').map((s) => s.trim()).filter(Boolean);
      if (!items.length || (field.choices && items.some((i) => !field.choices.includes(i)))) return bad();
      return { value: items.join(',') };
    }
    case 'int': {
      const v = Number(text);
      return /^-?\d+$/.test(text) && v >= field.min && v <= field.max ? { value: v } : bad();
    }
    case 'real': {
      const v = Number(text);
      return text !== '' && Number.isFinite(v) && v >= field.min && v <= field.max ? { value: v } : bad();
    }
    default:
      return bad();
  }
}

export function defaults(fields) {
  return Object.fromEntries(fields.map((f) => [f.name, f.default]));
}

/** Reads state from (name → text) pairs; bad values fall back with a message. */
export function readState(fields, get, t = ENGLISH) {
  const state = defaults(fields);
  const errors = [];
  for (const field of fields) {
    const text = get(field.name);
    if (text === null || text === undefined) continue;
    const parsed = parseField(field, text, t);
    if (parsed.error) errors.push(parsed.error);
    else state[field.name] = parsed.value;
  }
  return { state, errors };
}

/**
 * The page's reading of its URL or attributes: readState, then C's check of
 * every model and training field (check(field, value) → message or null). A
 * bad value falls back to its default with a message; nothing throws.
 */
export function readPageState(fields, get, check, t = ENGLISH) {
  const { state, errors } = readState(fields, get, t);
  for (const field of fields.filter((f) => f.config || f.train)) {
    const value = state[field.name];
    if (String(value) === String(field.default)) continue;
    const error = check(field, value);
    if (error) {
      errors.push(error);
      state[field.name] = field.default;
    }
  }
  return { state, errors };
}

/** URL query text with the fields that differ from their defaults. */
export function writeQuery(fields, state) {
  const params = new URLSearchParams();
  for (const field of fields)
    if (String(state[field.name]) !== String(field.default)) params.set(field.name, String(state[field.name]));
  return params.toString();
}

/** The training fields. */
export function trainOf(fields, state) {
  return Object.fromEntries(fields.filter((f) => f.train).map((f) => [f.name, state[f.name]]));
}

/** The config the engine runs: model fields only. */
export function configOf(fields, state) {
  return Object.fromEntries(fields.filter((f) => f.config).map((f) => [f.name, state[f.name]]));
}

/** The second config in compare mode: the compared field flipped. */
export function compareConfig(config, compare) {
  const flip = {
    placement: { pre: 'post', post: 'pre' },
    norm: { layernorm: 'rmsnorm', rmsnorm: 'layernorm', none: 'layernorm' },
    residual: { on: 'off', off: 'on' },
  }[compare];
  if (compare === 'init') return { ...config };
  return flip ? { ...config, [compare]: flip[config[compare]] } : null;
}

export function shown(list, name) {
  return list === 'all' || (list !== 'none' && list.split(',').includes(name));
}
