// hostile.test.mjs — what strangers can hand the page: checkpoint files (the
// fuzz corpus and hand-made breakages) dropped on it, text with control
// characters, text far past max_tokens, and URL values of every wrong type.
// Each must get a message that names what is wrong; the page must keep
// working; nothing may reach the console. And a file over the memory budget
// is refused before it is copied into the instance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { startBrowser } from './browser.mjs';
import { loadSimd, root } from './helpers.mjs';
import { namesAField } from './soak-changes.mjs';

let open, close;
before(async () => ({ open, close } = await startBrowser()));
after(() => close?.());

const status = (page) => page.locator('norm-scope header .status').textContent();
const message = (page) => page.locator('norm-scope .message').textContent();

// ---------------------------------------------------------------- files

function header(bytes) {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))), data: bytes.subarray(8 + length) };
}

function build(json, data, lie = null) {
  const text = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lie ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

/** Hand-made breakages of one good file, each with what it tests. */
function brokenFiles(good) {
  const { json, data } = header(good);
  const first = Object.keys(json).find((k) => k !== '__metadata__');
  const edit = (change) => { const copy = structuredClone(json); change(copy); return build(copy, data); };
  const filled = (bits) => { const d = new Uint8Array(data); new Uint32Array(d.buffer).fill(bits); return build(json, d); };
  return {
    'empty': new Uint8Array(0),
    'png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    'truncated header': good.subarray(0, 40),
    'truncated data': good.subarray(0, good.length - 5),
    'header length 2^64-1': build(json, data, 0xffffffffffffffffn),
    'header length past the end': build(json, data, BigInt(good.length)),
    'not JSON': build({}, data).fill(0x7b, 8, 12),
    'F16 dtype': edit((j) => { j[first].dtype = 'F16'; }),
    'wrong shape': edit((j) => { j[first].shape = [3, 7]; }),
    'huge shape': edit((j) => { j[first].shape = [1e18, 1e18]; }),
    'offsets past the data': edit((j) => { j[first].data_offsets = [0, data.length + 4096]; }),
    'negative offsets': edit((j) => { j[first].data_offsets = [-8, 8]; }),
    'missing tensor': edit((j) => { delete j[first]; }),
    'n_layers 97': edit((j) => { j.__metadata__.n_layers = '97'; }),
    'd_model abc': edit((j) => { j.__metadata__.d_model = 'abc'; }),
    'gradients': edit((j) => { j.__metadata__.content = 'gradients'; }),
    'NaN weights': filled(0x7fc00000),
    'Inf weights': filled(0x7f800000),
  };
}

/** Drops a file on the element's drop zone as a browser does; resolves with its weightsload detail. */
function dropFile(page, name, bytes) {
  return page.evaluate(([fileName, content]) => {
    const el = document.querySelector('norm-scope');
    const drop = el.shadowRoot.querySelector('.drop');
    const done = new Promise((resolve) => el.addEventListener('weightsload', (e) => resolve(e.detail), { once: true }));
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(content)], fileName));
    drop.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    return done;
  }, [name, [...bytes]]);
}

test('checkpoint files from the fuzz corpus and hand-made breakages, dropped on the page: a message each, the page keeps working', async () => {
  const scope = await loadSimd();
  const good = scope.save({ n_layers: 2, d_model: 16, n_heads: 2 });
  const files = Object.entries(brokenFiles(good)).map(([name, bytes]) => ({ name: `${name}.safetensors`, bytes }));
  const seeds = `${root}tests/fuzz/corpus/checkpoint`;
  for (const f of readdirSync(seeds)) files.push({ name: `seed ${f}`, bytes: readFileSync(`${seeds}/${f}`) });
  const grown = `${root}build/fuzz/corpus-checkpoint`;  // what the fuzzer kept (./build.sh test fuzzes first)
  if (existsSync(grown)) for (const f of readdirSync(grown).sort().slice(0, 40)) files.push({ name: `fuzz ${f}`, bytes: readFileSync(`${grown}/${f}`) });

  const { page, problems } = await open('index.html?panels=depth,histogram,next');
  const outcomes = { loaded: 0, refused: 0 };
  for (const { name, bytes } of files) {
    const detail = await dropFile(page, name, bytes);
    if (detail.ok) {
      outcomes.loaded++;
      assert.match(await status(page), /weights: from file/, name);
    } else {
      outcomes.refused++;
      assert.match(await message(page), new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+ — the previous model is kept$`));
    }
    const broken = await page.locator('norm-scope section.panel:not([hidden]) .body').evaluateAll(
      (bodies) => bodies.filter((b) => b.textContent.startsWith('This panel could not draw')).length);
    assert.equal(broken, 0, `${name}: a panel failed to draw`);
  }
  console.log(`dropped ${files.length} files: ${outcomes.loaded} loaded (NaN and Inf weights among them), ${outcomes.refused} refused with a message`);
  assert.ok(outcomes.loaded >= 6 && outcomes.refused >= 14, JSON.stringify(outcomes));
  // the page still works: a good file loads and a new text runs on it
  assert.deepEqual(await dropFile(page, 'good.safetensors', good), { name: 'good.safetensors', ok: true, message: null });
  assert.equal(await page.locator('norm-scope input[name=n_layers]').inputValue(), '2');
  await page.locator('norm-scope textarea[name=text]').fill('still working');
  await page.waitForFunction(() => /^13 tokens/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  assert.deepEqual(problems, []);
  await page.close();
});

test('NaN weights are data: they load, every panel draws, the statistics say NaN', async () => {
  const scope = await loadSimd();
  const nan = brokenFiles(scope.save({ n_layers: 2, d_model: 16, n_heads: 2 }))['NaN weights'];
  const { page, problems } = await open('index.html');
  await page.locator('norm-scope input[type=file]').setInputFiles({ name: 'nan.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(nan) });
  await page.waitForFunction(() => /weights: from file/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  const bodies = await page.locator('norm-scope section.panel:not([hidden]) .body').allTextContents();
  assert.equal(bodies.length, 15);
  assert.ok(bodies.every((b) => !b.startsWith('This panel could not draw')), bodies.find((b) => b.startsWith('This panel')));
  assert.match(bodies.join(' '), /NaN/);
  assert.deepEqual(problems, []);
  await page.close();
});

// ---------------------------------------------------------------- text

test('text with every control character, bidi marks and emoji runs as its bytes and shows as text', async () => {
  const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f\u202e\ufeff😀';
  const { page, problems } = await open('index.html?max_tokens=256');
  await page.locator('norm-scope textarea[name=text]').fill(controls);
  // the textarea may normalise line ends: count the bytes of what it holds
  const held = await page.locator('norm-scope textarea[name=text]').inputValue();
  assert.ok(held.length >= 34, `the textarea kept ${held.length} of ${controls.length} characters`);
  const bytes = new TextEncoder().encode(held).length;
  await page.waitForFunction((n) => new RegExp(`^${n} tokens`).test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent), bytes);
  assert.equal(await message(page), '');
  // the state survives a reload through the URL
  await page.reload();
  await page.waitForFunction(() => document.querySelector('norm-scope')?.runs);
  assert.match(await status(page), new RegExp(`^${bytes} tokens`));
  assert.deepEqual(problems, []);
  await page.close();
});

test('text far past max_tokens: a message with the limit, the last drawing stays, a shorter text runs', async () => {
  const { page, problems } = await open('index.html');
  const before = await status(page);
  await page.locator('norm-scope textarea[name=text]').fill('long '.repeat(40_000));
  await page.waitForFunction(() => /text must be 1 to 128 bytes long \(max_tokens\); it is 200000 bytes/.test(
    document.querySelector('norm-scope').shadowRoot.querySelector('.message').textContent));
  assert.equal(await status(page), before);
  await page.locator('norm-scope textarea[name=text]').fill('short again');
  await page.waitForFunction(() => /^11 tokens/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  assert.equal(await message(page), '');
  // a link can carry only so much: servers refuse request lines past ~8–16 KB
  const { page: linked, problems: linkedProblems } = await open(`index.html?text=${'x'.repeat(8000)}`);
  assert.match(await message(linked), /text must be 1 to 128 bytes long \(max_tokens\); it is 8000 bytes.*falls back/);
  assert.match(await status(linked), /^44 tokens/);
  assert.deepEqual([...problems, ...linkedProblems], []);
  await page.close();
  await linked.close();
});

// ---------------------------------------------------------------- URL values

test('URL values of every wrong type, in every field at once: messages that name each field, the page draws', async () => {
  const wrong = ['', ' ', 'abc', '-1', '1.5', '1e999', '99999999999999999999', 'NaN', '%00', '😀', 'a,b', 'true', '[]', '\u202e1'];
  const { page: first } = await open('index.html');
  const fields = await first.evaluate(() => customElements.get('norm-scope').fields.map((f) => f.name));
  await first.close();
  for (const value of wrong) {
    const params = new URLSearchParams(fields.filter((f) => f !== 'text').map((f) => [f, value]));
    const { page, problems } = await open(`index.html?${params}`);
    const text = await message(page);
    const parts = text.split(' · ').filter(Boolean);
    assert.ok(parts.length > 0, `"${value}": no message`);
    for (const part of parts) assert.ok(namesAField(part, fields.map((name) => ({ name }))), `"${value}": "${part}" names no field`);
    assert.match(await status(page), /tokens · .* forward/);
    assert.ok(await page.locator('norm-scope section.panel:not([hidden])').count() > 0, `"${value}": nothing drawn`);
    assert.deepEqual(problems, [], `"${value}"`);
    await page.close();
  }
});

test('a file over the memory budget is refused before it is copied into the instance', async () => {
  const scope = await loadSimd();
  const { budget } = scope.memory();
  const before = scope.memory().bytes;
  assert.throws(() => scope.load(new Uint8Array(budget + 1)), /the file is \d+ MiB, over the 448 MiB limit/);
  assert.equal(scope.memory().bytes, before, 'nothing was copied in');
  assert.equal(scope.run({ n_layers: 2 }, 'still here').nTokens, 10);
});

test('when the instance cannot grow (memory held elsewhere), a run that fits the budget fails with a message, then recovers', async () => {
  const scope = await loadSimd();
  const model = scope.model();
  const config = { n_layers: 8, d_model: 512, n_heads: 8, d_ff: 2048 };  // ~100 MiB in all: within the budget
  const hold = scope.wasm.ns_malloc(450 * 2 ** 20) >>> 0;                 // ... but not beside 450 MiB
  assert.ok(hold, 'the 450 MiB block fits under the cap');
  assert.throws(() => model.run(config, 'held'), /out of memory.*: the models in this instance share 512 MiB; a smaller n_layers, d_model or d_ff/);
  assert.equal(model.run({ n_layers: 2 }, 'small still runs').nTokens, 16);
  scope.wasm.ns_free(hold);
  assert.equal(model.run(config, 'room again').nTokens, 10);
  model.free();
});
