/**
 * `@portcullis/resource-server/express`: Express (4 and 5) middleware. Typed structurally on
 * Node's request and response: no runtime dependency on Express, and no need for its types.
 *
 * @example
 * ```js
 * import express from 'express';
 * import { createResourceServer } from '@portcullis/resource-server';
 * import { protectedResourceMetadata, requireAuth } from '@portcullis/resource-server/express';
 *
 * const rs = createResourceServer({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
 * const app = express();
 * app.use(protectedResourceMetadata(rs));
 * app.get('/orders', requireAuth(rs, 'orders:read'), (req, res) => res.json({ user: req.auth.sub }));
 * app.listen(4000);
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '../auth-info.ts';
import { errorAnswer, type HttpAnswer } from '../errors.ts';
import { checkScopeNames, verifierOf, type ResourceServer } from '../resource-server.ts';

/**
 * An Express request, as far as this adapter reads it. (It declares no `auth`: the MCP SDK's
 * types declare Express's `req.auth` as the SDK's own `AuthInfo`, and the two must not clash.)
 */
export interface ExpressLikeRequest extends IncomingMessage {
  /** The URL before any `app.use('/prefix', …)` mount stripped its prefix (Express sets it). */
  originalUrl?: string;
}

/** A request that went through {@link requireAuth}: `req.auth` holds the {@link AuthInfo}. */
export interface AuthenticatedRequest extends ExpressLikeRequest {
  auth: AuthInfo;
}

/**
 * `req.auth` with its type, for TypeScript handlers: `res.json({ user: authOf(req).sub })`.
 * @throws {Error} when {@link requireAuth} did not run for this request.
 */
export function authOf(req: object): AuthInfo {
  const { auth } = req as Partial<AuthenticatedRequest>;
  if (auth === undefined) throw new Error('resource-server: no req.auth; is requireAuth() in front of this handler?');
  return auth;
}

export type ExpressLikeNext = (error?: unknown) => void;

export type ExpressLikeMiddleware = (req: ExpressLikeRequest, res: ServerResponse, next: ExpressLikeNext) => void;

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(answer.body === '' ? undefined : answer.body);
}

/**
 * Middleware requiring a valid access token holding every scope in `scopes` (none: any valid
 * token). On success it sets `req.auth` ({@link AuthInfo}; typed: {@link authOf}) and calls `next()`; otherwise it
 * answers 400 / 401 / 403 with `WWW-Authenticate` (naming the metadata and the scopes) and a
 * JSON body.
 *
 * With the MCP SDK (whose types declare `req.auth` as its own `AuthInfo`), use
 * `@portcullis/resource-server/mcp` with the SDK's `requireBearerAuth` instead.
 */
export function requireAuth(rs: ResourceServer, ...scopes: string[]): ExpressLikeMiddleware {
  const verify = verifierOf(rs);
  const required = checkScopeNames(scopes, 'requireAuth()');
  return function resourceServer(req, res, next) {
    let result: AuthInfo | Promise<AuthInfo>;
    try {
      // originalUrl: DPoP's htu names the path the client called, mount prefix included.
      result = verify(req.headers.authorization, req.headers.dpop, req.method ?? 'GET', req.originalUrl ?? req.url ?? '/', required);
    } catch (error) {
      send(res, errorAnswer(error));
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (auth) => {
          (req as AuthenticatedRequest).auth = auth;
          next();
        },
        (error: unknown) => send(res, errorAnswer(error)),
      );
      return;
    }
    (req as AuthenticatedRequest).auth = result;
    next();
  };
}

/**
 * Middleware serving the RFC 9728 document at its paths (`/.well-known/oauth-protected-resource`
 * and the path-inserted one); every other request goes on to `next()`. Mount it at the app's
 * root (`app.use(protectedResourceMetadata(rs))`), before any authentication.
 */
export function protectedResourceMetadata(rs: ResourceServer): ExpressLikeMiddleware {
  return function protectedResourceMetadata(req, res, next) {
    const answer = rs.metadataAnswer(req.method ?? 'GET', req.originalUrl ?? req.url ?? '/');
    if (answer === undefined) next();
    else send(res, answer);
  };
}
