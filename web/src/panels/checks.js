// checks.js — badges a learner can trust: each claim the page makes about
// softmax, the norms and RoPE, checked on this run's own numbers (C checks.c).
import { formatNumber } from '../plot.js';

export const name = 'checks';
export const title = 'Checks on this run';
export const note = 'Each badge recomputes a claim from the numbers the panels show. ✓ verified, ✗ failed (a NaN counts as failed), – does not apply to this model.';

export const CLAIMS = {
  softmax_sum: 'every softmax row sums to 1',
  norm_rms: 'the normalized vector has rms 1 (up to ε) before γ/β',
  norm_mean: 'LayerNorm: the normalized vector has mean 0',
  rope_norm: 'RoPE keeps ‖q‖ and ‖k‖',
  rope_offset: 'RoPE: the score depends only on the offset',
};

const WHY_NOT = {
  norm_rms: (c) => `norm is ${c.norm}`,
  norm_mean: (c) => (c.norm === 'none' ? 'norm is none' : 'RMSNorm does not subtract the mean'),
  rope_norm: (c) => `positions are ${c.pos}`,
  rope_offset: (c) => `positions are ${c.pos}`,
};

function badges(container, checks, config, heading) {
  if (heading) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = heading;
    container.append(p);
  }
  const list = document.createElement('ul');
  list.className = 'badges';
  for (const [key, claim] of Object.entries(CLAIMS)) {
    const check = checks[key];
    const state = !check.applies ? 'na' : check.ok ? 'ok' : 'failed';
    const item = document.createElement('li');
    item.className = `badge ${state}`;
    item.dataset.check = key;
    const mark = { ok: '✓', failed: '✗', na: '–' }[state];
    const detail = !check.applies ? `n/a: ${WHY_NOT[key]?.(config) ?? 'no run'}`
      : `worst ${formatNumber(check.worst)} ${check.ok ? '≤' : 'over'} ${formatNumber(check.tolerance)}`;
    item.textContent = `${mark} ${claim}`;
    const small = document.createElement('small');
    small.textContent = detail;
    item.append(small);
    item.setAttribute('aria-label', `${{ ok: 'verified', failed: 'failed', na: 'not applicable' }[state]}: ${claim}, ${detail}`);
    list.append(item);
  }
  container.append(list);
}

export function render(container, view) {
  container.replaceChildren();
  badges(container, view.a, view.config, view.b ? view.labels.a : null);
  if (view.b) badges(container, view.b, view.config, view.labels.b);
}

