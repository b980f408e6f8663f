import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Views } from '../interactions/views.ts';
import { PAGE_CSP } from './page-policy.ts';
import { oversizedParameter, parseParameters, UnsafeParameterError, type SizeLimits } from './protocol-parameters.ts';
import { BodyTooLargeError, readAndReplayBody } from './request-body.ts';
import type { RequestThrottle } from './request-throttle.ts';

export interface GatewayDependencies {
  readonly provider: Provider;
  readonly views: Views;
  readonly limits: SizeLimits;
  /** Per client address, for the endpoints that store what they are sent (`/auth`, `/request`). */
  readonly authorizationThrottle: RequestThrottle;
}

// oidc-provider's own limit for a form body.
const MAX_FORM_BODY = 56 * 1024;
const STORING_ENDPOINTS = new Set(['/auth', '/request']);
const BROWSER_ENDPOINTS = /^\/(auth|session\/end)(\/|$)/;

interface Refusal {
  readonly status: number;
  readonly error: string;
  readonly description: string;
  readonly retryAfter?: number;
}

/** Answers a refused request the way its endpoint speaks: a page for browsers, OAuth JSON otherwise. */
async function refuse(ctx: Context, views: Views, refusal: Refusal): Promise<void> {
  ctx.status = refusal.status;
  ctx.set('cache-control', 'no-store');
  if (refusal.retryAfter) ctx.set('retry-after', String(refusal.retryAfter));
  if (BROWSER_ENDPOINTS.test(ctx.path) && ctx.method === 'GET') {
    ctx.set('content-security-policy', PAGE_CSP);
    ctx.type = 'html';
    ctx.body = await views.render('error', {
      heading: refusal.status === 429 ? 'Too many requests' : 'The sign-in request could not be completed',
      message: `${refusal.description[0]!.toUpperCase()}${refusal.description.slice(1)}. Go back to the application and try again.`,
      code: refusal.error,
    });
    return;
  }
  ctx.body = { error: refusal.error, error_description: refusal.description };
}

/**
 * What every request to oidc-provider passes first: its parameters are valid UTF-8 without control
 * characters, and the endpoints that store a request for later are bounded in size and rate, so
 * nobody can fill the store. Then the request is handed to the provider untouched.
 */
export function providerGateway(deps: GatewayDependencies): Middleware {
  const handToProvider = deps.provider.callback();
  return async function gateway(ctx) {
    let parameters;
    try {
      const body = ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded') ? await readAndReplayBody(ctx.req, MAX_FORM_BODY) : undefined;
      parameters = [...parseParameters(ctx.querystring), ...(body ? parseParameters(body) : [])];
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refuse(ctx, deps.views, { status: 413, error: 'invalid_request', description: error.message });
      if (error instanceof UnsafeParameterError) return refuse(ctx, deps.views, { status: 400, error: 'invalid_request', description: error.message });
      throw error;
    }
    if (STORING_ENDPOINTS.has(ctx.path)) {
      const tooLarge = oversizedParameter(parameters, deps.limits);
      if (tooLarge) return refuse(ctx, deps.views, { status: 400, error: 'invalid_request', description: tooLarge });
      const wait = await deps.authorizationThrottle.take(ctx.ip);
      if (wait > 0) {
        return refuse(ctx, deps.views, { status: 429, error: 'temporarily_unavailable', description: 'too many authorization requests from this address', retryAfter: wait });
      }
    }
    ctx.respond = false;
    await handToProvider(ctx.req, ctx.res);
  };
}
