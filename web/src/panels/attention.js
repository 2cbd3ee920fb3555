// attention.js — panel 6: attention probabilities of every head at the
// selected layer (query rows attend to key columns; causal: none above).
import { interpolateCividis } from 'd3-scale-chromatic';
import { plotWidth, readout } from '../plot.js';
import { numberFormatter, translator } from '../i18n.js';

// title and note: panel.attention.title and panel.attention.note in the tables (lang/*/panels-a.js)
export const name = 'attention';

export function render(container, view, ctx) {
  const t = ctx.t ?? translator('en');
  const fmt = ctx.fmt ?? numberFormatter('en');
  container.replaceChildren();
  const lines = { say: () => {} };  // the read-out goes under the grids; hovers reach it through here
  const say = (text) => lines.say(text);
  grid(container, view, view.a, view.b ? view.labels.a : null, { ctx, t, fmt, say });
  if (view.b) grid(container, view, view.b, view.labels.b, { ctx, t, fmt, say });
  lines.say = readout(container);
  const heads = view.a.length;
  lines.say(t(heads === 1 ? 'attention.summary.one' : 'attention.summary.other', { layer: view.layer, heads, T: view.T }));
}

function grid(container, view, heads, title, { ctx, t, fmt, say }) {
  if (title) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = title;
    container.append(p);
  }
  const width = plotWidth(container, 520);
  const H = heads.length, T = view.T;
  // as many heads per row as fit at ≥ 60 px each (all of them when they fit), up to 240 px a square
  const gap = 12;
  const perRow = Math.max(1, Math.min(H, Math.floor((width + gap) / (60 + gap))));
  const size = Math.min(240, Math.floor((width - gap * (perRow - 1)) / perRow));
  const wrap = document.createElement('div');
  wrap.style.cssText = `display:grid;grid-template-columns:repeat(${perRow}, ${size}px);gap:${gap}px`;
  container.append(wrap);
  heads.forEach((probs, h) => {
    const figure = document.createElement('figure');
    figure.style.margin = '0';
    const caption = document.createElement('figcaption');
    caption.style.fontSize = '.8rem';
    caption.textContent = t('attention.head', { h });  // the selected one: bold, with an orange frame
    if (h === view.head) caption.style.fontWeight = '700';
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = size * (window.devicePixelRatio || 1);
    canvas.style.width = canvas.style.height = `${size}px`;
    canvas.style.border = h === view.head ? '2px solid #E69F00' : '1px solid #ccc';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', t(h === view.head ? 'attention.aria.selected' : 'attention.aria', { h, layer: view.layer }));
    const g = canvas.getContext('2d');
    const cell = canvas.width / T;
    for (let q = 0; q < T; q++)
      for (let k = 0; k < T; k++) {
        const p = probs[q * T + k];
        g.fillStyle = Number.isFinite(p) ? (k > q ? '#f4f4f4' : interpolateCividis(p)) : '#d00';
        g.fillRect(k * cell, q * cell, Math.ceil(cell), Math.ceil(cell));
      }
    canvas.addEventListener('mousemove', (e) => {
      const r = canvas.getBoundingClientRect();
      const k = Math.min(T - 1, Math.floor(((e.clientX - r.left) / r.width) * T));
      const q = Math.min(T - 1, Math.floor(((e.clientY - r.top) / r.height) * T));
      say(t('attention.at', { h, q: view.tokens[q], qi: q, k: view.tokens[k], ki: k, p: fmt(probs[q * T + k]) }));
    });
    canvas.addEventListener('click', () => ctx.select({ head: h }));
    figure.append(caption, canvas);
    wrap.append(figure);
  });
}
