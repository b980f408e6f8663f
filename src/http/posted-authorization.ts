import { appPath } from './issuer-path.ts';
import type { Context } from 'koa';

/** OIDC Core 3.1.2.1 and RP-Initiated Logout 1.0 §2: these accept GET and POST alike. */
const GET_OR_POST = new Set(['/auth', '/session/end']);

/**
 * Beyond this the parameters do not fit a URL every browser and proxy carries (a request that
 * large should be pushed through PAR).
 */
export const MOST_REDIRECTED_BYTES = 8000;

export type PostedAsGet = 'not-posted' | 'redirected' | 'too-large';

/**
 * A form POST to the authorization or logout endpoint answered with 303 See Other to the same
 * endpoint with the same parameters as a query. The browser follows it as a top-level GET, which
 * carries our SameSite=Lax session cookie, so single sign-on and `prompt=none` work as with GET;
 * oidc-provider itself would only take POST with SameSite=None cookies (ADR 0012).
 */
export function answerPostedAsGet(ctx: Context, route: string, body: Buffer | undefined): PostedAsGet {
  if (ctx.method !== 'POST' || !GET_OR_POST.has(route) || body === undefined) return 'not-posted';
  // Re-encoded, so the Location header holds nothing a header may not (the gateway checked the text).
  const parameters = [ctx.querystring, body.toString('utf8')]
    .filter(Boolean)
    .map((encoded) => new URLSearchParams(encoded).toString())
    .join('&');
  if (parameters.length > MOST_REDIRECTED_BYTES) return 'too-large';
  ctx.set('cache-control', 'no-store');
  ctx.redirect(appPath(ctx, parameters ? `${ctx.path}?${parameters}` : ctx.path));
  ctx.status = 303;
  return 'redirected';
}
