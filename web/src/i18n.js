// i18n.js — every string the element shows comes from one table per
// language (web/src/lang/<code>/*.js, merged in lang/<code>.js); numbers are
// written with the language's decimal mark. A language is chosen by the
// `lang` field (URL `lang=de`, or the element's `lang="de"` attribute), else
// by the browser's languages, else English.
import { formatDefaultLocale, formatLocale } from 'd3-format';
import en from './lang/en.js';
import de from './lang/de.js';

export const LANGUAGES = {
  en: { name: 'English', table: en, locale: { decimal: '.', thousands: ',', grouping: [3], currency: ['$', ''], minus: '−' } },
  de: { name: 'Deutsch', table: de, locale: { decimal: ',', thousands: '.', grouping: [3], currency: ['', ' €'], minus: '−' } },
};

/**
 * A lang value as HTML writes it (de, de-AT, EN) in normscope's words: a
 * language it has, else 'auto'. The element's lang attribute is also the
 * page's statement of its content language, so one normscope lacks (fr) is
 * no error: the browser's language is used instead.
 */
export function languageOf(value) {
  if (value === null || value === undefined) return null;
  const code = String(value).trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES[code] ? code : 'auto';
}

/** The language to use: asked ('auto' or a code), else the first of the browser's we have, else English. */
export function pickLanguage(asked, browser = typeof navigator === 'undefined' ? [] : navigator.languages ?? []) {
  if (asked && asked !== 'auto' && LANGUAGES[asked]) return asked;
  for (const tag of browser) {
    const code = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES[code]) return code;
  }
  return 'en';
}

/**
 * t(key, params): the string for `key` in `code`, with {name} replaced by
 * params.name. A key missing from the table falls back to English (the
 * tests see that none is missing); a key missing everywhere shows itself.
 */
export function translator(code) {
  const table = LANGUAGES[code]?.table ?? en;
  return (key, params = {}) => {
    const text = table[key] ?? en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}

const NUMBER = format => (v) => {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '−Inf';
  return format(v);
};

/** A number as a learner of this language reads it: 4 significant digits, NaN and ±Inf spelled out. */
export function numberFormatter(code) {
  return NUMBER(formatLocale(LANGUAGES[code]?.locale ?? LANGUAGES.en.locale).format('.4~g'));
}

/**
 * Makes `code` the language of d3's axes (their tick labels) and of
 * plot.js's formatNumber. Drawing is synchronous, so an element sets it at
 * the start of each update and several elements in different languages
 * each draw with their own.
 */
let current = null;

export function useNumberLanguage(code) {
  formatDefaultLocale(LANGUAGES[code]?.locale ?? LANGUAGES.en.locale);
  current = numberFormatter(code);
}

/** formatNumber in the language last set by useNumberLanguage (English before any). */
export function formatCurrent(v) {
  return (current ??= numberFormatter('en'))(v);
}

// C's most common messages (config.c), matched whole and said again in the
// language of t; any other message from C stays in the CLI's English.
const C_MESSAGES = [
  [/^(\w+) must be an integer from (\S+) to (\S+) \(got "(.*)"\)$/s, 'c.int', ['name', 'min', 'max', 'value']],
  [/^(\w+) must be an integer from (\S+) to (\S+) or auto \(got "(.*)"\)$/s, 'c.int_auto', ['name', 'min', 'max', 'value']],
  [/^(\w+) must be a number from (\S+) to (\S+) \(got "(.*)"\)$/s, 'c.real_from', ['name', 'min', 'max', 'value']],
  [/^(\w+) is (.+): gradients and training run the unmodified model only; set (\w+) back to (\S+)$/s, 'c.intervened', ['name', 'value', 'again', 'fallback']],
  [/^(\w+) must be a number greater than (\S+) and at most (\S+) \(got "(.*)"\)$/s, 'c.real_greater', ['name', 'min', 'max', 'value']],
  [/^(\w+) must be one of: (.+) \(got "(.*)"\)$/s, 'c.choice', ['name', 'choices', 'value']],
  [/^d_model \((\d+)\) must be divisible by n_heads \((\d+)\)$/s, 'c.divisible', ['d', 'h']],
];

export function localizeMessage(message, t) {
  for (const [pattern, key, names] of C_MESSAGES) {
    const m = pattern.exec(message);
    if (m) return t(key, Object.fromEntries(names.map((n, i) => [n, m[i + 1]])));
  }
  return message;
}
