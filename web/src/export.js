// export.js — a panel as PNG (its SVGs painted and canvases copied, in place)
// and file downloads.
import { paintSvg } from './svg-paint.js';

export function downloadBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * PNG of a panel as it looks: every SVG and canvas drawn at its place in the
 * panel, the text (captions, legends, read-outs) written where it stands, at 2×.
 */
export async function panelPng(section) {
  const box = section.getBoundingClientRect();
  const parts = [...section.querySelectorAll('.body svg, .body canvas')].filter((el) => el.getBoundingClientRect().width > 0);
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(box.width * scale);
  canvas.height = Math.ceil(box.height * scale);
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, box.width, box.height);
  // text outside the plots: headings, notes, legends, read-outs
  const texts = section.querySelectorAll('h3, h4, .note, .legend > span, .readout, figcaption, .trend, .seeds-note, .caveat');
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
  for (const part of parts) {
    if (part.tagName.toLowerCase() === 'canvas') {
      const r = part.getBoundingClientRect();
      ctx.drawImage(part, r.left - box.left, r.top - box.top, r.width, r.height);
    } else {
      ctx.save();
      ctx.translate(-box.left, -box.top);  // paintSvg works in client coordinates
      paintSvg(ctx, part);
      ctx.restore();
    }
  }
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}
