// state.mjs — fuzzes the page's URL/attribute state parser (readPageState in
// web/src/state.js, with C's field checks through the real WASM module).
// libFuzzer cannot instrument JavaScript here (Jazzer.js 4 needs glibc 2.38;
// older releases download their binaries from GitHub), so this is a
// mutation fuzzer over the same seeds and dictionary as the C config target.
// Every input must hold four properties:
//   1. nothing throws;
//   2. every message names its field;
//   3. every value in the state is one the field allows, by a check written here from
//      the field table (not the parser's or C's code);
//   4. the state written back as a query reads back to itself, with no message.
// Usage: node tests/fuzz/state.mjs [seconds] [seed]
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { NormScope } from '../../web/src/engine.js';
import { parseField, readPageState, stateFields, writeQuery } from '../../web/src/state.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
}

const NASTY = ['', ' ', '-0', '0', '-1', '1e309', 'NaN', 'Infinity', '-Infinity', '0x10', '1e-400', '５', ' 5 ', '5 ',
  '1.5', '1,5', '9'.repeat(40), '%', '%zz', '%00', '\u0000', '\u0007\n\r\t', '\u202e', '\ud800', '😀', 'all', 'none',
  ',', ',,', 'depth,,', 'auto', 'null', 'undefined', 'true', '[object Object]', '<script>alert(1)</script>',
  '"\'`', '../../etc/passwd', 'a'.repeat(5000)];

export function fuzzState(scope, { seconds = 10, seed = 1, log = () => {} } = {}) {
  const fields = stateFields(scope.fields, scope.sites, scope.trainFields);
  const check = (field, value) =>
    field.config ? scope.checkField(field.name, value) : field.train ? scope.checkTrainField(field.name, value) : null;
  const dict = [...fields.map((f) => f.name), ...fields.flatMap((f) => f.choices ?? []), ...NASTY];
  const seeds = readdirSync(here('./corpus/config/')).map((f) => readFileSync(here(`./corpus/config/${f}`), 'latin1'));
  seeds.push('panels=depth,heatmap&controls=none&layer=3&site=resid_out&token=2&stat=std&text=hello',
    'compare=init&weights=copy&grad=stream&grad_seeds=8&shift=-10&scale=0.1&heat=norm_divisor&head=31');
  const random = rng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const encode = (text) => { try { return encodeURIComponent(text); } catch { return text; } };  // a lone surrogate goes in raw
  const mutate = (text) => {
    let s = text;
    for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
      const at = Math.floor(random() * (s.length + 1));
      switch (Math.floor(random() * 7)) {
        case 0: s = s.slice(0, at) + pick(dict) + s.slice(at); break;
        case 1: s = s.slice(0, at) + `&${pick(dict)}=${encode(pick(dict))}` + s.slice(at); break;
        case 2: s = s.slice(0, at) + s.slice(at + 1 + Math.floor(random() * 8)); break;
        case 3: s = s.slice(0, at) + String.fromCharCode(Math.floor(random() * 0x10000)) + s.slice(at); break;
        case 4: s = s.slice(0, at) + s.slice(Math.floor(random() * s.length)).slice(0, 16) + s.slice(at); break;
        case 5: s = s.replace(/=[^&]*/, `=${pick(NASTY)}`); break;
        default: s = s.replace(/\d+/, String(Math.floor(random() * 2 ** (random() * 70)))); break;
      }
    }
    return s;
  };

  const fail = (why, query) => {
    throw new Error(`state fuzzer: ${why}\n  query: ${JSON.stringify(query).slice(0, 400)}`);
  };
  // written from the field table, independently of parseField and of C
  const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
  const allowed = (field, value) => {
    if (field.config || field.train) {  // kept as the text given: C's grammar and ranges
      const text = String(value), v = Number(text);
      switch (field.kind) {
        case 'int': return (text === 'auto' && field.default === 'auto') || (/^-?\d+$/.test(text) && v >= field.min && v <= field.max);
        case 'real': return DECIMAL.test(text) && Number.isFinite(v) && v <= field.max &&
          (field.min < 0 ? v >= 0 : v > field.min) && (v === 0 || v >= 1e-30);
        case 'u64': return /^\d+$/.test(text) && BigInt(text) < 2n ** 64n;
        case 'choice': return field.choices.includes(text);
        case 'pick': {  // none, or a layer (≤ 3 digits) with .head or .word by the field's form; final… stands alone
          if (text === 'none') return true;
          const words = (field.choices ?? []).filter((w) => !w.startsWith('final'));
          if (field.form === 'L.word' && field.choices.includes(text) && text.startsWith('final')) return true;
          const [layer, part, ...rest] = text.split('.');
          if (rest.length || !/^\d{1,3}$/.test(layer)) return false;
          if (field.form === 'L') return part === undefined;
          if (field.form === 'L.H') return /^\d{1,3}$/.test(part ?? '');
          return words.includes(part);
        }
        default: return false;
      }
    }
    switch (field.kind) {
      case 'text': return typeof value === 'string';
      case 'int': return Number.isInteger(value) && value >= field.min && value <= field.max;
      case 'real': return Number.isFinite(value) && value >= field.min && value <= field.max;
      case 'choice': return field.choices.includes(value);
      case 'list': return value === 'all' || value === 'none' ||
        (typeof value === 'string' && value.split(',').every((item) => item && (!field.choices || field.choices.includes(item))));
      default: return false;
    }
  };
  const valid = (field, value) => allowed(field, value) && !parseField(field, String(value)).error;
  const start = performance.now();
  let runs = 0;
  const errorsSeen = new Set();
  while (performance.now() - start < seconds * 1000) {
    const query = mutate(pick(seeds));
    const params = new URLSearchParams(query);
    let read;
    try {
      read = readPageState(fields, (name) => params.get(name), check);
    } catch (e) {
      fail(`readPageState threw ${e.stack}`, query);
    }
    for (const error of read.errors) {
      if (typeof error !== 'string' || !fields.some((f) => error.includes(f.name))) fail(`a message names no field: ${error}`, query);
      errorsSeen.add(error.replace(/\(got .*\)$/, ''));
    }
    for (const field of fields)
      if (!valid(field, read.state[field.name])) fail(`${field.name} = ${JSON.stringify(read.state[field.name])} is not allowed`, query);
    const written = new URLSearchParams(writeQuery(fields, read.state));
    const again = readPageState(fields, (name) => written.get(name), check);
    if (again.errors.length) fail(`the written state reads back with messages: ${again.errors.join('; ')}`, query);
    for (const field of fields)
      if (String(again.state[field.name]) !== String(read.state[field.name]))
        fail(`${field.name} does not round-trip: ${read.state[field.name]} → ${again.state[field.name]}`, query);
    runs++;
  }
  log(`state fuzzer: ${runs} inputs in ${seconds} s, ${errorsSeen.size} distinct messages, no failure`);
  return { runs, messages: errorsSeen.size };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const scope = await NormScope.load({ wasmUrl: new URL('../../web/dist/normscope.wasm', import.meta.url) });
  fuzzState(scope, { seconds: Number(process.argv[2] ?? 10), seed: Number(process.argv[3] ?? Date.now()), log: console.log });
}
