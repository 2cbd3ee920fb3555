// export.js — a panel as PNG (its SVGs and canvases stacked, styles inlined)
// and file downloads.
import { STYLES } from './styles.js';

export function downloadBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function svgImage(svg) {
  const copy = svg.cloneNode(true);
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = STYLES;  // the shadow root's rules, so axes look as on screen
  copy.prepend(style);
  const text = new XMLSerializer().serializeToString(copy);
  const img = new Image();
  const loaded = new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; });
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  return loaded.then(() => img);
}

/** PNG of a panel: title, then each SVG and canvas in order, at 2× for print. */
export async function panelPng(section, title) {
  const parts = [...section.querySelectorAll('.body svg, .body canvas')].filter((el) => el.getBoundingClientRect().width > 0);
  const images = await Promise.all(parts.map((el) => (el.tagName === 'canvas' || el.tagName === 'CANVAS' ? el : svgImage(el))));
  const sizes = parts.map((el) => el.getBoundingClientRect());
  const width = Math.max(200, ...sizes.map((s) => s.width));
  const height = 28 + sizes.reduce((sum, s) => sum + s.height + 8, 0);
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = width * scale;
  canvas.height = height * scale;
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#1b1b1b';
  ctx.font = '600 15px system-ui, sans-serif';
  ctx.fillText(title, 4, 18);
  let y = 28;
  images.forEach((img, i) => {
    ctx.drawImage(img, 0, y, sizes[i].width, sizes[i].height);
    y += sizes[i].height + 8;
  });
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}
