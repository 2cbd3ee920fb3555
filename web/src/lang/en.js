// en.js — the English table: the union of its parts (one per group of files).
import core from './en/core.js';
import panelsA from './en/panels-a.js';
import panelsB from './en/panels-b.js';

export default { ...core, ...panelsA, ...panelsB };
