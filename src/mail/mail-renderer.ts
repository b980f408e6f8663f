import { fileURLToPath } from 'node:url';
import type { Eta } from 'eta';
import type { MailTemplate } from './templates.ts';
import { displayData } from './mail-data.ts';
import { chooseLanguage, type LanguageWishes } from '../pages/language.ts';
import { BASE_LANGUAGE, loadPageStrings, type PageStrings } from '../pages/strings.ts';
import { pageStringFolders, readingOverrides, VIEWS_DIR } from '../pages/views.ts';

export const MAIL_VIEWS_DIR = fileURLToPath(new URL('../../views/mail/', import.meta.url));

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface MailRenderer {
  /**
   * `views/mail/<template>.text.eta` and `.html.eta`, each inside its layout, with the product and
   * the issuer, in the language `wishes` choose (the page strings' `mail.*` keys).
   */
  render(template: MailTemplate, data: Readonly<Record<string, string>>, wishes?: LanguageWishes): Promise<RenderedMail>;
}

export interface MailRendererOptions {
  readonly viewsDir?: string | undefined;
  readonly overrideDir?: string | undefined;
  /** Where the `<lang>.json` strings are, ours first (default: views/strings/ only). */
  readonly stringsDirs?: readonly string[] | undefined;
  readonly defaultLanguage?: string | undefined;
  readonly productName: string;
  readonly issuer: string;
}

/** `verify-email` → `mail.verify_email`: where its strings are. */
const stringsPrefix = (template: MailTemplate): string => `mail.${template.replaceAll('-', '_')}`;

/** How the issuer is named in a mail: host and path, no scheme, so that it is not one more link. */
const issuerName = (issuer: string): string => {
  const url = new URL(issuer);
  return `${url.host}${url.pathname}`.replace(/\/+$/, '');
};

/**
 * Two engines over the same folder: HTML with every `<%= %>` value escaped, text with none (a
 * text body shows `<` as it is). Eta is loaded on the first mail, not at start (idle memory).
 */
export function createMailRenderer(options: MailRendererOptions): MailRenderer {
  const { viewsDir = MAIL_VIEWS_DIR, overrideDir, productName, issuer, defaultLanguage = BASE_LANGUAGE } = options;
  let engines: Promise<{ html: Eta; text: Eta }> | undefined;
  let strings: PageStrings | undefined;
  const load = async () => {
    const { Eta } = await import('eta');
    const engine = (autoEscape: boolean) =>
      readingOverrides(new Eta({ views: viewsDir, autoEscape, cache: true, autoTrim: false }), viewsDir, overrideDir);
    return { html: engine(true), text: engine(false) };
  };
  const shared = { productName, issuerName: issuerName(issuer), words: { product: productName } };
  return {
    async render(template, data, wishes = {}) {
      engines ??= load();
      strings ??= loadPageStrings(options.stringsDirs ?? pageStringFolders(VIEWS_DIR, undefined));
      const { html, text } = await engines;
      const { lang, t } = strings.translatorFor(chooseLanguage(wishes, strings.languages, defaultLanguage));
      const subject = t(`${stringsPrefix(template)}.subject`, shared.words);
      const values = { ...displayData(data), ...shared, subject, lang, t };
      return { subject, text: text.render(`${template}.text.eta`, values), html: html.render(`${template}.html.eta`, values) };
    },
  };
}
