// de.js — the German table: the union of its parts (one per group of files).
import core from './de/core.js';
import panelsA from './de/panels-a.js';
import panelsB from './de/panels-b.js';

export default { ...core, ...panelsA, ...panelsB };
