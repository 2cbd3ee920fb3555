// plot.js — what every panel shares: an SVG frame with margins, axes,
// a colour-blind-safe palette, number formatting and a hover read-out.
// Panels take data and draw; they never touch the engine.
import { select } from 'd3-selection';
import { formatCurrent } from './i18n.js';

// Okabe & Ito (2008): eight colours distinguishable with every common colour-vision deficiency.
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
export const COLOR_A = '#0072B2';
export const COLOR_B = '#D55E00';

/**
 * A number as a learner should read it: 4 significant digits with the
 * language's decimal mark (i18n.js), NaN and ±Inf spelled out.
 */
export function formatNumber(v) {
  return formatCurrent(v);
}

/**
 * A canvas laid over `wrap` (position: relative) at the plot area, sharp on
 * any screen; pointer-events: none lets hovers and clicks reach the SVG hit
 * area drawn on top. Returns its 2-D context in CSS pixels.
 */
export function overlayCanvas(wrap, { left, top, width, height }) {
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * dpr);
  canvas.height = Math.ceil(height * dpr);
  canvas.style.cssText = `position:absolute;left:${left}px;top:${top}px;width:${width}px;height:${height}px;pointer-events:none`;
  wrap.prepend(canvas);
  const context = canvas.getContext('2d');
  context.scale(dpr, dpr);
  return context;
}

/** An SVG with a margin convention; returns { svg, g, width, height }. */
export function frame(container, { width, height, margin = { top: 10, right: 12, bottom: 34, left: 52 }, label }) {
  const root = select(container);
  root.selectAll('*').remove();
  const svg = root.append('svg')
    .attr('viewBox', `0 0 ${width} ${height}`)
    .attr('width', width)
    .attr('height', height)
    .attr('role', 'img')
    .attr('aria-label', label ?? '');
  const g = svg.append('g').attr('transform', `translate(${margin.left},${margin.top})`);
  return { svg, g, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom, margin };
}

export function axisLabel(g, text, { x, y, rotate = false, anchor = 'middle' }) {
  g.append('text')
    .attr('class', 'axis-label')
    .attr('text-anchor', anchor)
    .attr('transform', `translate(${x},${y})${rotate ? ' rotate(-90)' : ''}`)
    .text(text);
}

/** A read-out line under a plot that hover handlers fill in. */
export function readout(container) {
  const el = document.createElement('div');
  el.className = 'readout';
  el.setAttribute('aria-live', 'polite');
  container.append(el);
  return (text) => { el.textContent = text; };
}

/** A legend of coloured swatches (HTML, so it wraps on narrow screens). */
export function legend(container, items) {
  const el = document.createElement('div');
  el.className = 'legend';
  for (const { label, color, dash } of items) {
    const item = document.createElement('span');
    const swatch = document.createElement('span');
    swatch.className = dash ? 'swatch dashed' : 'swatch';
    swatch.style.borderColor = color;
    item.append(swatch, document.createTextNode(label));
    el.append(item);
  }
  container.append(el);
}

/** The width a panel's plot should take in its container. */
export function plotWidth(container, fallback = 560) {
  const w = container.clientWidth || fallback;
  return Math.max(260, Math.min(w, 900));
}

/**
 * A panel's control row, built once and kept across redraws (a slider being
 * dragged or a box being typed in must survive the update it causes).
 * Everything else in the container is cleared. `update(row)` refreshes values.
 */
export function keepControls(container, build, update = () => {}) {
  let row = container.querySelector(':scope > .sub');
  if (!row) {
    row = document.createElement('div');
    row.className = 'sub';
    build(row);
  }
  for (const child of [...container.children]) if (child !== row) child.remove();
  if (!row.isConnected) container.prepend(row);
  update(row);
  return row;
}

/** Sets a control's value unless the learner is using it right now. */
export function setIdle(control, value) {
  if (control.getRootNode().activeElement !== control && control.value !== String(value)) control.value = String(value);
}

/** A labelled select; options are [value, text] pairs. */
export function selectControl(row, labelText, options, onChange) {
  const label = document.createElement('label');
  label.textContent = labelText;
  const select = document.createElement('select');
  for (const [v, text] of options) select.append(new Option(text, v));
  select.addEventListener('change', () => onChange(select.value));
  label.append(select);
  row.append(label);
  return select;
}
