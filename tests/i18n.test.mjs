// i18n.test.mjs — one table per language: every key in every table with the
// same placeholders; every key the code asks for exists; in German the page
// shows no English sentence and no raw key; the language comes from the URL,
// the element's lang attribute or the browser; numbers use the decimal comma.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { startBrowser } from './browser.mjs';
import { root } from './helpers.mjs';
import { LANGUAGES, languageOf, localizeMessage, numberFormatter, pickLanguage, translator } from '../web/src/i18n.js';
import { PANEL_LIST } from '../web/src/panels/index.js';

let open, close, browser, server;
before(async () => ({ open, close, browser, server } = await startBrowser()));
after(() => close?.());

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const en = LANGUAGES.en.table;

test('every table has every key, with the same placeholders, and nothing empty', () => {
  for (const [code, { table }] of Object.entries(LANGUAGES)) {
    assert.deepEqual(Object.keys(table).filter((k) => !(k in en)), [], `${code}: keys English lacks`);
    assert.deepEqual(Object.keys(en).filter((k) => !(k in table)), [], `${code}: keys missing`);
    for (const [key, text] of Object.entries(table)) {
      assert.ok(typeof text === 'string' && text.trim(), `${code} ${key} is empty`);
      assert.deepEqual(placeholders(text), placeholders(en[key]), `${code} ${key}: placeholders`);
    }
  }
});

test('every key the code asks for exists (t(\'…\') literals, and each panel\'s title and note)', () => {
  const files = ['web/src', 'web/src/panels'].flatMap((dir) => readdirSync(`${root}${dir}`).filter((f) => f.endsWith('.js')).map((f) => `${root}${dir}/${f}`));
  const asked = new Set();
  for (const file of files)
    for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-z][\w.]*)'/g)) asked.add(m[1]);
  assert.ok(asked.size > 100, `found ${asked.size} keys in the code`);
  assert.deepEqual([...asked].filter((k) => !(k in en)), [], 'keys the code asks for but no table has');
  for (const panel of PANEL_LIST)
    for (const part of ['title', 'note']) assert.ok(`panel.${panel.name}.${part}` in en, `panel.${panel.name}.${part}`);
});

test('the language: asked, else the browser\'s, else English; C\'s common messages are said again', () => {
  assert.equal(pickLanguage('de', ['en-US']), 'de');
  assert.equal(pickLanguage('auto', ['fr-FR', 'de-AT', 'en']), 'de');
  assert.equal(pickLanguage('auto', ['fr-FR']), 'en');
  assert.equal(pickLanguage('xx', []), 'en');
  assert.equal(languageOf('de-AT'), 'de');
  assert.equal(languageOf(' EN '), 'en');
  assert.equal(languageOf('fr'), 'auto', 'a language normscope lacks is the browser\'s, not an error');
  assert.equal(languageOf(null), null);
  assert.equal(numberFormatter('de')(1234.5678), '1235');
  assert.equal(numberFormatter('de')(-2.5), '−2,5');
  assert.equal(numberFormatter('de')(0.00123456), '0,001235');
  assert.equal(numberFormatter('en')(0.00123456), '0.001235');
  assert.equal(numberFormatter('de')(NaN), 'NaN');
  const t = translator('de');
  assert.equal(localizeMessage('n_layers must be an integer from 1 to 96 (got "500")', t), 'n_layers muss eine ganze Zahl von 1 bis 96 sein (erhalten: „500“)');
  assert.equal(localizeMessage('d_model (30) must be divisible by n_heads (4)', t), 'd_model (30) muss durch n_heads (4) teilbar sein');
  assert.equal(localizeMessage('something else entirely', t), 'something else entirely');
});

// Everything a reader of the element sees or hears: text, and the labels and tooltips of its nodes.
const visible = (page) => page.evaluate(() => {
  const rootNode = document.querySelector('norm-scope').shadowRoot;
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent);
    if (node.nodeType === Node.ELEMENT_NODE) {
      if (node.hidden || node.tagName === 'STYLE' || node.tagName === 'TEXTAREA') return;
      for (const a of ['aria-label', 'title', 'placeholder']) if (node.getAttribute(a)) parts.push(node.getAttribute(a));
      if (node.tagName === 'OPTION') parts.push(node.textContent);
    }
    for (const child of node.childNodes) walk(child);
  };
  walk(rootNode);
  return parts.join('\n');
});

test('in German the page shows no English sentence and no raw key; numbers have the decimal comma', async () => {
  const { page, problems } = await open('index.html?lang=de&compare=placement&skip_layer=1&weights=copy');
  await page.waitForFunction(() => /Gewichte: aus Datei/.test(document.querySelector('norm-scope').shadowRoot.querySelector('header .status').textContent));
  await page.locator('norm-scope section[data-panel=speed] .sub button').click();
  await page.locator('norm-scope section[data-panel=speed] svg').waitFor();
  const text = await visible(page);
  assert.doesNotMatch(text, /\b(panel|control|toggle|summary|status|message|diagram|lens|depth|train|rope)\.[a-z_]+\.[a-z_.]+/, 'a raw key is shown');
  // every English sentence (its pieces between placeholders, 14+ characters of words) is absent
  const german = LANGUAGES.de.table;
  const leaks = [];
  for (const [key, english] of Object.entries(en)) {
    if (german[key] === english) continue;  // the same in both (a name, a formula)
    for (const piece of english.split(/\{\w+\}/)) if (/[a-z]{3,} [a-z]{3,}/i.test(piece) && piece.trim().length >= 14 && text.includes(piece.trim())) leaks.push(`${key}: "${piece.trim()}"`);
  }
  assert.deepEqual(leaks, []);
  assert.match(await page.locator('norm-scope #summary-depth').textContent(), /\d,\d/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the language is chosen by the URL, the element\'s lang attribute, or the browser; English is the default', async () => {
  const { page } = await open('index.html?lang=de');
  assert.match(await page.locator('norm-scope header .status').textContent(), /Gewichte/);
  await page.evaluate(() => {
    const el = document.createElement('norm-scope');
    el.id = 'english';
    el.setAttribute('lang', 'en-GB');
    el.setAttribute('panels', 'depth');
    document.querySelector('main').append(el);
  });
  await page.waitForFunction(() => /weights: random init/.test(document.querySelector('#english')?.shadowRoot?.querySelector('header .status')?.textContent ?? ''));
  assert.match(await page.locator('norm-scope').first().locator('header .status').textContent(), /Gewichte/, 'each element keeps its own language');
  assert.equal(await page.locator('#english .message').textContent(), '', 'lang="en-GB" is English, with no message');
  await page.evaluate(() => document.querySelector('#english').setAttribute('lang', 'fr'));
  await page.waitForTimeout(300);
  assert.equal(await page.locator('#english .message').textContent(), '', 'a language normscope lacks is no error');
  assert.match(await page.locator('#english header .status').textContent(), /weights/, 'and falls back to the browser\'s (English here)');
  await page.close();
  for (const [locale, word] of [['de-DE', /Gewichte/], ['en-GB', /weights/], ['fr-FR', /weights/]]) {
    const context = await browser.newContext({ locale });
    const tab = await context.newPage();
    await tab.goto(`${server.url}index.html`);
    await tab.waitForFunction(() => document.querySelector('norm-scope')?.runs);
    assert.match(await tab.locator('norm-scope header .status').textContent(), word, locale);
    await context.close();
  }
});
