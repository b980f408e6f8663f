import type { KoaContextWithOIDC } from 'oidc-provider';
import { asSentence, sendErrorPage } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';

interface ErrorOut {
  error?: string;
  error_description?: string;
}

const NO_STORE = 'no-store';

/** oidc-provider's error pages through the shared error page; never a stack trace. */
export function createRenderError(views: Views) {
  return async (ctx: KoaContextWithOIDC, out: ErrorOut, _error: Error) => {
    const unexpected = !out.error || out.error === 'server_error';
    await sendErrorPage(ctx, views, {
      status: ctx.status,
      heading: unexpected ? 'Something went wrong' : 'The sign-in request could not be completed',
      message: unexpected || !out.error_description ? 'Go back to the application and try again.' : asSentence(out.error_description),
      code: out.error ?? 'server_error',
    });
  };
}

export function createLogoutSource(views: Views) {
  return async (ctx: KoaContextWithOIDC, form: string) => {
    ctx.set('cache-control', NO_STORE);
    // `form` is oidc-provider's own markup (action URL and xsrf token), trusted and not escaped.
    ctx.body = await views.render('logout', { form, clientName: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId });
  };
}

export function createPostLogoutSuccessSource(views: Views) {
  return async (ctx: KoaContextWithOIDC) => {
    ctx.set('cache-control', NO_STORE);
    ctx.body = await views.render('logged-out', { clientName: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId });
  };
}
