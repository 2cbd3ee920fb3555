// normscope.js — the one script a page includes. In a browser it defines
// <norm-scope>; in Node it is just the engine. Both export NormScope.
export { NormScope, Model, Run } from './engine.js';
export { languageOf, pickLanguage } from './i18n.js';

if (typeof customElements !== 'undefined') {
  const { defineNormScope } = await import('./element.js');
  await defineNormScope();
}
