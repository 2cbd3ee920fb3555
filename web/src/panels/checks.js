// checks.js — badges a learner can trust: each claim the page makes about
// softmax, the norms and RoPE, checked on this run's own numbers (C checks.c).
// The claims' texts are in the tables under checks.claim.<check>.
import { numberFormatter, translator } from '../i18n.js';

export const name = 'checks';

/** The checks, in the order the badges show them (C's names). */
export const CLAIMS = ['softmax_sum', 'norm_rms', 'norm_mean', 'rope_norm', 'rope_offset'];

// Why a check does not apply to this model, in words.
const WHY_NOT = {
  norm_rms: (c, t) => t('checks.why.norm', { norm: c.norm }),
  norm_mean: (c, t) => (c.norm === 'none' ? t('checks.why.norm', { norm: c.norm }) : t('checks.why.rmsnorm')),
  rope_norm: (c, t) => t('checks.why.pos', { pos: c.pos }),
  rope_offset: (c, t) => t('checks.why.pos', { pos: c.pos }),
};

function detail(check, key, config, t, fmt) {
  if (!check.applies) return t('checks.na', { why: WHY_NOT[key]?.(config, t) ?? t('checks.why.noRun') });
  return t(check.ok ? 'checks.worst.ok' : 'checks.worst.failed', { worst: fmt(check.worst), tolerance: fmt(check.tolerance) });
}

function badges(container, checks, config, heading, t, fmt) {
  if (heading) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = heading;
    container.append(p);
  }
  const list = document.createElement('ul');
  list.className = 'badges';
  for (const key of CLAIMS) {
    const check = checks[key];
    const claim = t(`checks.claim.${key}`);
    const state = !check.applies ? 'na' : check.ok ? 'ok' : 'failed';
    const item = document.createElement('li');
    item.className = `badge ${state}`;
    item.dataset.check = key;
    const mark = { ok: '✓', failed: '✗', na: '–' }[state];
    const why = detail(check, key, config, t, fmt);
    item.textContent = `${mark} ${claim}`;
    const small = document.createElement('small');
    small.textContent = why;
    item.append(small);
    item.setAttribute('aria-label', t(`checks.aria.${state}`, { claim, detail: why }));
    list.append(item);
  }
  container.append(list);
}

export function render(container, view, ctx = {}) {
  const t = ctx.t ?? translator('en'), fmt = ctx.fmt ?? numberFormatter('en');
  container.replaceChildren();
  badges(container, view.a, view.config, view.b ? view.labels.a : null, t, fmt);
  if (view.b) badges(container, view.b, view.config, view.labels.b, t, fmt);
}
