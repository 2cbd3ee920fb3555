// diagram.js — the block as boxes in the order it computes, with the norms
// where the placement puts them and the current site highlighted.
import { select } from 'd3-selection';

// The order of computation (and of the cursor) for each placement.
export const SITE_ORDER = {
  pre: ['resid_in', 'attn_norm', 'attn_out', 'resid_mid', 'ffn_norm', 'ffn_hidden', 'ffn_out', 'resid_out'],
  post: ['resid_in', 'attn_out', 'attn_norm', 'resid_mid', 'ffn_hidden', 'ffn_out', 'ffn_norm', 'resid_out'],
};

function nodeLabel(site, placement, normName, residual, t) {
  const on = residual === 'on';
  const names = {
    resid_in: [t('diagram.resid_in'), 'x'],
    attn_norm: [normName, placement === 'pre' ? 'Norm₁(x)' : on ? 'Norm₁(x + attn)' : 'Norm₁(attn)'],
    attn_out: [t('diagram.attn_out'), placement === 'pre' ? 'Attn(Norm₁ x)' : 'Attn(x)'],
    resid_mid: placement === 'pre' ? [t(on ? 'diagram.residual' : 'diagram.no_residual'), on ? 'h = x + attn' : 'h = attn']
      : [t('diagram.stream'), 'h = Norm₁ out'],
    ffn_norm: [normName, placement === 'pre' ? 'Norm₂(h)' : on ? 'Norm₂(h + ffn)' : 'Norm₂(ffn)'],
    ffn_hidden: [t('diagram.ffn_hidden'), 'act(W₁ ·)'],
    ffn_out: [t('diagram.ffn_out'), t('diagram.ffn_out.formula')],
    resid_out: placement === 'pre' ? [t(on ? 'diagram.residual' : 'diagram.no_residual'), on ? 'h + ffn' : 'ffn']
      : [t('diagram.resid_out'), '= Norm₂ out'],
  };
  return names[site];
}

export function drawDiagram(container, { placement, norm, residual, site, layer, layers, t }, onSelect) {
  const order = SITE_ORDER[placement];
  const width = container.clientWidth || 800;
  const columns = width < 560 ? 4 : 8;
  const rows = order.length / columns;
  const boxW = 96, boxH = 44, gapX = 18, gapY = 30, pad = 8;
  const normName = t(`label.${norm}`);
  const svgW = columns * boxW + (columns - 1) * gapX + 2 * pad;
  const svgH = rows * boxH + (rows - 1) * gapY + 2 * pad;
  const root = select(container);
  root.selectAll('*').remove();
  const svg = root.append('svg').attr('viewBox', `0 0 ${svgW} ${svgH}`).attr('width', svgW)
    .attr('role', 'group').attr('aria-label', t('diagram.svg', { block: layer + 1, layers, placement }));
  const at = (i) => ({ x: pad + (i % columns) * (boxW + gapX), y: pad + Math.floor(i / columns) * (boxH + gapY) });
  for (let i = 0; i + 1 < order.length; i++) {
    const a = at(i), b = at(i + 1);
    const path = a.y === b.y
      ? `M${a.x + boxW},${a.y + boxH / 2}H${b.x}`
      : `M${a.x + boxW / 2},${a.y + boxH}V${a.y + boxH + gapY / 2}H${b.x + boxW / 2}V${b.y}`;
    svg.append('path').attr('class', 'wire').attr('d', path);
  }
  order.forEach((name, i) => {
    const { x, y } = at(i);
    const isNorm = name === 'attn_norm' || name === 'ffn_norm';
    const g = svg.append('g').attr('class', `node${name === site ? ' current' : ''}`)
      .attr('transform', `translate(${x},${y})`)
      .on('click', () => onSelect(name));
    g.append('rect').attr('class', `box${isNorm && norm !== 'none' ? ' norm' : ''}`)
      .attr('width', boxW).attr('height', boxH).attr('rx', 5);
    const [title, formula] = nodeLabel(name, placement, normName, residual, t);
    g.append('text').attr('x', boxW / 2).attr('y', 17).attr('text-anchor', 'middle').attr('font-weight', 600).text(title);
    g.append('text').attr('x', boxW / 2).attr('y', 33).attr('text-anchor', 'middle').attr('font-size', 10).text(formula);
    g.append('title').text(t('diagram.site', { site: name }));
  });
  // the caption is HTML, not SVG text, so a long one (German, a phone) wraps instead of running off
  root.append('p').attr('class', 'diagram-caption')
    .text(t(placement === 'pre' ? 'diagram.caption.final' : 'diagram.caption', { layer, last: layers - 1, site }));
}
