import type { Context } from 'koa';
import { BASE_LANGUAGE, canonicalLanguage } from './strings.ts';

/** What a request says of the languages its person reads, best first in each. */
export interface LanguageWishes {
  /** The authorization request's `ui_locales`: language tags separated by spaces. */
  readonly uiLocales?: string | undefined;
  /** The browser's `Accept-Language` header. */
  readonly acceptLanguage?: string | undefined;
}

/** Browsers send a handful; a longer list (a header of thousands) is cut, not parsed to its end. */
const MOST_TAGS = 32;

/** `fr-CA,fr;q=0.9,en;q=0.5` → `fr-CA`, `fr`, `en`: highest q first (ties in their order), without `*` and q=0. */
export function acceptedLanguages(header: string): string[] {
  return header
    .split(',', MOST_TAGS)
    .map((part, index) => {
      const [tag = '', ...parameters] = part.split(';').map((piece) => piece.trim());
      const q = parameters.find((parameter) => /^q=/i.test(parameter));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return { tag, quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter(({ tag, quality }) => tag !== '' && tag !== '*' && quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index)
    .map(({ tag }) => tag);
}

/** The available language `tag` names, else its base language (`fr-CA` → `fr`). */
function matchAmong(tag: string, available: readonly string[]): string | undefined {
  const wanted = canonicalLanguage(tag)?.toLowerCase();
  if (!wanted) return undefined;
  const same = (language: string) => (candidate: string) => candidate.toLowerCase() === language;
  return available.find(same(wanted)) ?? available.find(same(wanted.split('-')[0]!));
}

/** The first of `ui_locales`, then of `Accept-Language`, then `defaultLanguage`, that is available; else English. */
export function chooseLanguage(wishes: LanguageWishes, available: readonly string[], defaultLanguage: string): string {
  const tags = [...(wishes.uiLocales?.split(' ', MOST_TAGS) ?? []), ...acceptedLanguages(wishes.acceptLanguage ?? ''), defaultLanguage];
  for (const tag of tags) {
    const match = matchAmong(tag, available);
    if (match) return match;
  }
  return BASE_LANGUAGE;
}

type WithParams = { readonly params?: Readonly<Record<string, unknown>> | undefined };

/**
 * The wishes of the request a page answers: `ui_locales` of the authorization request when the
 * page belongs to one (our interaction's params, or oidc-provider's own request or device code),
 * and the browser's `Accept-Language`.
 */
export function languageWishesOf(ctx: Context): LanguageWishes {
  const { interaction } = ctx.state as { interaction?: WithParams };
  const { oidc } = ctx as { oidc?: WithParams & { readonly entities?: { readonly DeviceCode?: WithParams } } };
  const uiLocales = [interaction?.params?.ui_locales, oidc?.params?.ui_locales, oidc?.entities?.DeviceCode?.params?.ui_locales].find(
    (value): value is string => typeof value === 'string',
  );
  return { uiLocales, acceptLanguage: ctx.get('accept-language') || undefined };
}
