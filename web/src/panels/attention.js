// attention.js — panel 6: attention probabilities of every head at the
// selected layer (query rows attend to key columns; causal: none above).
import { interpolateCividis } from 'd3-scale-chromatic';
import { formatNumber, plotWidth, readout } from '../plot.js';

export const name = 'attention';
export const title = 'Attention per head';
export const note = 'Each square: one head. Row = the token attending (query), column = the token attended to (key); darker is lower. Click a head to select it.';

export function render(container, view, ctx) {
  container.replaceChildren();
  const width = plotWidth(container, 520);
  const H = view.heads.length, T = view.T;
  const perRow = Math.max(1, Math.min(H, Math.floor(width / 150)));
  const size = Math.max(60, Math.min(240, Math.floor(width / perRow) - 12));
  const grid = document.createElement('div');
  grid.style.cssText = `display:grid;grid-template-columns:repeat(${perRow}, ${size}px);gap:12px`;
  container.append(grid);
  const say = readout(container);
  view.heads.forEach((probs, h) => {
    const figure = document.createElement('figure');
    figure.style.margin = '0';
    const caption = document.createElement('figcaption');
    caption.style.fontSize = '.8rem';
    caption.textContent = `head ${h}${h === view.head ? ' (selected)' : ''}`;
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = size * (window.devicePixelRatio || 1);
    canvas.style.width = canvas.style.height = `${size}px`;
    canvas.style.border = h === view.head ? '2px solid #E69F00' : '1px solid #ccc';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `attention of head ${h} at layer ${view.layer}`);
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
      say(`head ${h}: “${view.tokens[q]}” (token ${q}) attends to “${view.tokens[k]}” (token ${k}) with p = ${formatNumber(probs[q * T + k])}`);
    });
    canvas.addEventListener('click', () => ctx.select({ head: h }));
    figure.append(caption, canvas);
    grid.append(figure);
  });
  say(`layer ${view.layer}: ${H} heads × ${T} tokens; colour from p = 0 (dark) to 1 (yellow)`);
}
