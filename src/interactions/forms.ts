import type { Middleware } from 'koa';
import { verifyCsrfToken } from './csrf.ts';
import type { InteractionPages } from './pages.ts';

/** The form body, after `parseCheckedForm`. */
export const formOf = (ctx: { request: { body?: unknown } }): Record<string, unknown> => (ctx.request.body ?? {}) as Record<string, unknown>;

/** Parses the form and checks its CSRF token; answers the request itself when either fails. */
export function parseCheckedForm(pages: InteractionPages): Middleware {
  // Loaded with the first form post rather than at start (idle memory).
  let parser: Promise<Middleware> | undefined;
  const formParser = () =>
    (parser ??= import('@koa/bodyparser').then(({ bodyParser }) => bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' }) as Middleware));
  return async function parseCheckedFormBody(ctx, next) {
    try {
      await (await formParser())(ctx, async () => {});
    } catch {
      return pages.error(ctx, 413, 'That request was too large', 'Go back and try again.');
    }
    if (!verifyCsrfToken(ctx, formOf(ctx).csrf)) return pages.error(ctx, 403, 'This form has expired', 'Reload the page and try again.');
    await next();
  };
}
