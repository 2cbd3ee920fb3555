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
  style.textContent = `${STYLES} svg { font-family: system-ui, sans-serif; }`;  // the shadow root's rules, so axes look as on screen
  copy.prepend(style);
  const text = new XMLSerializer().serializeToString(copy);
  const img = new Image();
  const loaded = new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; });
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  return loaded.then(() => img);
}

/**
 * PNG of a panel as it looks: every SVG and canvas drawn at its place in the
 * panel, the text (captions, legends, read-outs) written where it stands, at 2×.
 */
export async function panelPng(section) {
  const box = section.getBoundingClientRect();
  const parts = [...section.querySelectorAll('.body svg, .body canvas')].filter((el) => el.getBoundingClientRect().width > 0);
  const images = await Promise.all(parts.map((el) => (el.tagName.toLowerCase() === 'canvas' ? el : svgImage(el))));
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(box.width * scale);
  canvas.height = Math.ceil(box.height * scale);
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, box.width, box.height);
  // text outside the plots: headings, notes, legends, read-outs
  const texts = section.querySelectorAll('h3, .note, .legend > span, .readout, figcaption, .trend, .seeds-note, .caveat');
  const swatchWidth = 24;  // .legend .swatch: 18 px + margin
  for (const el of texts) {
    const r = el.getBoundingClientRect();
    if (!r.width || el.closest('svg')) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize), lineHeight = parseFloat(style.lineHeight) || size * 1.45;
    ctx.font = `${style.fontWeight} ${style.fontSize} system-ui, sans-serif`;
    ctx.fillStyle = style.color;
    // wrap as the browser did: words into lines no wider than the element
    const x = r.left - box.left + (el.parentElement?.classList.contains('legend') ? swatchWidth : 0);
    let line = '', y = r.top - box.top + size;
    for (const word of el.textContent.trim().split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(next).width > r.width) {
        ctx.fillText(line, x, y);
        line = word;
        y += lineHeight;
      } else line = next;
    }
    ctx.fillText(line, x, y);
  }
  for (const swatch of section.querySelectorAll('.legend .swatch')) {  // the legend's coloured lines
    const r = swatch.getBoundingClientRect(), style = getComputedStyle(swatch);
    ctx.strokeStyle = style.borderTopColor;
    ctx.lineWidth = 3;
    ctx.setLineDash(style.borderTopStyle === 'dashed' ? [5, 3] : []);
    ctx.beginPath();
    ctx.moveTo(r.left - box.left, r.top - box.top + 1.5);
    ctx.lineTo(r.right - box.left, r.top - box.top + 1.5);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  images.forEach((img, i) => {
    const r = parts[i].getBoundingClientRect();
    ctx.drawImage(img, r.left - box.left, r.top - box.top, r.width, r.height);
  });
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}
