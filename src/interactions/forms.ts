import type { Middleware } from 'koa';
import { verifyCsrfToken } from './csrf.ts';
import type { InteractionPages } from './pages.ts';
import { pageText } from '../pages/page-text.ts';

/** The form body, after `parseCheckedForm`. */
export const formOf = (ctx: { request: { body?: unknown } }): Record<string, unknown> => (ctx.request.body ?? {}) as Record<string, unknown>;

/** Parses the form and checks its CSRF token; answers the request itself when either fails. */
export function parseCheckedForm(pages: InteractionPages, secureCookies: boolean): Middleware {
  // Loaded with the first form post rather than at start (idle memory).
  let parser: Promise<Middleware> | undefined;
  const formParser = () =>
    (parser ??= import('@koa/bodyparser').then(({ bodyParser }) => bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' }) as Middleware));
  return async function parseCheckedFormBody(ctx, next) {
    try {
      await (await formParser())(ctx, async () => {});
    } catch {
      return pages.error(ctx, 413, pageText('error_page.too_large.heading'), pageText('error_page.go_back'));
    }
    if (!verifyCsrfToken(ctx, formOf(ctx).csrf, secureCookies)) return pages.error(ctx, 403, pageText('error_page.form_expired.heading'), pageText('error_page.reload'));
    await next();
  };
}
