// messaging.js — how a lesson page drives an embedded normscope: the
// postMessage protocol for iframes (embed.html), over the element's own
// methods (setState, go, highlight, getState, summary) and its statechange
// event. Messages are accepted only from the frame's parent, and only from
// this site's origin or one the embedding URL lists (?origins=…); replies go
// to the sender's origin and change events to the allowed origins, never '*'.

/** The protocol's message kinds, in and out (README, "Drive it from a lesson"). */
export const KINDS = { in: ['set', 'go', 'highlight', 'get'], out: ['ready', 'reply', 'change'] };

/** Origins a message may come from: this site's, plus a space- or comma-separated list. */
export function allowedOrigins(list) {
  const origins = new Set([location.origin]);
  for (const item of String(list ?? '').split(/[\s,]+/).filter(Boolean)) {
    try {
      const origin = new URL(item).origin;
      if (origin !== 'null') origins.add(origin);
    } catch { /* not a URL: ignored, and said once in the console */
      console.warn(`normscope: origins: "${item.slice(0, 80)}" is not an origin such as https://course.example`);
    }
  }
  return origins;
}

/**
 * Connects `element` to its parent frame. Returns a function that
 * disconnects it. Nothing happens when the page is not in a frame.
 */
export function connectParent(element, origins) {
  if (window.parent === window) return () => {};
  const post = (message) => {
    for (const origin of origins) window.parent.postMessage({ normscope: 1, ...message }, origin);
  };
  const onMessage = (event) => {
    if (event.source !== window.parent || !origins.has(event.origin)) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.normscope !== 1 || data.type === 'reply') return;
    const reply = answer(element, data);
    event.source.postMessage({ normscope: 1, type: 'reply', id: data.id ?? null, ...reply }, event.origin);
  };
  const onChange = (event) => post({ type: 'change', state: event.detail.state, changed: event.detail.changed, summary: event.detail.summary });
  window.addEventListener('message', onMessage);
  element.addEventListener('statechange', onChange);
  post({ type: 'ready', state: element.getState(), summary: element.summary() });
  return () => {
    window.removeEventListener('message', onMessage);
    element.removeEventListener('statechange', onChange);
  };
}

// One message in, its reply out: { ok, errors, state, summary }.
function answer(element, data) {
  let result;
  switch (data.type) {
    case 'set': result = element.setState(data.state ?? {}, { reset: data.reset === true }); break;
    case 'go': result = element.go(data); break;
    case 'highlight': result = element.highlight(data.panel); break;
    case 'get': result = { ok: true, errors: [] }; break;
    default: result = { ok: false, errors: [`type must be one of: ${KINDS.in.join(', ')} (got "${String(data.type).slice(0, 40)}")`] };
  }
  return { ...result, state: element.getState(), summary: element.summary() };
}
