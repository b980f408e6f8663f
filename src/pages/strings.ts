import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The language every string exists in: the others fall back to it, key by key. */
export const BASE_LANGUAGE = 'en';

/** `{name}` in a string: a value the template gives. */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;
/** `en`, `fr`, `pt-BR`: the shape of a BCP 47 language tag (Intl checks the rest). */
const LANGUAGE_TAG = /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i;
/** `en.json`, `fr.json`, `pt-BR.json`: a language tag, then `.json`. */
const LANGUAGE_FILE = /^([a-z]{2,3}(?:-[a-z0-9]{1,8})*)\.json$/i;

/** `pt-br` → `pt-BR`; undefined for what is no language tag. */
export function canonicalLanguage(tag: string): string | undefined {
  if (!LANGUAGE_TAG.test(tag)) return undefined;
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}
/** Strings whose key ends so are HTML (their own markup kept, values escaped); all others are text. */
const HTML_KEY = /_html$/;
/**
 * `key.one`, `key.other`, …: the plural forms of `key`, one chosen by its `count` value (Intl.PluralRules
 * of the language). English has `.one` and `.other`; a translation may add the forms its language has.
 */
const PLURAL_FORM = /^(.+)\.(zero|one|two|few|many|other)$/;

export type StringValues = Readonly<Record<string, unknown>>;

/** The page strings in one language, as templates get them. */
export interface Translator {
  /** The language tag the strings are in, for `<html lang>`. */
  readonly lang: string;
  /** A text string with its values inserted, for `<%= %>` (which escapes the whole). */
  readonly t: (key: string, values?: StringValues) => string;
  /** A `…_html` string: its own markup kept, every value escaped; for `<%~ %>`. */
  readonly tHtml: (key: string, values?: StringValues) => string;
}

export interface PageStrings {
  /** Every language with a strings file, ours or the override folder's. */
  readonly languages: readonly string[];
  translatorFor(language: string): Translator;
}

type StringTable = Readonly<Record<string, string>>;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** The same escaping as Eta's `<%= %>`. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

const ownString = (table: StringTable, key: string): string | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);
const placeholdersOf = (text: string): Set<string> => new Set(Array.from(text.matchAll(PLACEHOLDER), (match) => match[1]!));

function readTable(file: string): StringTable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`page strings ${file}: not readable JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`page strings ${file}: not a JSON object of strings`);
  for (const [key, value] of Object.entries(parsed))
    if (typeof value !== 'string') throw new Error(`page strings ${file}: "${key}" is not a string`);
  return parsed as StringTable;
}

/** The `<lang>.json` files of a folder, by language tag; none when there is no folder. */
function readFolder(dir: string): Map<string, StringTable> {
  const tables = new Map<string, StringTable>();
  if (!existsSync(dir)) return tables;
  for (const name of readdirSync(dir).sort()) {
    const tag = LANGUAGE_FILE.exec(name)?.[1];
    const language = tag && canonicalLanguage(tag);
    if (language) tables.set(language, { ...tables.get(language), ...readTable(join(dir, name)) });
  }
  return tables;
}

/**
 * Only what English has, with no placeholder English does not have (so no translation can ask
 * a template for a value it does not give); anything else is left out and English shows instead.
 */
function keepingWhatEnglishHas(table: StringTable, english: StringTable): StringTable {
  return Object.fromEntries(
    Object.entries(table).filter(([key, text]) => {
      const allowed = placeholdersAllowed(key, english);
      return allowed !== undefined && [...placeholdersOf(text)].every((name) => allowed.has(name));
    }),
  );
}

/** The placeholders English gives `key`; for a plural form, those of its English forms. Undefined: English has no such key. */
function placeholdersAllowed(key: string, english: StringTable): Set<string> | undefined {
  const own = ownString(english, key);
  if (own !== undefined) return placeholdersOf(own);
  const base = PLURAL_FORM.exec(key)?.[1];
  if (base === undefined || ownString(english, `${base}.other`) === undefined) return undefined;
  const forms = Object.keys(english).filter((candidate) => PLURAL_FORM.exec(candidate)?.[1] === base);
  return new Set(forms.flatMap((form) => [...placeholdersOf(english[form]!)]));
}

function insert(key: string, text: string, values: StringValues, escape: (text: string) => string): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    if (!Object.hasOwn(values, name)) throw new Error(`page string "${key}" needs a value for {${name}}`);
    return escape(String(values[name]));
  });
}

/** The plural form of `key` for `count` in `table` (its language's rules), else its `.other`. */
function pluralForm(table: StringTable, language: string, key: string, count: unknown): string | undefined {
  if (typeof count !== 'number') return undefined;
  return ownString(table, `${key}.${new Intl.PluralRules(language).select(count)}`) ?? ownString(table, `${key}.other`);
}

function translator(lang: string, table: StringTable, english: StringTable): Translator {
  const lookup = (key: string, values: StringValues): string => {
    const text =
      ownString(table, key) ??
      ownString(english, key) ??
      pluralForm(table, lang, key, values.count) ??
      pluralForm(english, BASE_LANGUAGE, key, values.count);
    if (text === undefined) throw new Error(`page string "${key}" is not in ${BASE_LANGUAGE}.json`);
    return text;
  };
  return {
    lang,
    t(key, values = {}) {
      if (HTML_KEY.test(key)) throw new Error(`page string "${key}" is HTML: use tHtml with <%~ %>`);
      return insert(key, lookup(key, values), values, (text) => text);
    },
    tHtml(key, values = {}) {
      if (!HTML_KEY.test(key)) throw new Error(`page string "${key}" is text: use t with <%= %>`);
      return insert(key, lookup(key, values), values, escapeHtml);
    },
  };
}

/**
 * The strings of `dirs` (ours first, then the override folder's), merged per language: a later
 * file replaces the strings it has. Our English must be complete; every other file may have some.
 */
export function loadPageStrings(dirs: readonly string[]): PageStrings {
  const [ours, ...overrides] = dirs.map(readFolder);
  const ownEnglish = ours?.get(BASE_LANGUAGE);
  if (!ownEnglish) throw new Error(`page strings: no ${BASE_LANGUAGE}.json in ${dirs[0]}`);
  const merged = new Map<string, StringTable>();
  for (const folder of [ours!, ...overrides])
    for (const [language, table] of folder) merged.set(language, { ...merged.get(language), ...keepingWhatEnglishHas(table, ownEnglish) });
  const english = merged.get(BASE_LANGUAGE)!;
  const translators = new Map([...merged].map(([language, table]) => [language, translator(language, table, english)]));
  return {
    languages: [...translators.keys()],
    translatorFor: (language) => translators.get(language) ?? translators.get(BASE_LANGUAGE)!,
  };
}
