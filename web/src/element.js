// element.js — <norm-scope>: wires state, engine and panels. State changes
// (controls, attributes, URL, keys) schedule one update per frame; an
// update runs the model(s) and hands each panel the data it draws.
import { NormScope } from './engine.js';
import { STYLES } from './styles.js';
import {
  attributeName, compareConfig, configOf, readPageState, shown, stateFields, trainOf, writeQuery, parseField,
} from './state.js';
import { Training } from './training.js';
import { buildControls } from './controls.js';
import { drawDiagram, SITE_ORDER } from './diagram.js';
import { PANEL_LIST } from './panels/index.js';
import { VIEWS } from './views.js';
import { downloadBlob, panelPng } from './export.js';
import { timeNorms } from './norm-timing.js';
import { gradientsOverSeeds } from './gradient-seeds.js';
import { allowedOrigins, connectParent } from './messaging.js';
import { SUMMARIES } from './summaries.js';
import { languageOf, localizeMessage, numberFormatter, pickLanguage, translator, useNumberLanguage } from './i18n.js';

const utf8 = new TextEncoder();

const scopePromise = NormScope.load();

// "pre-norm LayerNorm", "post-norm no norm, residual off" in the element's language.
const describe = (t, c) => t(c.residual === 'off' ? 'label.model.residual_off' : 'label.model',
  { placement: t(`label.${c.placement}`), norm: t(`label.${c.norm}`) });
// The compared model when compare = init: the same config, its initial weights.
const describeB = (t, c, compare) => (compare === 'init' ? t('label.at_init', { model: describe(t, c) }) : describe(t, c));

// A constructed stylesheet, shared by every instance: CSSOM, so a strict
// Content-Security-Policy (style-src 'self', no 'unsafe-inline') allows it,
// where a <style> element in the shadow root would be blocked.
let sharedSheet = null;
function adoptStyles(root) {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
    if (!sharedSheet) (sharedSheet = new CSSStyleSheet()).replaceSync(STYLES);
    root.adoptedStyleSheets = [sharedSheet];
  } else {  // browsers before constructable stylesheets: a <style>, fine without a strict CSP
    const style = document.createElement('style');
    style.textContent = STYLES;
    root.prepend(style);
  }
}

export class NormScopeElement extends HTMLElement {
  static scope = null;

  static get observedAttributes() {
    return [...NormScopeElement.fields.map((f) => attributeName(f.name)), 'url-state'];
  }

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.fields = NormScopeElement.fields;
    this.notices = [];
    this.pending = 0;
    this.runs = null;
    this.ready = false;
    this.normTimings = new Map();  // d_model → the last timing on this machine
    this.weightsVersion = 0;       // bumps when training hands over new weights
    this.trainedSteps = 0;
    this.addEventListener('keydown', (e) => this.onKey(e));
    this.onPopState = () => this.fromUrl();
  }

  connectedCallback() {
    if (this.ready) return;
    this.scope = NormScopeElement.scope;
    this.modelA = this.scope.model();
    this.modelB = null;
    this.modelInit = null;  // compare = init: never trained, never loaded
    this.training = new Training({
      onProgress: () => this.scheduleProgress(),
      onWeights: (weights, steps) => this.takeWeights(weights, steps),
      onError: () => this.schedule(),
    });
    this.urlState = this.hasAttribute('url-state');
    const source = this.urlState ? new URLSearchParams(location.search) : null;
    // the language first: the messages about the rest are in it
    // lang as HTML writes it (de-AT, EN, fr): normscope's code, else auto (languageOf)
    const get = (name) => {
      const raw = source ? source.get(name) : this.getAttribute(attributeName(name));
      return name === 'lang' ? languageOf(raw) : raw;
    };
    this.useLanguage(pickLanguage(get('lang') ?? 'auto'));
    const { state, errors } = readPageState(this.fields, get, (f, v) => this.checkField(f, v), this.t);
    this.state = state;
    this.notices = errors;
    this.fromOutside = true;  // a cursor past the model's end is reported, not clamped
    this.build();
    this.ready = true;
    this.update();
    if (this.urlState) addEventListener('popstate', this.onPopState);
    // an embedded instance a lesson page drives by postMessage (messaging.js)
    if (this.hasAttribute('messages')) {
      const listed = `${this.getAttribute('message-origins') ?? ''} ${source?.get('origins') ?? ''}`;
      this.disconnectMessages = connectParent(this, allowedOrigins(listed));
    }
  }

  disconnectedCallback() {
    // moved, not removed, if it is back by the next task: keep its models and
    // its training then; removed, it stops training (its worker ends) and frees them
    setTimeout(() => {
      if (this.isConnected) return;
      this.training?.stop();
      this.release();
    });
  }

  /**
   * Frees what a removed element holds in the shared WASM instance (its
   * models); added again, it starts over from its attributes or the URL.
   */
  release() {
    if (!this.ready) return;
    for (const model of [this.modelA, this.modelB, this.modelInit, this.seedModel]) model?.free();
    this.modelA = this.modelB = this.modelInit = this.seedModel = null;
    this.runs = this.runKey = this.trainStart = this.shippedKey = null;
    this.trainedSteps = 0;
    this.shippedLoaded = this.snapshotLoaded = this.weightsFromFile = false;
    this.ready = false;
    cancelAnimationFrame(this.pending);
    this.pending = 0;
    removeEventListener('popstate', this.onPopState);
    this.disconnectMessages?.();
    this.disconnectMessages = null;
  }

  // ---------------------------------------------------------------- API for lesson pages

  /** Every field's value, as the URL would carry it (a copy). */
  getState() {
    return { ...this.state };
  }

  /**
   * Sets fields by name, values as in the URL (strings or numbers). Each is
   * checked as an attribute is; the good ones apply and the model runs now.
   * reset: every other field back to its default first (the text and what is
   * shown are kept). Returns { ok, errors }: every message naming its field,
   * including a combination the model refuses.
   */
  setState(patch, { reset = false } = {}) {
    if (!this.ready) return { ok: false, errors: [translator('en')('message.not_connected')] };
    const errors = [], good = {};
    for (const [name, value] of Object.entries(patch && typeof patch === 'object' ? patch : {})) {
      const field = this.fields.find((f) => f.name === name);
      if (!field) {
        errors.push(this.t('message.unknown_field', { name: String(name).slice(0, 40).replace(/[\u0000-\u001f\u007f]/g, '?'),
          fields: this.fields.map((f) => f.name).join(', ') }));
        continue;
      }
      const parsed = parseField(field, String(value), this.t);
      const error = parsed.error ?? this.checkField(field, parsed.value);
      if (error) errors.push(error);
      else good[name] = parsed.value;
    }
    const keep = new Set(['text', 'panels', 'controls', ...Object.keys(good)]);
    if (reset) for (const field of this.fields) if (!keep.has(field.name)) this.state[field.name] = field.default;
    Object.assign(this.state, good);
    this.rebuildControls();
    this.notices = errors;
    this.fromOutside = true;
    cancelAnimationFrame(this.pending);
    this.pending = 0;
    this.update();
    const said = this.message.textContent;
    return { ok: !said, errors: said ? said.split(' · ') : [] };
  }

  /** Moves the cursor: { layer, site, token, head }, any of them. */
  go(where = {}) {
    const patch = Object.fromEntries(['layer', 'site', 'token', 'head'].filter((k) => where?.[k] !== undefined).map((k) => [k, where[k]]));
    return this.setState(patch);
  }

  /** Shows a panel (adding it to those shown), scrolls it into view and marks it for a moment. */
  highlight(name) {
    const el = this.panelEls[name];
    if (!el) return { ok: false, errors: [this.t('message.panel', { panels: PANEL_LIST.map((p) => p.name).join(', '), name: String(name).slice(0, 40) })] };
    if (!shown(this.state.panels, name)) {
      const result = this.setState({ panels: this.state.panels === 'none' ? name : `${this.state.panels},${name}` });
      if (!result.ok) return result;
    }
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.section.scrollIntoView({ block: 'start', behavior: still ? 'auto' : 'smooth' });
    el.section.classList.add('highlight');
    clearTimeout(this.highlightTimer);
    this.highlightTimer = setTimeout(() => el.section.classList.remove('highlight'), 2500);
    return { ok: true, errors: [] };
  }

  /**
   * What the current run shows, in numbers a lesson can quote: the config,
   * the cursor, the rms of every block's output, the checks, the next byte.
   */
  summary() {
    const a = this.runs?.a;
    if (!a?.valid) return null;
    const L = a.config.n_layers;
    const probs = Array.from(a.array('probs'));
    const next = probs.map((p, byte) => ({ byte, p })).sort((x, y) => y.p - x.p).slice(0, 3)
      .map(({ byte, p }) => ({ byte, char: String.fromCharCode(byte), p }));
    const checks = Object.fromEntries(Object.entries(a.checks())
      .map(([name, c]) => [name, !c.applies ? 'n/a' : c.ok ? 'ok' : 'failed']));
    return {
      config: { ...a.config }, tokens: a.nTokens, layer: this.state.layer, site: this.state.site,
      residOutRms: Array.from({ length: L }, (_, l) => a.stat(l, 'resid_out', 'rms')),
      loss: a.loss, checks, next, compared: this.runs.b ? { ...this.runs.b.config } : null,
      weights: this.trainedSteps ? 'trained' : this.weightsFromFile ? 'file' : 'init',
      // with an intervention set: the unmodified run's likeliest next byte
      unmodifiedNext: (() => {
        const base = a.baseline();
        if (!base) return null;
        const byte = base.probs.reduce((best, p, i, all) => (p > all[best] ? i : best), 0);
        return { byte, char: String.fromCharCode(byte), p: base.probs[byte] };
      })(),
      // the invariance experiment at the cursor: how far the norm's output moved under the shift and scale
      shiftMoves: { a: this.normMoves(this.modelA), b: this.runs.b ? this.normMoves(this.runModelB()) : null },
      // the FFN's gradient per layer (L2 norm of w2's gradient), when the gradients ran
      ffnGrad: { a: this.ffnGrad(a), b: this.runs.b ? this.ffnGrad(this.runs.b) : null },
      message: this.message.textContent,
    };
  }

  /** Largest |change| of the selected norm's output under the state's shift and scale, or null. */
  normMoves(model) {
    const { layer, token, site, shift, scale } = this.state;
    const which = ['resid_mid', 'ffn_norm', 'ffn_hidden', 'ffn_out', 'resid_out'].includes(site) ? 1 : 0;
    try {
      const moved = model.normProbe(layer, which, token, shift, scale).output;
      const still = model.normProbe(layer, which, token, 0, 1).output;
      return moved.reduce((m, v, i) => Math.max(m, Math.abs(v - still[i])), 0);
    } catch {
      return null;
    }
  }

  runModelB() {
    return this.state.compare === 'init' ? this.modelInit : this.modelB;
  }

  ffnGrad(run) {
    if (!run.hasGrad) return null;
    const [L, K] = run.shape('grad_layer_norm');
    const k = run.layerTensors.indexOf('w2'), all = run.array('grad_layer_norm');
    return Array.from({ length: L }, (_, l) => all[l * K + k]);
  }

  attributeChangedCallback(name, old, value) {
    if (!this.ready || old === value || name === 'url-state') return;
    const field = this.fields.find((f) => attributeName(f.name) === name);
    if (!field) return;
    const text = field.name === 'lang' ? languageOf(value) : value;
    const parsed = text === null ? { value: field.default } : parseField(field, text, this.t);
    const error = parsed.error ?? this.checkField(field, parsed.value);
    this.notices = error ? [error] : [];
    this.set({ [field.name]: error ? field.default : parsed.value }, { fromOutside: true });
  }

  fromUrl() {
    const query = new URLSearchParams(location.search);
    const { state, errors } = readPageState(this.fields, (name) => (name === 'lang' ? languageOf(query.get(name)) : query.get(name)),
      (f, v) => this.checkField(f, v), this.t);
    this.state = state;
    this.notices = errors;
    this.fromOutside = true;
    this.rebuildControls();
    this.schedule();
  }

  /** C's message for a bad model or training field, else null (page fields are checked by parseField). */
  checkField(field, value) {
    const message = field.config ? this.scope.checkField(field.name, value)
      : field.train ? this.scope.checkTrainField(field.name, value) : null;
    return message && localizeMessage(message, this.t);
  }

  /** The element's language: its strings (t), its numbers (fmt) and its lang for screen readers. */
  useLanguage(code) {
    if (code === this.language) return false;
    this.language = code;
    this.t = translator(code);
    this.fmt = numberFormatter(code);
    return true;
  }

  // ---------------------------------------------------------------- layout

  build() {
    const h = (tag, cls, text) => {
      const el = document.createElement(tag);
      if (cls) el.className = cls;
      if (text) el.textContent = text;
      return el;
    };
    const t = this.t;
    const ns = h('div', 'ns');
    ns.lang = this.language;
    const header = h('header');
    header.append(h('h2', '', 'normscope'), (this.status = h('span', 'status')));
    this.message = h('div', 'message');
    this.message.setAttribute('role', 'alert');
    this.form = h('form', 'controls');
    this.form.addEventListener('submit', (e) => e.preventDefault());
    const stepper = h('div', 'stepper');
    const prev = h('button', '', t('stepper.previous'));
    const next = h('button', '', t('stepper.next'));
    prev.type = next.type = 'button';
    prev.addEventListener('click', () => this.step(0, -1));
    next.addEventListener('click', () => this.step(0, 1));
    this.where = h('span', 'where');
    stepper.append(prev, this.where, next);
    this.stepper = stepper;
    this.diagram = h('div', 'diagram');
    this.diagram.tabIndex = 0;
    this.diagram.setAttribute('aria-label', t('diagram.label'));
    this.panels = h('div', 'panels');
    this.panelEls = {};
    for (const panel of PANEL_LIST) {
      const section = h('section', `panel${panel.wide ? ' wide' : ''}`);
      section.dataset.panel = panel.name;
      const head = h('div', 'panel-head');
      const title = t(`panel.${panel.name}.title`);
      const png = h('button', '', t('panel.png'));
      png.type = 'button';
      png.setAttribute('aria-label', t('panel.png.label', { title }));
      png.addEventListener('click', () => this.exportPanel(panel, section));
      head.append(h('h3', '', title), png);
      const note = h('p', 'note', t(`panel.${panel.name}.note`));
      // the plot in words (summaries.js): its text alternative, shown to everyone
      const summary = h('p', 'summary');
      summary.id = `summary-${panel.name}`;
      section.setAttribute('aria-labelledby', (head.firstChild.id = `title-${panel.name}`));
      section.setAttribute('aria-describedby', summary.id);
      const body = h('div', 'body');
      section.append(head, note, summary, body);
      this.panels.append(section);
      this.panelEls[panel.name] = { section, body, summary };
    }
    const footer = this.buildFooter(h);
    ns.append(header, this.message, this.form, stepper, this.diagram, this.panels, footer);
    this.root.replaceChildren(ns);
    adoptStyles(this.root);
    this.rebuildControls();
  }

  buildFooter(h) {
    const footer = h('footer');
    const actions = h('div', 'actions');
    const t = this.t;
    const json = h('button', '', t('footer.json'));
    json.type = 'button';
    json.addEventListener('click', () => {
      if (!this.runs) return;
      const blob = new Blob([JSON.stringify(this.runs.a.toJSON({ full: true }))], { type: 'application/json' });
      downloadBlob(blob, 'normscope-run.json');
    });
    const pick = h('input');
    pick.type = 'file';
    pick.accept = '.safetensors';
    pick.setAttribute('aria-label', t('footer.load'));
    pick.addEventListener('change', () => pick.files[0] && this.loadWeights(pick.files[0]));
    const drop = h('div', 'drop', t('footer.drop'));
    drop.append(pick);
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const file = e.dataTransfer.files[0];
      if (file) this.loadWeights(file);
    });
    actions.append(json);
    this.shareUrl = h('textarea');
    this.shareUrl.readOnly = true;
    this.embedSnippet = h('textarea', 'snippet');
    this.embedSnippet.readOnly = true;
    const shareLabel = h('label', '', t('footer.link'));
    shareLabel.append(this.shareUrl);
    const embedLabel = h('label', '', t('footer.embed'));
    embedLabel.append(this.embedSnippet);
    footer.append(actions, drop, shareLabel, embedLabel);
    this.footer = footer;
    return footer;
  }

  rebuildControls() {
    this.setControls = buildControls(this.form, this.fields.filter((f) => !f.train), this.state, this.state.controls,
      (name, text) => this.onControl(name, text), this.t);
    this.stepper.hidden = !shown(this.state.controls, 'layer');
  }

  // ---------------------------------------------------------------- state

  /** A control changed: null, or the message (also shown at the top) when the value is refused. */
  onControl(name, text, { live = false } = {}) {
    // while a slider is dragged over a slow model, run once on release instead
    if (live && this.lastMs > 60) return null;
    const field = this.fields.find((f) => f.name === name);
    const parsed = parseField(field, text, this.t);
    // a training field does not run the model: C checks it here; an intervention too, so its panel can say why at once
    const error = parsed.error ?? (field.train || field.intervention ? this.checkField(field, parsed.value) : null);
    if (error) {
      this.showMessage([error]);
      return error;
    }
    this.notices = [];
    this.set({ [name]: parsed.value });
    return null;
  }

  set(patch, { fromOutside = false } = {}) {
    Object.assign(this.state, patch);
    if ('controls' in patch) this.rebuildControls();
    this.fromOutside = this.fromOutside || fromOutside;
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.update();
    });
  }

  step(dSite, dLayer) {
    if (!this.runs) return;
    const order = SITE_ORDER[this.runs.a.config.placement];
    const layers = this.runs.a.config.n_layers;
    let layer = this.state.layer + dLayer;
    let index = order.indexOf(this.state.site) + dSite;
    if (index >= order.length) { index = 0; layer++; }
    if (index < 0) { index = order.length - 1; layer--; }
    if (layer < 0 || layer >= layers) return;
    this.notices = [];
    this.set({ layer, site: order[index] });
  }

  onKey(e) {
    if (e.target !== this || !['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(e.key)) return;
    // the arrows belong to the block diagram (or the element itself): a control, a button or a
    // scrolling grid with the focus keeps its own keys
    const focused = this.root.activeElement;
    if (focused && focused !== this.diagram) return;
    e.preventDefault();
    if (e.shiftKey) return this.moveCursor(e.key);
    if (e.key === 'ArrowRight') this.step(1, 0);
    if (e.key === 'ArrowLeft') this.step(-1, 0);
    if (e.key === 'ArrowDown') this.step(0, 1);
    if (e.key === 'ArrowUp') this.step(0, -1);
  }

  /** Shift+←/→ moves the token, Shift+↑/↓ the head: what a click on a plot selects, by keyboard. */
  moveCursor(key) {
    if (!this.runs) return;
    const [, H, T] = this.runs.a.shape('attn_probs');
    const [name, delta, max] = { ArrowLeft: ['token', -1, T - 1], ArrowRight: ['token', 1, T - 1],
      ArrowUp: ['head', -1, H - 1], ArrowDown: ['head', 1, H - 1] }[key];
    const value = Math.max(0, Math.min(max, this.state[name] + delta));
    if (value !== this.state[name]) this.set({ [name]: value });
  }

  /**
   * Training reports progress many times a second. With prefers-reduced-motion
   * the panels follow at most once a second instead of every frame.
   */
  scheduleProgress() {
    if (!matchMedia('(prefers-reduced-motion: reduce)').matches) return this.schedule();
    const wait = 1000 - (performance.now() - (this.lastProgressDraw ?? 0));
    if (wait <= 0) {
      this.lastProgressDraw = performance.now();
      this.schedule();
    } else if (!this.progressTimer) {
      this.progressTimer = setTimeout(() => {
        this.progressTimer = 0;
        this.lastProgressDraw = performance.now();
        this.schedule();
      }, wait);
    }
  }

  showMessage(lines) {
    this.message.textContent = lines.join(' · ');
  }

  // ---------------------------------------------------------------- update

  /**
   * Runs the model(s) only when what they compute changed (config, text,
   * compare); moving the cursor or a panel setting only redraws.
   */
  runModels(config, errors) {
    const state = this.state;
    // gradients when the gradient panel shows them (the loss needs 2 bytes: one to predict from)
    const grad = shown(state.panels, 'gradients') && utf8.encode(state.text).length >= 2;
    const seeds = grad && !this.weightsFromFile ? state.grad_seeds : 1;
    const key = JSON.stringify([config, state.text, state.compare, this.weightsFromFile, grad, seeds, this.weightsVersion]);
    if (this.runs && key === this.runKey && this.runs.a.valid && (!this.runs.b || this.runs.b.valid)) return this.runs;
    const t0 = performance.now();
    // a loaded file's weights stay while the weight-shaping fields match it (C decides);
    // gradients need more memory than a forward: when refused, the forward still runs
    let a, gradError = null;
    try {
      a = this.modelA.run(config, state.text, { grad });
    } catch (e) {
      if (!grad) throw e;
      a = this.modelA.run(config, state.text);
      gradError = localizeMessage(e.message, this.t);
    }
    this.lastMs = performance.now() - t0;
    this.lastRebuilt = this.modelA.rebuiltWeights;
    let b = null;
    const configB = compareConfig(a.config, state.compare);
    if (configB) {
      const modelB = state.compare === 'init' ? (this.modelInit ??= this.scope.model()) : (this.modelB ??= this.scope.model());
      try {
        b = modelB.run(configB, state.text, { grad: grad && !gradError });
      } catch (e) {
        errors.push(this.t('message.compare', { message: localizeMessage(e.message, this.t) }));
      }
    }
    let over = null;
    if (seeds > 1 && !gradError) {
      this.seedModel ??= this.scope.model();
      over = { a: gradientsOverSeeds(this.seedModel, a.config, state.text, seeds) };
      if (b) over.b = gradientsOverSeeds(this.seedModel, b.config, state.text, seeds);
    }
    this.runKey = key;
    return { a, b, over, gradError };
  }

  update() {
    const state = this.state;
    // a new language rebuilds the element's own strings; numbers and axes follow it from here on
    if (this.useLanguage(pickLanguage(state.lang))) this.build();
    useNumberLanguage(this.language);
    const t = this.t, say = (e) => localizeMessage(e.message, t);
    const errors = [...this.notices];
    this.syncShipped();
    // training belongs to one config, text and set of training fields: a change starts over
    if (this.training.key && this.training.key !== this.trainingKey()) this.resetTraining({ redraw: false });
    let runs;
    try {
      runs = this.runModels(configOf(this.fields, state), errors);
    } catch (e) {
      if (this.runs) {
        this.showMessage([...errors, say(e)]);  // the last drawing stays
        this.setControls(state);
        return;
      }
      // nothing drawn yet (a bad combination in a link): the model fields fall back to their defaults
      errors.push(t('message.defaults', { message: say(e) }));
      for (const field of this.fields.filter((f) => f.config)) state[field.name] = field.default;
      this.notices = [...errors];
      try {
        runs = this.runModels(configOf(this.fields, state), errors);
      } catch (again) {  // the text itself (e.g. longer than the default max_tokens): the default text too
        errors.push(t('message.text_default', { message: say(again) }));
        state.text = this.fields.find((f) => f.name === 'text').default;
        this.notices = [...errors];
        runs = this.runModels(configOf(this.fields, state), errors);
      }
    }
    const { a, b, over, gradError } = runs;
    if (this.shippedLoaded && this.lastRebuilt) {  // a weight-shaping change left the checkpoint behind
      this.shippedLoaded = false;
      this.shippedKey = null;
      state.weights = 'init';
      errors.push(t('message.shipped_shape'));
    }
    const ms = this.lastMs;
    this.clampCursor(a, errors);
    this.runs = runs;
    this.weightsFromFile = this.modelA.weightsFromFile;
    this.fromOutside = false;
    this.showMessage(errors);
    this.setControls(state);
    const weights = this.trainedSteps ? t('status.weights.trained', { steps: this.trainedSteps, task: state.task })
      : this.weightsFromFile ? t('status.weights.file') : t('status.weights.init', { seed: a.config.seed });
    const models = b ? t('status.models.vs', { a: describe(t, a.config), b: describeB(t, b.config, state.compare) }) : describe(t, a.config);
    const work = t(a.hasGrad ? 'status.forward_backward' : 'status.forward');
    this.status.textContent = t('status.line', {
      tokens: a.nTokens, models, work: this.lastRebuilt ? t('status.new_weights', { work }) : work,
      ms: this.fmt(Number(ms.toFixed(1))), weights,
    });
    this.where.textContent = t('stepper.where', { layer: state.layer, site: state.site });
    const [prev, next] = this.stepper.querySelectorAll('button');
    prev.disabled = state.layer === 0;
    next.disabled = state.layer >= a.config.n_layers - 1;
    drawDiagram(this.diagram, { ...a.config, site: state.site, layer: state.layer, layers: a.config.n_layers, t },
      (site) => this.set({ site }));
    const context = {
      a, b, over, gradError, modelA: this.modelA, modelB: b ? (state.compare === 'init' ? this.modelInit : this.modelB) : null, state,
      weightsFromFile: this.weightsFromFile,  // loaded or trained: one set of weights, not a seed's
      link: (patch) => this.linkTo(patch),
      preset: (patch) => this.applyPreset(patch),
      // a loaded file beside a compared model that has only its seed's weights: say so
      labels: { a: describe(t, a.config), b: b ? describeB(t, b.config, this.weightsFromFile && !this.trainedSteps ? 'init' : state.compare) : null },
      t, fmt: this.fmt, language: this.language,
      training: this.training,
      setField: (name, text) => this.onControl(name, text),
      train: {
        play: () => this.trainPlay(),
        pause: () => { this.training.pause(); this.schedule(); },
        step: () => this.trainStep(),
        reset: () => this.resetTraining(),
      },
      select: (patch) => this.set(patch),
      fields: this.fields,
      normTimings: this.normTimings,
      timeNorms: (d) => {
        this.normTimings.set(d, timeNorms(this.scope, d));
        this.update();
      },
    };
    for (const panel of PANEL_LIST) {
      const { section, body, summary } = this.panelEls[panel.name];
      section.hidden = !shown(state.panels, panel.name);
      if (section.hidden) continue;
      try {
        const view = VIEWS[panel.name](context);
        panel.render(body, view, context);
        summary.textContent = SUMMARIES[panel.name](view, t, this.fmt);
      } catch (e) {
        body.textContent = t('panel.failed', { message: e.message });
        summary.textContent = '';
      }
    }
    this.writeUrl();
    if (!this.firstRendered) {  // what ./build.sh bench times: navigation to the first drawn panels
      this.firstRendered = true;
      performance.mark('normscope:first-render');
    }
    // a change of state, or of the weights (a checkpoint arrived, training moved on)
    const query = `${writeQuery(this.fields, state)}|${this.weightsFromFile}|${this.trainedSteps}`;
    if (query !== this.lastQuery) {
      const before = this.lastState ?? {};
      const changed = this.fields.map((f) => f.name).filter((n) => String(before[n]) !== String(state[n]));
      this.lastQuery = query;
      this.lastState = { ...state };
      // the summary (checks, norm probes) is computed only when a listener reads it: this runs on every slider move
      const element = this;
      this.dispatchEvent(new CustomEvent('statechange', { detail: { state: { ...state }, changed, get summary() { return element.summary(); } } }));
    }
  }

  clampCursor(run, errors) {
    const [L, H, T] = run.shape('attn_probs');
    const limits = { layer: L - 1, head: H - 1, token: T - 1 };
    for (const [name, max] of Object.entries(limits)) {
      if (this.state[name] <= max) continue;
      if (this.fromOutside) errors.push(this.t('message.cursor', { name, max, value: this.state[name] }));
      this.state[name] = this.fromOutside ? 0 : max;
    }
  }

  // ---------------------------------------------------------------- training

  /** What training depends on: the models' configs, the training fields, the text. */
  trainingRuns() {
    const config = configOf(this.fields, this.state);
    const configB = this.state.compare === 'init' ? null : compareConfig(config, this.state.compare);
    const train = trainOf(this.fields, this.state);
    return [config, ...(configB ? [configB] : [])].map((c) => ({ config: c, train, text: this.state.text }));
  }

  trainingKey() {
    return JSON.stringify(this.trainingRuns());
  }

  /** Starts the worker from the weights shown now (the init, or a loaded file). */
  ensureTraining() {
    if (this.training.error) this.training.stop();  // after a failure, try afresh (and say again why)
    const runs = this.trainingRuns();
    if (this.training.worker && this.training.key === JSON.stringify(runs)) return;
    if (runs[1]) this.modelB ??= this.scope.model();
    runs.forEach((run, i) => { run.weights = [this.modelA, this.modelB][i].save(run.config); });
    // what Reset returns to: a loaded or shipped file's weights, or the seed's
    this.trainStart = { weights: runs[0].weights, fromFile: this.weightsFromFile };
    this.training.ensure(JSON.stringify(runs.map(({ weights, ...rest }) => rest)), runs);
  }

  trainPlay() {
    this.ensureTraining();
    this.training.play();
    this.schedule();
  }

  trainStep() {
    this.ensureTraining();
    this.training.step();
  }

  /** Stops training and puts the models back to the weights it started from. */
  resetTraining({ redraw = true } = {}) {
    this.training.stop();
    if (this.snapshotLoaded) {
      this.modelB?.free();  // the compared model always starts from its seed
      this.modelB = null;
      if (this.trainStart?.fromFile) this.modelA.load(this.trainStart.weights);
      else {
        this.modelA.free();
        this.modelA = this.scope.model();
        this.weightsFromFile = false;
      }
    }
    this.snapshotLoaded = false;
    this.trainedSteps = 0;
    this.weightsVersion++;
    if (redraw) this.schedule();
  }

  /** New weights from the worker: the panels show the models as they train. */
  takeWeights(weights, steps) {
    try {
      this.snapshotLoaded = true;
      this.modelA.load(weights[0]);
      if (weights[1]) (this.modelB ??= this.scope.model()).load(weights[1]);
    } catch (e) {
      this.training.pause();
      this.training.fail(e.message);
      return;
    }
    this.trainedSteps = steps;
    this.weightsVersion++;
    this.scheduleProgress();
  }

  /** A preset: every field back to its default except the text and what is shown, then `patch`. */
  applyPreset(patch) {
    const keep = new Set(['text', 'panels', 'controls']);
    for (const field of this.fields) if (!keep.has(field.name)) this.state[field.name] = field.default;
    this.notices = [];
    this.set(patch);
  }

  /** The page's URL for a state: the defaults with `patch` over them (a preset). */
  linkTo(patch) {
    const state = Object.fromEntries(this.fields.map((f) => [f.name, f.default]));
    const query = writeQuery(this.fields, { ...state, ...patch });
    return `${this.pageBase()}${query ? `?${query}` : ''}`;
  }

  pageBase() {
    return this.urlState ? `${location.origin}${location.pathname}` : new URL('index.html', document.baseURI).href;
  }

  writeUrl() {
    const query = writeQuery(this.fields, this.state);
    const url = `${this.pageBase()}${query ? `?${query}` : ''}`;
    if (this.urlState && url !== location.href) history.replaceState(null, '', url);
    this.shareUrl.value = url;
    const embed = new URL('embed.html', url).href + (query ? `?${query}` : '');
    const quote = (v) => String(v).replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
    const attrs = this.fields.filter((f) => f.name !== 'controls' && String(this.state[f.name]) !== String(f.default))
      .map((f) => ` ${attributeName(f.name)}="${quote(this.state[f.name])}"`).join('');
    const script = new URL('normscope.js', url).href;
    this.embedSnippet.value = `<iframe src="${quote(embed)}" width="100%" height="900" title="normscope"></iframe>\n` +
      `<!-- or, as an element: -->\n<script type="module" src="${script}"></script>\n<norm-scope${attrs}></norm-scope>`;
  }

  /**
   * weights = copy: the shipped checkpoint for this norm × placement (trained
   * on the copy task by tests/tools/train-checkpoints.sh), fetched from beside
   * the script; its config fields win. weights = init: back to the seed's.
   */
  syncShipped() {
    const state = this.state;
    const key = state.weights === 'copy' ? `copy-${state.norm}-${state.placement}` : null;
    if (key === this.shippedKey) return;
    this.shippedKey = key;
    this.resetTraining({ redraw: false });
    this.shippedLoaded = false;
    if (!key) {
      if (this.weightsFromFile) {  // back to the seed's weights
        this.modelA.free();
        this.modelA = this.scope.model();
        this.weightsFromFile = false;
        this.weightsVersion++;
      }
      return;
    }
    const url = new URL(`checkpoints/${key}.safetensors`, import.meta.url);
    fetch(url).then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.arrayBuffer();
    }).then((buffer) => {
      if (this.shippedKey !== key) return;  // the learner moved on meanwhile
      this.loadWeights({ name: `${key}.safetensors`, arrayBuffer: async () => buffer }, { shipped: true })
        .then(() => { this.shippedLoaded = this.weightsFromFile; });
    }).catch((e) => this.showMessage([this.t('message.shipped_failed', { key, message: e.message })]));
  }

  async loadWeights(file, { shipped = false } = {}) {
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (!this.ready) return;  // removed while the file was read: nothing to load it into
      const config = this.modelA.load(bytes);
      // a file replaces whatever was training; a file of one's own is not the shipped checkpoint
      this.training.stop();
      this.snapshotLoaded = false;
      this.trainedSteps = 0;
      this.trainStart = null;
      if (!shipped) {
        this.state.weights = 'init';
        this.shippedKey = null;
        this.shippedLoaded = false;
      }
      // the file's model fields; the interventions are the learner's, not the file's
      for (const field of this.fields.filter((f) => f.config && !f.intervention)) {
        const value = config[field.name];
        // the file's values in the state's words: 1e-05 stays the default, d_ff = 4·d_model stays auto
        const same = field.name === 'd_ff' ? value === Math.min(4096, 4 * config.d_model) : Number(value) === Number(field.default);
        this.state[field.name] = same ? field.default : String(value);
      }
      this.notices = [];
      this.weightsFromFile = true;
      if (shipped) this.shippedKey = `copy-${this.state.norm}-${this.state.placement}`;
      this.update();
      this.dispatchEvent(new CustomEvent('weightsload', { detail: { name: file.name, ok: true, message: null } }));
    } catch (e) {
      const message = this.t('message.file_kept', { file: file.name, message: localizeMessage(e.message, this.t) });
      this.showMessage([message]);
      this.dispatchEvent(new CustomEvent('weightsload', { detail: { name: file.name, ok: false, message } }));
    }
  }

  async exportPanel(panel, section) {
    const blob = await panelPng(section);
    downloadBlob(blob, `normscope-${panel.name}.png`);
  }
}

export async function defineNormScope() {
  const scope = await scopePromise;
  NormScopeElement.scope = scope;
  NormScopeElement.fields = stateFields(scope.fields, scope.sites, scope.trainFields);
  if (!customElements.get('norm-scope')) customElements.define('norm-scope', NormScopeElement);
  return scope;
}
