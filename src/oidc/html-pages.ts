import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Views } from '../pages/views.ts';

interface ErrorOut {
  error?: string;
  error_description?: string;
}

const NO_STORE = 'no-store';

const sentence = (text: string | undefined) => (text ? `${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}` : undefined);

/** Friendly HTML instead of oidc-provider's default error page; never a stack trace. */
export function createRenderError(views: Views) {
  return async (ctx: KoaContextWithOIDC, out: ErrorOut, _error: Error) => {
    ctx.type = 'html';
    ctx.set('cache-control', NO_STORE);
    ctx.body = await views.render('error', {
      heading: 'The sign-in request could not be completed',
      message: sentence(out.error_description) ?? 'The request was invalid. Go back to the application and try again.',
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
