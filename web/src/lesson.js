// lesson.js — an example lesson page: it walks through TEACHING.md's claims by
// driving an embedded normscope (embed.html in an iframe) with postMessage.
// The protocol (README, "Drive it from a lesson page"): send
// { normscope: 1, id, type: 'set', state, reset } | 'go' | 'highlight' | 'get';
// receive { normscope: 1, type: 'reply', id, ok, errors, state, summary },
// and { type: 'change' | 'ready', state, summary } as the learner explores.

const frame = document.getElementById('scope');
const origin = new URL(frame.src, location.href).origin;  // only this frame's origin is listened to
const fmt = (v) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : String(v));
const last = (values) => values[values.length - 1];

// TEACHING.md's claims, each with the state that shows it and what to read back.
const STEPS = [
  {
    title: 'Without normalization, activations drift',
    claim: 'With no norm, the residual stream grows layer after layer until it overflows.',
    state: { norm: 'none', n_layers: 24, init_std: 0.2, panels: 'depth,checks' }, panel: 'depth',
    read: (s) => `rms of each block's output grows from ${fmt(s.residOutRms[0])} at layer 0 to ${fmt(last(s.residOutRms))} at layer ${s.residOutRms.length - 1}.`,
  },
  {
    title: 'LayerNorm: mean 0, rms 1, then γ and β',
    claim: 'LayerNorm normalizes each token over its features; the badges verify mean 0 and rms 1 on this very run.',
    state: { norm: 'layernorm', panels: 'vector,checks', site: 'attn_norm' }, panel: 'vector',
    read: (s) => `checks: rms 1 ${s.checks.norm_rms}, mean 0 ${s.checks.norm_mean}.`,
  },
  {
    title: 'RMSNorm drops the mean',
    claim: 'RMSNorm divides by the rms and never subtracts the mean: its output is not centred.',
    state: { norm: 'rmsnorm', panels: 'vector,checks', site: 'attn_norm' }, panel: 'vector',
    read: (s) => `checks: rms 1 ${s.checks.norm_rms}; mean 0 is ${s.checks.norm_mean} for RMSNorm.`,
  },
  {
    title: 'Invariance to a shift',
    claim: 'Add the same constant to every feature: LayerNorm\'s output does not move; RMSNorm\'s does.',
    state: { norm: 'rmsnorm', compare: 'norm', shift: 1.5, panels: 'vector' }, panel: 'vector',
    read: (s) => `under a shift of 1.5 × the token's rms, ${s.config.norm}'s output moved by up to ${fmt(s.shiftMoves.a)}; ` +
      `${s.compared?.norm}'s by up to ${fmt(s.shiftMoves.b)}.`,
  },
  {
    title: 'Pre-norm lets the stream grow; post-norm keeps it flat',
    claim: 'In pre-norm the residual stream itself is never normalized, so its scale grows with depth.',
    state: { compare: 'placement', n_layers: 12, init: 'xavier', panels: 'depth' }, panel: 'depth',
    read: (s) => `pre-norm: rms ${fmt(s.residOutRms[0])} → ${fmt(last(s.residOutRms))} over ${s.residOutRms.length} layers (post-norm dashed).`,
  },
  {
    title: 'Gradients at initialization (Xiong et al. 2020)',
    claim: 'Post-norm\'s gradient grows toward the output layers; pre-norm\'s does not.',
    state: { init: 'xavier', activation: 'relu', placement: 'post', compare: 'placement', grad_seeds: 6, panels: 'gradients' },
    panel: 'gradients',
    read: (s) => `FFN gradient (w2), last layer ÷ first: ${s.config.placement}-norm ${fmt(last(s.ffnGrad.a) / s.ffnGrad.a[0])}, ` +
      `${s.compared.placement}-norm ${fmt(last(s.ffnGrad.b) / s.ffnGrad.b[0])} (seed ${s.config.seed} alone; the panel shows the mean over 6 seeds).`,
  },
  {
    title: 'The residual highway',
    claim: 'Without the x + F(x) term and without norms, a deep stack loses its signal.',
    state: { residual: 'off', norm: 'none', n_layers: 12, panels: 'depth,gradients' }, panel: 'depth',
    read: (s) => `rms ${fmt(s.residOutRms[0])} at layer 0, ${fmt(last(s.residOutRms))} at the last.`,
  },
  {
    title: 'RoPE: the score depends only on the offset',
    claim: 'Rotating q and k by m·θ keeps their length, and q·k depends only on m − n.',
    state: { pos: 'rope', panels: 'rope,checks' }, panel: 'rope',
    read: (s) => `checks: ‖q‖ kept ${s.checks.rope_norm}, offset only ${s.checks.rope_offset}.`,
  },
  {
    title: 'Break a trained model on purpose',
    claim: 'Take the final norm out of a model trained on the copy task and read the logit lens.',
    state: { weights: 'copy', text: 'copy copy copy copy', remove_norm: 'final_norm', panels: 'lens,intervene,checks' },
    panel: 'lens',
    read: (s) => `next byte without the final norm: "${s.next[0].char}" (p = ${fmt(s.next[0].p)}); ` +
      `with it: "${s.unmodifiedNext.char}" (p = ${fmt(s.unmodifiedNext.p)}).`,
  },
];

let nextId = 1;
const waiting = new Map();

function send(message) {
  const id = nextId++;
  frame.contentWindow.postMessage({ normscope: 1, id, ...message }, origin);
  return new Promise((resolve) => waiting.set(id, resolve));
}

addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow || event.origin !== origin) return;  // only our frame
  const data = event.data;
  if (!data || data.normscope !== 1) return;
  if (data.type === 'reply' && waiting.has(data.id)) {
    waiting.get(data.id)(data);
    waiting.delete(data.id);
  }
  if (data.type === 'ready') document.body.dataset.ready = 'true';
});

async function show(step, item) {
  const out = item.querySelector('output');
  out.textContent = 'running…';
  const reply = await send({ type: 'set', state: step.state, reset: true });
  await send({ type: 'highlight', panel: step.panel });
  let summary = reply.summary;
  // the shipped checkpoint arrives over the network: ask until its weights are in (5 s at most)
  for (let i = 0; step.state.weights === 'copy' && summary?.weights !== 'file' && i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    summary = (await send({ type: 'get' })).summary;
  }
  out.textContent = reply.ok ? step.read(summary) : reply.errors.join(' · ');
}

const list = document.getElementById('steps');
STEPS.forEach((step, i) => {
  const item = document.createElement('li');
  const title = document.createElement('h2');
  title.textContent = step.title;
  const claim = document.createElement('p');
  claim.textContent = step.claim;
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Show me';
  button.setAttribute('aria-label', `Show me: ${step.title}`);
  const out = document.createElement('output');
  out.setAttribute('aria-live', 'polite');
  button.addEventListener('click', () => show(step, item));
  item.append(title, claim, button, out);
  item.dataset.step = String(i);
  list.append(item);
});
