/**
 * Koa adapter around the framework-neutral core. Koa is only referenced for
 * types, so the module has no runtime dependency on it.
 */
import type { Middleware } from 'koa';
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

export function createKoaMiddleware(verify: VerifyCredentials, scopes: readonly string[]): Middleware<ResourceServerState> {
  return async function resourceServer(ctx, next) {
    const { headers } = ctx.request;
    let auth: AuthInfo;
    try {
      // ctx has `href`, read only when a DPoP proof has to be checked.
      const result = verify(headers.authorization, headers.dpop, ctx.method, ctx, scopes);
      // Cached tokens come back synchronously: no extra microtask on the hot path.
      auth = result instanceof Promise ? await result : result;
    } catch (error) {
      const failure =
        error instanceof ResourceServerError
          ? error
          : new ResourceServerError('invalid_token', 'access token could not be verified', { cause: error });
      ctx.status = failure.status;
      ctx.set('WWW-Authenticate', failure.wwwAuthenticate);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = failure.toJSON();
      return;
    }
    ctx.state.auth = auth;
    await next();
  };
}
