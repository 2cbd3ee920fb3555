// page.js — index.html's own words in the reader's language, by the rule the
// element follows (URL lang=, else the browser's languages, else English).
import { languageOf, pickLanguage } from './normscope.js';

const code = pickLanguage(languageOf(new URLSearchParams(location.search).get('lang')) ?? 'auto');
document.documentElement.lang = code;
for (const block of document.querySelectorAll('main > div[lang]')) block.hidden = block.lang !== code;
if (code === 'de') document.title = 'normscope — Normalisierung in einem Transformer bei der Arbeit zusehen';
