import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Eta } from 'eta';
import type { Branding } from '../config/config.ts';
import { chooseLanguage, type LanguageWishes } from './language.ts';
import { isPageText, putIntoWords, type Wording } from './page-text.ts';
import { BASE_LANGUAGE, loadPageStrings, type PageStrings, type Translator } from './strings.ts';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export interface Views {
  /**
   * Renders `views/<name>.eta` inside the layout; every `<%= %>` value is HTML-escaped. The page is
   * in the language `wishes` choose among those with strings (docs/branding.md); none: the default.
   * Every PageText in `data` is put into words in that language.
   */
  render(name: string, data: Record<string, unknown>, wishes?: LanguageWishes): Promise<string>;
  /** One Wording in words, in the language `wishes` choose, without a page (a JSON answer a page's script shows). */
  words(wording: Wording, wishes?: LanguageWishes): Promise<string>;
}

export const DEFAULT_BRANDING: Branding = { productName: 'Portcullis', logoUrl: undefined, accentColor: '#3b5bdb', supportUrl: undefined };

export interface ViewOptions {
  readonly cache?: boolean;
  /** A folder whose templates replace ours of the same relative name (layout.eta, login.eta, mail/…). */
  readonly overrideDir?: string | undefined;
  /** Given to every template as `it.brand`. */
  readonly brand?: Branding;
  /** The language of a page when the request names none we have strings for. */
  readonly defaultLanguage?: string;
}

/** Where the `<lang>.json` page strings are: ours first, then the override folder's. */
export const pageStringFolders = (dir: string, overrideDir: string | undefined): string[] => [join(dir, 'strings'), ...(overrideDir ? [join(overrideDir, 'strings')] : [])];

/** Paths resolve inside `dir` as usual; a file of the same relative name in `overrideDir` is read instead. */
export function readingOverrides(eta: Eta, dir: string, overrideDir: string | undefined): Eta {
  if (!overrideDir) return eta;
  const ownRead = eta.readFile;
  eta.readFile = (path: string) => {
    const replacement = join(overrideDir, relative(dir, path));
    return existsSync(replacement) ? readFileSync(replacement, 'utf8') : ownRead.call(eta, path);
  };
  return eta;
}

/**
 * The template engine and the strings (`strings/<lang>.json`, ours and the override folder's) are
 * loaded on the first page rendered, not at start (idle memory). Every template gets `it.lang`,
 * `it.t` and `it.tHtml` (src/pages/strings.ts) besides `it.brand`.
 */
export function createViews(
  dir = VIEWS_DIR,
  { cache = true, overrideDir, brand = DEFAULT_BRANDING, defaultLanguage = BASE_LANGUAGE }: ViewOptions = {},
): Views {
  let engine: Promise<Eta> | undefined;
  let strings: PageStrings | undefined;
  const load = async () => {
    const { Eta } = await import('eta');
    return readingOverrides(new Eta({ views: dir, autoEscape: true, cache, autoTrim: false }), dir, overrideDir);
  };
  const stringFolders = pageStringFolders(dir, overrideDir);
  const translatorFor = (wishes: LanguageWishes) => {
    strings ??= loadPageStrings(stringFolders);
    return strings.translatorFor(chooseLanguage(wishes, strings.languages, defaultLanguage));
  };
  // Code's sentences may name the product ({product}) without passing it.
  const withProduct = (t: Translator['t']): Translator['t'] => (key, values) => t(key, { product: brand.productName, ...values });
  return {
    async render(name, data, wishes = {}) {
      engine ??= load();
      const { lang, t, tHtml } = translatorFor(wishes);
      return (await engine).render(name, { brand, base: '', ...putIntoWords(data, { t: withProduct(t) }), lang, t, tHtml });
    },
    async words(wording, wishes = {}) {
      return isPageText(wording) ? withProduct(translatorFor(wishes).t)(wording.key, wording.values) : wording;
    },
  };
}
