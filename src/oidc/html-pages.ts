import { appPath } from '../http/issuer-path.ts';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { asSentence, sendErrorPage, UNAVAILABLE, UNEXPECTED } from '../pages/error-page.ts';
import { languageWishesOf } from '../pages/language.ts';
import type { Views } from '../pages/views.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

interface ErrorOut {
  error?: string;
  error_description?: string;
}

const NO_STORE = 'no-store';

const NOT_THIS_WAY = { heading: pageText('error_page.client_not_allowed.heading'), message: pageText('error_page.tell_developers') };
const NOT_ACCEPTED = { heading: pageText('error_page.invalid_request.heading'), message: pageText('error_page.invalid_request.message') };
const START_AGAIN = pageText('error_page.go_back_and_start_signing_in_again');
/** A refused RP-initiated logout (unregistered post_logout_redirect_uri, bad id_token_hint) is told as a sign-out, whatever its code. */
const SIGN_OUT_REFUSED = { heading: pageText('error_page.end_session.heading'), message: pageText('error_page.end_session.message') };
/** What a person is told for each protocol error oidc-provider renders as a page; the rest get the generic line. */
const FOR_PEOPLE: Record<string, { heading: PageText; message: PageText }> = {
  invalid_client: { heading: pageText('error_page.invalid_client.heading'), message: pageText('error_page.invalid_client.message') },
  invalid_redirect_uri: { heading: pageText('error_page.invalid_redirect_uri.heading'), message: pageText('error_page.invalid_redirect_uri.message') },
  unauthorized_client: NOT_THIS_WAY,
  unsupported_response_type: NOT_THIS_WAY,
  invalid_scope: { heading: pageText('error_page.invalid_scope.heading'), message: pageText('error_page.try_again_or_tell_developers') },
  invalid_request: NOT_ACCEPTED,
  invalid_request_uri: { heading: pageText('error_page.link_expired.heading'), message: START_AGAIN },
  invalid_request_object: NOT_ACCEPTED,
  session_not_found: { heading: pageText('error_page.sign_in_expired.heading'), message: START_AGAIN },
  interaction_required: { heading: pageText('error_page.interaction_required.heading'), message: START_AGAIN },
  temporarily_unavailable: UNAVAILABLE,
};

/**
 * oidc-provider's error pages through the shared error page, in words for the person in front of
 * it; the protocol's own description stays below for the application's developers, with the code
 * and the request id. Never a stack trace.
 */
export function createRenderError(views: Views) {
  return async (ctx: KoaContextWithOIDC, out: ErrorOut, _error: Error) => {
    const unexpected = !out.error || out.error === 'server_error';
    const signOut = ctx.oidc.route === 'end_session' || ctx.oidc.route === 'end_session_confirm';
    const known = signOut ? SIGN_OUT_REFUSED : out.error && Object.hasOwn(FOR_PEOPLE, out.error) ? FOR_PEOPLE[out.error] : undefined;
    await sendErrorPage(ctx, views, {
      status: ctx.status,
      heading: unexpected ? UNEXPECTED.heading : (known?.heading ?? NOT_ACCEPTED.heading),
      message: unexpected ? UNEXPECTED.message : (known?.message ?? pageText('error_page.go_back_and_try_again')),
      detail: unexpected || !out.error_description ? undefined : asSentence(out.error_description),
      code: out.error ?? 'server_error',
    });
  };
}

export function createLogoutSource(views: Views) {
  return async (ctx: KoaContextWithOIDC, form: string) => {
    ctx.set('cache-control', NO_STORE);
    // `form` is oidc-provider's own markup (action URL and xsrf token), trusted and not escaped.
    ctx.body = await views.render('logout', { base: appPath(ctx, ''), form, clientName: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId }, languageWishesOf(ctx));
  };
}

export function createPostLogoutSuccessSource(views: Views) {
  return async (ctx: KoaContextWithOIDC) => {
    ctx.set('cache-control', NO_STORE);
    const client = ctx.oidc.client;
    // A way back: the application's home page, when it registered an https one (or loopback http).
    const home = typeof client?.clientUri === 'string' && /^(https:\/\/|http:\/\/(localhost|127\.0\.0\.1)[:/])/.test(client.clientUri) ? client.clientUri : undefined;
    ctx.body = await views.render('logged-out', { base: appPath(ctx, ''), clientName: client?.clientName ?? client?.clientId, home }, languageWishesOf(ctx));
  };
}
