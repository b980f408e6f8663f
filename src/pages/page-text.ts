import type { StringValues, Translator } from './strings.ts';

const PAGE_TEXT = Symbol('page text');

/**
 * A sentence that code (not a template) puts on a page: the key of a page string and its values.
 * Views translate it into the page's language when they render (views/strings/<lang>.json).
 */
export interface PageText {
  readonly [PAGE_TEXT]: true;
  readonly key: string;
  readonly values: StringValues;
}

/** What a page is told: a page string to translate, or text given as it is (a developer's detail). */
export type Wording = PageText | string;

export const pageText = (key: string, values: StringValues = {}): PageText => ({ [PAGE_TEXT]: true, key, values });

export const isPageText = (value: unknown): value is PageText => typeof value === 'object' && value !== null && PAGE_TEXT in value;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** Template data with every PageText in it (also inside plain objects and arrays) put into words. */
export function putIntoWords<T>(value: T, translator: Pick<Translator, 't'>): T {
  if (isPageText(value)) return translator.t(value.key, value.values) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => putIntoWords(item, translator)) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, putIntoWords(item, translator)])) as T;
  return value;
}
