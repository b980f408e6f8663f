/**
 * Koa adapter around the framework-neutral core. Koa is only referenced for
 * types, so the module has no runtime dependency on it.
 */
import type { Middleware, ParameterizedContext } from 'koa';
import type { AuthInfo } from './auth-info.ts';
import type { RequestUrl } from './dpop.ts';
import { ResourceServerError } from './errors.ts';

/** `ctx.state` after a resource-server middleware let the request through. */
export interface ResourceServerState {
  auth: AuthInfo;
}

export type VerifyCredentials = (
  authorization: string | readonly string[] | undefined,
  dpopProof: string | readonly string[] | undefined,
  method: string,
  url: RequestUrl,
  requiredScopes: readonly string[],
) => AuthInfo | Promise<AuthInfo>;

function respond(ctx: ParameterizedContext<ResourceServerState>, error: unknown): void {
  const failure =
    error instanceof ResourceServerError
      ? error
      : new ResourceServerError('invalid_token', 'access token could not be verified', { cause: error });
  ctx.status = failure.status;
  ctx.set('WWW-Authenticate', failure.wwwAuthenticate);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = failure.toJSON();
}

/**
 * Not an async function on purpose: a cached token is accepted synchronously and
 * `next()` is called without an extra promise. Errors thrown by `next()` are not
 * caught here; they propagate to the app's error handling.
 */
export function createKoaMiddleware(verify: VerifyCredentials, scopes: readonly string[]): Middleware<ResourceServerState> {
  return function resourceServer(ctx, next) {
    const { headers } = ctx.req;
    let result: AuthInfo | Promise<AuthInfo>;
    try {
      // The raw request target, not ctx.href: ctx.href is built from the client-sent Host header.
      result = verify(headers.authorization, headers.dpop, ctx.method, ctx.originalUrl, scopes);
    } catch (error) {
      respond(ctx, error);
      return Promise.resolve();
    }
    if (result instanceof Promise) {
      return result.then(
        (auth) => {
          ctx.state.auth = auth;
          return next();
        },
        (error: unknown) => respond(ctx, error),
      );
    }
    ctx.state.auth = result;
    return next();
  };
}
