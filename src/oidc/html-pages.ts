import type { KoaContextWithOIDC } from 'oidc-provider';
import { asSentence, sendErrorPage } from '../pages/error-page.ts';
import { languageWishesOf } from '../pages/language.ts';
import type { Views } from '../pages/views.ts';

interface ErrorOut {
  error?: string;
  error_description?: string;
}

const NO_STORE = 'no-store';

/** What a person is told for each protocol error oidc-provider renders as a page; the rest get the generic line. */
const FOR_PEOPLE: Record<string, { heading: string; message: string }> = {
  invalid_client: { heading: 'This application is not known here', message: 'The application you came from is not registered with this sign-in service, or no longer is. Tell its developers.' },
  invalid_redirect_uri: {
    heading: 'We stopped here to protect you',
    message: 'The application asked to send you back to an address it has not registered, so you were not sent anywhere. Go back to the application and try again, or tell its developers.',
  },
  unauthorized_client: { heading: 'This application may not sign you in this way', message: 'Tell the application’s developers.' },
  unsupported_response_type: { heading: 'This application may not sign you in this way', message: 'Tell the application’s developers.' },
  invalid_scope: { heading: 'The application asked for access it may not have', message: 'Go back to the application and try again, or tell its developers.' },
  invalid_request: { heading: 'The sign-in request could not be completed', message: 'The application sent a request this service cannot accept. Go back to the application and try again.' },
  invalid_request_uri: { heading: 'This sign-in link has expired', message: 'Go back to the application and start signing in again.' },
  invalid_request_object: { heading: 'The sign-in request could not be completed', message: 'The application sent a request this service cannot accept. Go back to the application and try again.' },
  session_not_found: { heading: 'This sign-in has expired', message: 'Go back to the application and start signing in again.' },
  interaction_required: { heading: 'You need to sign in', message: 'Go back to the application and start signing in again.' },
  temporarily_unavailable: { heading: 'Sign-in is temporarily unavailable', message: 'Please try again in a moment.' },
};

/**
 * oidc-provider's error pages through the shared error page, in words for the person in front of
 * it; the protocol's own description stays below for the application's developers, with the code
 * and the request id. Never a stack trace.
 */
export function createRenderError(views: Views) {
  return async (ctx: KoaContextWithOIDC, out: ErrorOut, _error: Error) => {
    const unexpected = !out.error || out.error === 'server_error';
    const known = out.error ? FOR_PEOPLE[out.error] : undefined;
    await sendErrorPage(ctx, views, {
      status: ctx.status,
      heading: unexpected ? 'Something went wrong' : (known?.heading ?? 'The sign-in request could not be completed'),
      message: unexpected ? 'This is a fault on our side, not yours. Please try again; if it keeps happening, tell the support team the request id below.' : (known?.message ?? 'Go back to the application and try again.'),
      detail: unexpected || !out.error_description ? undefined : asSentence(out.error_description),
      code: out.error ?? 'server_error',
    });
  };
}

export function createLogoutSource(views: Views) {
  return async (ctx: KoaContextWithOIDC, form: string) => {
    ctx.set('cache-control', NO_STORE);
    // `form` is oidc-provider's own markup (action URL and xsrf token), trusted and not escaped.
    ctx.body = await views.render('logout', { form, clientName: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId }, languageWishesOf(ctx));
  };
}

export function createPostLogoutSuccessSource(views: Views) {
  return async (ctx: KoaContextWithOIDC) => {
    ctx.set('cache-control', NO_STORE);
    const client = ctx.oidc.client;
    // A way back: the application's home page, when it registered an https one (or loopback http).
    const home = typeof client?.clientUri === 'string' && /^(https:\/\/|http:\/\/(localhost|127\.0\.0\.1)[:/])/.test(client.clientUri) ? client.clientUri : undefined;
    ctx.body = await views.render('logged-out', { clientName: client?.clientName ?? client?.clientId, home }, languageWishesOf(ctx));
  };
}
