import { fileURLToPath } from 'node:url';
import type { Eta } from 'eta';
import type { MailTemplate } from './mailer.ts';
import { displayData } from './mail-data.ts';
import { SUBJECTS } from './strings.ts';
import { readingOverrides } from '../pages/views.ts';

export const MAIL_VIEWS_DIR = fileURLToPath(new URL('../../views/mail/', import.meta.url));

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface MailRenderer {
  /** `views/mail/<template>.text.eta` and `.html.eta`, each inside its layout, with the product and the issuer. */
  render(template: MailTemplate, data: Readonly<Record<string, string>>): Promise<RenderedMail>;
}

/** How the issuer is named in a mail: host and path, no scheme, so that it is not one more link. */
const issuerName = (issuer: string): string => {
  const url = new URL(issuer);
  return `${url.host}${url.pathname}`.replace(/\/+$/, '');
};

/**
 * Two engines over the same folder: HTML with every `<%= %>` value escaped, text with none (a
 * text body shows `<` as it is). Eta is loaded on the first mail, not at start (idle memory).
 */
export function createMailRenderer({ viewsDir = MAIL_VIEWS_DIR, overrideDir, productName, issuer }: { viewsDir?: string | undefined; overrideDir?: string | undefined; productName: string; issuer: string }): MailRenderer {
  let engines: Promise<{ html: Eta; text: Eta }> | undefined;
  const load = async () => {
    const { Eta } = await import('eta');
    const engine = (autoEscape: boolean) => readingOverrides(new Eta({ views: viewsDir, autoEscape, cache: true, autoTrim: false }), viewsDir, overrideDir);
    return { html: engine(true), text: engine(false) };
  };
  const shared = { productName, issuerName: issuerName(issuer) };
  return {
    async render(template, data) {
      engines ??= load();
      const { html, text } = await engines;
      const subject = SUBJECTS[template](productName);
      const values = { ...displayData(data), ...shared, subject };
      return { subject, text: text.render(`${template}.text.eta`, values), html: html.render(`${template}.html.eta`, values) };
    },
  };
}
