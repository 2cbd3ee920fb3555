// controls.js — the form, built from the state table: a select or a number
// box per field, toggle buttons with visible names for norm and placement,
// a slider for depth. Changes go to onChange(name, text); set() mirrors state.
import { shown } from './state.js';

// Toggle buttons with visible names (lang tables: toggle.<field> and toggle.<field>.<value>).
const TOGGLES = new Set(['norm', 'placement', 'residual']);
const SLIDERS = new Set(['n_layers']);
// Page fields that have their own place (stepper, panels) or are attributes only.
// The interventions live in their own panel, beside what they change.
const NOT_IN_FORM = new Set(['layer', 'site', 'token', 'head', 'shift', 'scale', 'panels', 'controls', 'stat', 'heat', 'grad',
  'grad_seeds', 'lens', 'skip_layer', 'zero_head', 'remove_norm', 'residual_scale']);

export function buildControls(form, fields, state, which, onChange, t) {
  // a label from the table (control.<name>), or the field's own name
  const labelOf = (name) => (t(`control.${name}`) === `control.${name}` ? name : t(`control.${name}`));
  form.replaceChildren();
  const setters = {};
  for (const field of fields) {
    if (NOT_IN_FORM.has(field.name) || !shown(which, field.name)) continue;
    if (TOGGLES.has(field.name)) {
      const set = document.createElement('fieldset');
      set.className = 'toggle';
      const legend = document.createElement('legend');
      legend.textContent = t(`toggle.${field.name}`);
      const buttons = document.createElement('div');
      buttons.className = 'buttons';
      for (const choice of field.choices) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = t(`toggle.${field.name}.${choice}`);
        b.dataset.value = choice;
        b.addEventListener('click', () => onChange(field.name, choice));
        buttons.append(b);
      }
      set.append(legend, buttons);
      form.append(set);
      setters[field.name] = (v) => buttons.querySelectorAll('button')
        .forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.value === String(v))));
      continue;
    }
    const label = document.createElement('label');
    label.title = t(`help.${field.name}`) === `help.${field.name}` ? field.help ?? '' : t(`help.${field.name}`);
    const name = document.createElement('span');
    name.textContent = labelOf(field.name);
    let control, output = null;
    if (field.kind === 'text') {
      label.className = 'text';
      control = document.createElement('textarea');
      control.rows = 2;
      control.spellcheck = false;
    } else if (field.kind === 'choice') {
      control = document.createElement('select');
      for (const choice of field.choices)
        control.append(new Option(field.name === 'lang' ? t(choice === 'auto' ? 'lang.auto' : `lang.name.${choice}`) : choice, choice));
    } else if (SLIDERS.has(field.name)) {
      control = document.createElement('input');
      control.type = 'range';
      control.min = field.min;
      control.max = field.max;
      output = document.createElement('output');
      control.addEventListener('input', () => { output.textContent = control.value; });
      name.append(': ', output);
    } else {
      control = document.createElement('input');
      control.type = field.kind === 'u64' || field.default === 'auto' ? 'text' : 'number';
      if (control.type === 'number') {
        if (field.kind === 'int') control.step = '1';
        else control.step = 'any';
      } else control.size = 8;
    }
    control.name = field.name;
    // a slider reports while dragging (live) and once on release
    control.addEventListener('input', () => onChange(field.name, control.value, { live: control.type === 'range' }));
    if (control.type === 'range') control.addEventListener('change', () => onChange(field.name, control.value, { live: false }));
    label.append(name, control);
    form.append(label);
    setters[field.name] = (v) => {
      if (control.value !== String(v)) control.value = String(v);
      if (output) output.textContent = String(v);
    };
  }
  const set = (values) => {
    for (const [name, setter] of Object.entries(setters)) setter(values[name]);
  };
  set(state);
  return set;
}
