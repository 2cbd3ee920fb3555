// svg-paint.js — draws an SVG plot onto a canvas from the live DOM: each
// shape's own geometry under its screen transform, with its computed style.
// The usual route (serialize the SVG, load it as an <img>) needs a data: or
// blob: image, which a strict Content-Security-Policy (img-src 'self') blocks;
// this needs no load at all. It covers what the panels draw: path, line, rect,
// circle and text, dashes, opacity, and arrowhead markers.

const SHAPES = new Set(['path', 'line', 'rect', 'circle', 'text']);
const SKIP = new Set(['defs', 'marker', 'title', 'desc', 'clipPath', 'style']);

const attr = (el, name) => parseFloat(el.getAttribute(name) ?? '0') || 0;

function geometry(el) {
  const path = new Path2D();
  switch (el.tagName) {
    case 'path': return new Path2D(el.getAttribute('d') ?? '');
    case 'line':
      path.moveTo(attr(el, 'x1'), attr(el, 'y1'));
      path.lineTo(attr(el, 'x2'), attr(el, 'y2'));
      return path;
    case 'rect':
      path.rect(attr(el, 'x'), attr(el, 'y'), attr(el, 'width'), attr(el, 'height'));
      return path;
    case 'circle':
      path.arc(attr(el, 'cx'), attr(el, 'cy'), attr(el, 'r'), 0, 2 * Math.PI);
      return path;
    default: return null;
  }
}

// The opacity an element is drawn with: its own times every ancestor's, up to the svg.
function opacity(el, svg) {
  let value = 1;
  for (let node = el; node && node !== svg.parentNode; node = node.parentNode)
    value *= parseFloat(getComputedStyle(node).opacity);
  return value;
}

const hidden = (el, svg) => {
  for (let node = el; node && node !== svg; node = node.parentNode) if (SKIP.has(node.tagName)) return true;
  const style = getComputedStyle(el);
  return style.display === 'none' || style.visibility === 'hidden';
};

// The end point and direction of a line or path, where marker-end sits.
function endOf(el) {
  if (el.tagName === 'line') {
    const x = attr(el, 'x2'), y = attr(el, 'y2');
    return { x, y, angle: Math.atan2(y - attr(el, 'y1'), x - attr(el, 'x1')) };
  }
  const length = el.getTotalLength();
  const end = el.getPointAtLength(length), before = el.getPointAtLength(Math.max(0, length - 0.5));
  return { x: end.x, y: end.y, angle: Math.atan2(end.y - before.y, end.x - before.x) };
}

// A marker drawn as its own first path, placed as SVG places it (refX/refY at
// the end point, viewBox scaled to markerWidth × stroke width, turned along the line).
function paintMarker(ctx, el, svg, style) {
  const id = /url\(["']?#([^"')]+)["']?\)/.exec(style.markerEnd)?.[1];
  const marker = id && svg.querySelector(`marker[id="${CSS.escape(id)}"]`);
  const shape = marker?.querySelector('path');
  if (!shape || !(el.tagName === 'line' || el.tagName === 'path')) return;
  const [, , vw, vh] = (marker.getAttribute('viewBox') ?? '0 0 3 3').split(/[\s,]+/).map(Number);
  const stroke = parseFloat(style.strokeWidth) || 1;
  const { x, y, angle } = endOf(el);
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(angle);
  ctx.scale((attr(marker, 'markerWidth') || 3) * stroke / vw, (attr(marker, 'markerHeight') || 3) * stroke / vh);
  ctx.translate(-attr(marker, 'refX'), -attr(marker, 'refY'));
  ctx.fillStyle = getComputedStyle(shape).fill;
  ctx.fill(new Path2D(shape.getAttribute('d') ?? ''));
  ctx.restore();
}

/**
 * Paints `svg` onto ctx, whose current transform maps screen pixels (client
 * coordinates) to the canvas.
 */
export function paintSvg(ctx, svg) {
  const base = ctx.getTransform();
  for (const el of svg.querySelectorAll('*')) {
    if (!SHAPES.has(el.tagName) || hidden(el, svg)) continue;
    const m = el.getScreenCTM();
    if (!m) continue;
    const style = getComputedStyle(el);
    const alpha = opacity(el, svg);
    ctx.save();
    ctx.setTransform(base.multiply(new DOMMatrix([m.a, m.b, m.c, m.d, m.e, m.f])));
    if (el.tagName === 'text') {
      if (el.getNumberOfChars() > 0 && style.fill !== 'none') {
        const start = el.getStartPositionOfChar(0);  // after layout: anchor, dx and dy applied
        ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'alphabetic';
        ctx.globalAlpha = alpha * parseFloat(style.fillOpacity);
        ctx.fillStyle = style.fill;
        ctx.fillText(el.textContent, start.x, start.y);
      }
      ctx.restore();
      continue;
    }
    const path = geometry(el);
    if (style.fill !== 'none') {
      ctx.globalAlpha = alpha * parseFloat(style.fillOpacity);
      ctx.fillStyle = style.fill;
      ctx.fill(path, style.fillRule === 'evenodd' ? 'evenodd' : 'nonzero');
    }
    if (style.stroke !== 'none' && parseFloat(style.strokeWidth) > 0) {
      ctx.globalAlpha = alpha * parseFloat(style.strokeOpacity);
      ctx.strokeStyle = style.stroke;
      ctx.lineWidth = parseFloat(style.strokeWidth);
      ctx.lineCap = style.strokeLinecap;
      ctx.lineJoin = style.strokeLinejoin;
      ctx.setLineDash(style.strokeDasharray === 'none' ? [] : style.strokeDasharray.split(/[\s,]+/).map(parseFloat));
      ctx.stroke(path);
      ctx.setLineDash([]);
    }
    if (style.markerEnd && style.markerEnd !== 'none') {
      ctx.globalAlpha = alpha;
      paintMarker(ctx, el, svg, style);
    }
    ctx.restore();
  }
}
