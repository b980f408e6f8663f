/**
 * `@portcullis/resource-server/koa`: Koa middleware. Koa is only referenced for types, so the
 * package has no runtime dependency on it.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import Router from '@koa/router';
 * import { createResourceServer } from '@portcullis/resource-server';
 * import { protectedResourceMetadata, requireAuth } from '@portcullis/resource-server/koa';
 *
 * const rs = createResourceServer({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
 * const router = new Router();
 * router.get('/orders', requireAuth(rs, 'orders:read'), (ctx) => {
 *   ctx.body = { user: ctx.state.auth.sub };
 * });
 * new Koa().use(protectedResourceMetadata(rs)).use(router.routes()).listen(4000);
 * ```
 */
import type { Middleware, ParameterizedContext } from 'koa';
import type { AuthInfo } from '../auth-info.ts';
import { errorAnswer, type HttpAnswer } from '../errors.ts';
import { checkScopeNames, verifierOf, type ResourceServer } from '../resource-server.ts';

/** `ctx.state` after {@link requireAuth} let the request through. */
export interface ResourceServerState {
  auth: AuthInfo;
}

function send(ctx: ParameterizedContext, answer: HttpAnswer): void {
  ctx.status = answer.status;
  ctx.set(answer.headers);
  ctx.body = answer.body === '' ? null : answer.body;
  // Koa sets text/plain for a string body unless told otherwise.
  if (answer.headers['content-type'] !== undefined) ctx.type = answer.headers['content-type'];
}

/**
 * Middleware requiring a valid access token holding every scope in `scopes` (none: any valid
 * token). On success it sets `ctx.state.auth` and calls `next()`; otherwise it answers 400 / 401
 * / 403 with `WWW-Authenticate` (naming the metadata and the scopes) and a JSON body.
 *
 * Not an async function on purpose: a cached token is accepted synchronously and `next()` is
 * called without an extra promise. Errors thrown by `next()` are not caught here.
 */
export function requireAuth(rs: ResourceServer, ...scopes: string[]): Middleware<ResourceServerState> {
  const verify = verifierOf(rs);
  const required = checkScopeNames(scopes, 'requireAuth()');
  return function resourceServer(ctx, next) {
    const { headers } = ctx.req;
    let result: AuthInfo | Promise<AuthInfo>;
    try {
      // The raw request target, not ctx.href: ctx.href is built from the client-sent Host header.
      result = verify(headers.authorization, headers.dpop, ctx.method, ctx.originalUrl, required);
    } catch (error) {
      send(ctx, errorAnswer(error));
      return Promise.resolve();
    }
    if (result instanceof Promise) {
      return result.then(
        (auth) => {
          ctx.state.auth = auth;
          return next();
        },
        (error: unknown) => send(ctx, errorAnswer(error)),
      );
    }
    ctx.state.auth = result;
    return next();
  };
}

/**
 * Middleware serving the RFC 9728 document at its paths (`/.well-known/oauth-protected-resource`
 * and the path-inserted one); every other request goes on to `next()`. Mount it before any
 * authentication.
 */
export function protectedResourceMetadata(rs: ResourceServer): Middleware {
  return function protectedResourceMetadata(ctx, next) {
    const answer = rs.metadataAnswer(ctx.method, ctx.originalUrl);
    if (answer === undefined) return next();
    send(ctx, answer);
    return Promise.resolve();
  };
}
