// cli.test.mjs — the native CLI: bad flags, values and files get exit status
// 1 or 2 and one line on stderr naming the field or file; never a signal.
// Runs against the plain build and the AddressSanitizer + UBSan build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asanCliPath, cliPath, runCli } from './helpers.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'normscope-cli-'));
const good = join(tmp, 'good.safetensors');
const binaries = [cliPath, ...(existsSync(asanCliPath) ? [asanCliPath] : [])];

function write(name, bytes) {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

function withHeader(header) {
  const bytes = Buffer.alloc(8 + header.length);
  bytes.writeBigUInt64LE(BigInt(header.length), 0);
  bytes.write(header, 8, 'latin1');
  return bytes;
}

function expectRefusal(binary, args, pattern, codes = [1, 2]) {
  const r = runCli(args, binary);
  assert.equal(r.signal, null, `${args.join(' ')} died of ${r.signal}`);
  assert.ok(codes.includes(r.status), `${args.join(' ')} exited ${r.status}; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.equal(r.stdout, '', 'nothing on stdout after a refusal');
}

test('setup: a checkpoint to corrupt', () => {
  const r = runCli(['--n-layers', '2', '--d-model', '16', '--save', good]);
  assert.equal(r.status, 0, r.stderr);
});

for (const binary of binaries) {
  const name = binary.endsWith('asan') ? ' (ASan+UBSan)' : '';

  test(`bad flags and values name the field and the range${name}`, () => {
    expectRefusal(binary, ['--n-layers', '0'], /^normscope: n_layers must be an integer from 1 to 96 \(got "0"\)$/, [2]);
    expectRefusal(binary, ['--n-layers', 'six'], /n_layers must be an integer from 1 to 96/, [2]);
    expectRefusal(binary, ['--d-model', '2000'], /d_model must be an integer from 8 to 1024/, [2]);
    expectRefusal(binary, ['--norm', 'batchnorm'], /norm must be one of: layernorm rmsnorm none/, [2]);
    expectRefusal(binary, ['--rope-theta', '0.5'], /rope_theta must be a number greater than 1/, [2]);
    expectRefusal(binary, ['--norm-eps', '-1e-5'], /norm_eps must be a number greater than 0/, [2]);
    expectRefusal(binary, ['--seed', '12abc'], /seed must be an integer from 0 to/, [2]);
    expectRefusal(binary, ['--d-model', '30'], /d_model \(30\) must be divisible by n_heads \(4\)/, [1]);
    expectRefusal(binary, ['--colour', 'red'], /unknown flag --colour/, [2]);
    expectRefusal(binary, ['--n-layers'], /--n-layers needs a value/, [2]);
    expectRefusal(binary, ['stray'], /unexpected argument "stray"/, [2]);
    expectRefusal(binary, ['--max-tokens', '4', '--text', 'hello'], /text must be 1 to 4 bytes long \(max_tokens\); it is 5 bytes/, [1]);
    expectRefusal(binary, ['--text', ''], /text must be 1 to 128 bytes/, [1]);
    expectRefusal(binary, ['--n-layers', '96', '--d-model', '1024'], /MiB, over the .* limit/, [1]);
  });

  test(`bad checkpoint files are refused with a message naming the problem${name}`, () => {
    const bytes = readFileSync(good);
    const header = bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('latin1');
    const edit = (from, to) => {
      assert.ok(header.includes(from), `test setup: ${from}`);
      return Buffer.concat([withHeader(header.replace(from, to)), bytes.subarray(8 + header.length)]);
    };
    const cases = [
      ['missing.safetensors', null, /cannot open .*missing\.safetensors/],
      ['empty.safetensors', Buffer.alloc(0), /empty/],
      ['short.safetensors', bytes.subarray(0, 5), /truncated/],
      ['cut.safetensors', bytes.subarray(0, bytes.length - 1), /outside/],
      ['absurd.safetensors', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x7f]), bytes.subarray(8)]), /absurd/],
      ['text.safetensors', withHeader('not json at all'), /not valid JSON/],
      ['f16.safetensors', edit('"F32"', '"F16"'), /dtype F16 is not supported; only F32/],
      ['shape.safetensors', edit('"shape":[256,16]', '"shape":[16,256]'), /tok_embeddings\.weight: shape disagrees/],
      ['missing-tensor.safetensors', edit('"output.weight"', '"output.weights"'), /output\.weight is missing/],
      ['offsets.safetensors', edit('"data_offsets":[0,16384]', '"data_offsets":[0,1638400]'), /outside/],
      ['meta.safetensors', edit('"norm":"layernorm"', '"norm":"none"'), /metadata and tensors disagree/],
      ['meta-range.safetensors', edit('"n_layers":"2"', '"n_layers":"200"'), /checkpoint metadata: n_layers must be/],
    ];
    for (const [file, content, pattern] of cases) {
      const path = content ? write(file, content) : join(tmp, file);
      expectRefusal(binary, ['--load', path], pattern, [1]);
    }
    expectRefusal(binary, ['--load', good, '--n-layers', '3'], /--n-layers cannot be combined with --load/, [2]);
    expectRefusal(binary, ['--save', join(tmp, 'no/such/dir/x.safetensors')], /cannot write/, [1]);
  });

  test(`JSON is strict: NaN and Inf are null and counted${name}`, () => {
    const bytes = Buffer.from(readFileSync(good));
    const start = 8 + Number(bytes.readBigUInt64LE(0));
    for (let at = start; at + 4 <= bytes.length; at += 4) bytes.writeFloatLE(at % 8 ? Infinity : NaN, at);
    const path = write('nan.safetensors', bytes);
    const r = runCli(['--load', path, '--json', '--text', 'abc'], binary);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /[:,[]-?(NaN|Infinity|nan|inf)\b/, "bare NaN/Inf in JSON");
    const json = JSON.parse(r.stdout);
    const site = json.layers[0].sites.resid_in;
    assert.equal(site.nan + site.inf, 3 * 16);
    assert.equal(site.mean, null);
    assert.equal(json.weights, 'file');
  });
}

test('--help lists every field and exits 0', () => {
  const r = runCli(['--help']);
  assert.equal(r.status, 0);
  for (const flag of ['--n-layers', '--d-model', '--n-heads', '--d-ff', '--norm', '--placement', '--residual',
    '--activation', '--pos', '--rope-theta', '--rope-pairing', '--norm-eps', '--init', '--init-std', '--seed',
    '--max-tokens', '--text', '--load', '--save', '--json', '--full'])
    assert.match(r.stdout, new RegExp(`${flag}\\b`));
});

test('behaviour flags apply to loaded weights', () => {
  const on = JSON.parse(runCli(['--load', good, '--json']).stdout);
  const off = JSON.parse(runCli(['--load', good, '--residual', 'off', '--json']).stdout);
  assert.equal(on.config.residual, 'on');
  assert.equal(off.config.residual, 'off');
  assert.deepEqual(on.layers[0].sites.resid_in, off.layers[0].sites.resid_in);
  assert.notDeepEqual(on.layers[1].sites.resid_in, off.layers[1].sites.resid_in);
});

test('--save-grad to a path that cannot be written: exit 1, one line naming the path', () => {
  const r = runCli(['--text', 'ab', '--save-grad', '/nonexistent-dir/g.safetensors']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'normscope: cannot write /nonexistent-dir/g.safetensors\n');
});
