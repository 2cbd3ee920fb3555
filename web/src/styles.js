// styles.js — the element's styles, scoped to its shadow root so the host
// page's look is untouched (and the host's CSS does not reach in).
export const STYLES = `
:host { display: block; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b;
  --accent: #0072B2; --muted: #5b5b5b; --line: #dcdcdc; --bad: #a40000; container-type: inline-size; }
* { box-sizing: border-box; }
.ns { display: flex; flex-direction: column; gap: .75rem; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem; }
header h2 { font-size: 1.15rem; margin: 0; }
header .status { color: var(--muted); font-size: .85rem; font-variant-numeric: tabular-nums; }
.message { color: var(--bad); background: #fff3f3; border: 1px solid #f0c4c4; border-radius: 4px; padding: .35rem .6rem; }
.message:empty { display: none; }
form.controls { display: flex; flex-wrap: wrap; gap: .5rem .9rem; align-items: flex-end; }
form.controls label { display: flex; flex-direction: column; font-size: .75rem; color: var(--muted); gap: .1rem; }
form.controls label.text { flex: 1 1 100%; }
form.controls input, form.controls select, form.controls textarea { font: inherit; font-size: .9rem; padding: .2rem .3rem;
  border: 1px solid #b8b8b8; border-radius: 3px; background: #fff; color: #1b1b1b; }
form.controls input[type=number] { width: 6.2rem; }
form.controls textarea { width: 100%; resize: vertical; min-height: 2.2rem; }
fieldset.toggle { border: 0; padding: 0; margin: 0; display: flex; flex-direction: column; gap: .1rem; }
fieldset.toggle legend { font-size: .75rem; color: var(--muted); padding: 0; }
fieldset.toggle .buttons { display: flex; }
fieldset.toggle button { font: inherit; font-size: .85rem; padding: .2rem .55rem; border: 1px solid #8a8a8a; background: #fff;
  color: #1b1b1b; cursor: pointer; }
fieldset.toggle button + button { border-left: 0; }
fieldset.toggle button[aria-pressed=true] { background: var(--accent); color: #fff; border-color: var(--accent); }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #E69F00; outline-offset: 1px; }
.stepper { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
.stepper button, .actions button, .panel-head button { font: inherit; font-size: .85rem; padding: .25rem .6rem; border: 1px solid #8a8a8a;
  border-radius: 3px; background: #fafafa; color: #1b1b1b; cursor: pointer; }
.stepper .where { font-variant-numeric: tabular-nums; }
.diagram svg { display: block; max-width: 100%; height: auto; }
.diagram .box { fill: #fff; stroke: #8a8a8a; }
.diagram .box.norm { fill: #eaf3fa; stroke: var(--accent); }
.diagram .node { cursor: pointer; }
.diagram .node.current .box { stroke: #E69F00; stroke-width: 3; }
.diagram text { font-size: 12px; fill: #1b1b1b; pointer-events: none; }
.diagram .wire { stroke: #8a8a8a; fill: none; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); gap: 1rem; }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .7rem; min-width: 0; background: #fff; }
.panel.wide { grid-column: 1 / -1; }
.panel.highlight { outline: 3px solid #E69F00; outline-offset: 2px; }
.panel-head { display: flex; align-items: baseline; gap: .5rem; flex-wrap: wrap; }
.panel-head h3 { font-size: 1rem; margin: 0; flex: 1; }
.panel-head button { font-size: .75rem; padding: .1rem .4rem; }
.panel .note { color: var(--muted); font-size: .8rem; margin: .2rem 0 .4rem; }
.panel .summary { font-size: .82rem; margin: 0 0 .3rem; font-variant-numeric: tabular-nums; }
:focus-visible { outline: 3px solid #E69F00; outline-offset: 2px; }
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; scroll-behavior: auto !important; } }
.panel .plot { width: 100%; overflow-x: auto; }
.panel .plot svg, .panel .plot canvas { display: block; max-width: 100%; height: auto; }
.panel .sub { display: flex; flex-wrap: wrap; gap: .4rem 1rem; font-size: .8rem; align-items: center; }
.panel .sub label { display: flex; gap: .3rem; align-items: center; }
.panel .plots { display: flex; flex-wrap: wrap; gap: 16px; }
.panel .plots .plot { width: auto; flex: 1 1 0; min-width: 0; }
.panel .plots.stacked { flex-direction: column; }
.panel .plots.stacked .plot { flex: none; width: 100%; }
.panel .caveat { font-size: .8rem; background: #fff8e5; border-left: 3px solid #E69F00; padding: .25rem .5rem; margin: .3rem 0; }
.panel .trend, .panel .seeds-note { font-size: .8rem; margin: .2rem 0 0; font-variant-numeric: tabular-nums; }
.panel .presets a { color: var(--accent); cursor: pointer; text-decoration: underline; }
.panel .train-buttons { display: flex; gap: .3rem; }
.panel .train-buttons button { font: inherit; font-size: .9rem; padding: .25rem .8rem; border: 1px solid #8a8a8a; border-radius: 3px;
  background: #fafafa; color: #1b1b1b; cursor: pointer; }
.panel .train-buttons button[aria-pressed=true] { background: var(--accent); color: #fff; border-color: var(--accent); }
.panel form.train-fields { gap: .3rem .7rem; }
.panel .train-status { font-size: .85rem; margin: .3rem 0; font-variant-numeric: tabular-nums; }
.panel .samples p { margin: .15rem 0; font-size: .85rem; }
.panel .samples code { font: 13px/1.4 ui-monospace, monospace; }
.panel .samples .prompt { color: var(--muted); }
.panel .samples .continuation { font-weight: 700; }
.panel .samples .right { color: #009E73; }
.panel .samples .wrong { color: var(--muted); }
.diagram-caption { font-size: 11px; color: #5b5b5b; margin: 0 0 .3rem 8px; }
.panel .scroll-x { overflow-x: auto; max-width: 100%; }
.panel .badges { list-style: none; padding: 0; margin: .2rem 0; display: flex; flex-wrap: wrap; gap: .35rem; }
.panel .badge { border: 1px solid; border-radius: 4px; padding: .2rem .45rem; font-size: .82rem; display: flex; flex-direction: column; }
.panel .badge small { font-size: .72rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.panel .badge.ok { border-color: #009E73; background: #eef8f4; }
.panel .badge.failed { border-color: var(--bad); background: #fdeeee; font-weight: 600; }
.panel .badge.na { border-color: var(--line); color: var(--muted); }
.panel .pair { display: flex; flex-wrap: wrap; gap: 8px 24px; }
.panel .pair .plot { width: auto; max-width: 100%; }
.panel .outlier-list { font-size: .8rem; margin: .2rem 0; font-variant-numeric: tabular-nums; }
.panel .intervene-controls { display: flex; flex-wrap: wrap; gap: .4rem 1rem; font-size: .85rem; align-items: end; margin-bottom: .3rem; }
.panel .intervene-controls label { display: flex; flex-direction: column; gap: .1rem; }
.panel .intervene-controls input { width: 5rem; }
.panel .inline-error { color: var(--bad); font-size: .8rem; flex-basis: 100%; }
.panel .inline-error:empty { display: none; }
.plot-title { font-size: 12px; font-weight: 600; fill: #1b1b1b; }
.readout { font-size: .8rem; color: #1b1b1b; min-height: 1.2em; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem .8rem; font-size: .78rem; }
.legend .swatch { display: inline-block; width: 18px; height: 0; border-top: 3px solid; margin-right: .3rem; vertical-align: middle; }
.legend .swatch.dashed { border-top-style: dashed; }
svg text { font-family: inherit; }
.axis text { font-size: 11px; fill: #333; }
.axis path, .axis line { stroke: #9a9a9a; }
.axis-label { font-size: 11px; fill: #444; }
.grid line { stroke: #eee; }
.bad-value { fill: var(--bad); font-size: 11px; font-weight: 600; }
footer { display: flex; flex-direction: column; gap: .5rem; border-top: 1px solid var(--line); padding-top: .6rem; font-size: .85rem; }
footer .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
footer .drop { border: 2px dashed #b8b8b8; border-radius: 6px; padding: .5rem; color: var(--muted); }
footer .drop.over { border-color: var(--accent); color: var(--accent); }
footer textarea { width: 100%; font: 12px/1.4 ui-monospace, monospace; min-height: 2.4rem; }
footer textarea.snippet { min-height: 6rem; }
footer label { display: flex; flex-direction: column; gap: .15rem; color: var(--muted); font-size: .78rem; }
@container (max-width: 520px) {
  form.controls input[type=number] { width: 4.8rem; }
  .panels { grid-template-columns: 1fr; }
}
`;
