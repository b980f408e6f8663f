/**
 * `@portcullis/resource-server/fastify`: a Fastify (4 and 5) `preHandler` hook and a plugin
 * serving the metadata. Typed structurally: no runtime dependency on Fastify.
 *
 * @example
 * ```js
 * import Fastify from 'fastify';
 * import { createResourceServer } from '@portcullis/resource-server';
 * import { protectedResourceMetadata, requireAuth } from '@portcullis/resource-server/fastify';
 *
 * const rs = createResourceServer({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
 * const app = Fastify();
 * await app.register(protectedResourceMetadata(rs));
 * app.get('/orders', { preHandler: requireAuth(rs, 'orders:read') }, async (request) => ({ user: request.auth.sub }));
 * await app.listen({ port: 4000 });
 * ```
 */
import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '../auth-info.ts';
import { errorAnswer, type HttpAnswer } from '../errors.ts';
import { checkScopeNames, verifierOf, type ResourceServer } from '../resource-server.ts';

/** A Fastify request, as far as this adapter reads and writes it. */
export interface FastifyLikeRequest {
  /** Node's request: its `url` is the target the client sent, route prefixes included. */
  readonly raw: IncomingMessage;
  /** Set by {@link requireAuth} once the request is authorized. */
  auth?: AuthInfo;
}

/** A Fastify reply, as far as this adapter uses it. */
export interface FastifyLikeReply {
  code(statusCode: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(payload?: string): FastifyLikeReply;
}

/**
 * `request.auth` with its type, for TypeScript handlers: `({ user: authOf(request).sub })`.
 * @throws {Error} when {@link requireAuth} did not run for this request.
 */
export function authOf(request: object): AuthInfo {
  const { auth } = request as FastifyLikeRequest;
  if (auth === undefined) throw new Error('resource-server: no request.auth; is requireAuth() a preHandler of this route?');
  return auth;
}

export type FastifyLikeDone = (error?: Error) => void;

/** A callback-style `preHandler` (or `onRequest`) hook. */
export type FastifyLikeHook = (request: FastifyLikeRequest, reply: FastifyLikeReply, done: FastifyLikeDone) => void;

export type FastifyLikeHandler = (request: FastifyLikeRequest, reply: FastifyLikeReply) => void;

/** The part of a Fastify instance the metadata plugin uses. */
export interface FastifyLikeInstance {
  get(path: string, handler: FastifyLikeHandler): unknown;
  options(path: string, handler: FastifyLikeHandler): unknown;
}

/** A Fastify plugin (callback style), for `app.register()`. */
export type FastifyLikePlugin = (instance: FastifyLikeInstance, options: unknown, done: FastifyLikeDone) => void;

function send(reply: FastifyLikeReply, answer: HttpAnswer): void {
  reply.code(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
  if (answer.body === '') reply.send();
  else reply.send(answer.body);
}

/**
 * `preHandler` hook requiring a valid access token holding every scope in `scopes` (none: any
 * valid token). On success it sets `request.auth` ({@link AuthInfo}; typed: {@link authOf}); otherwise it answers 400 /
 * 401 / 403 with `WWW-Authenticate` (naming the metadata and the scopes) and a JSON body. Use it
 * per route (`{ preHandler: requireAuth(rs, 'orders:read') }`) or for a whole plugin
 * (`app.addHook('preHandler', requireAuth(rs))`).
 */
export function requireAuth(rs: ResourceServer, ...scopes: string[]): FastifyLikeHook {
  const verify = verifierOf(rs);
  const required = checkScopeNames(scopes, 'requireAuth()');
  return function resourceServer(request, reply, done) {
    const { raw } = request;
    let result: AuthInfo | Promise<AuthInfo>;
    try {
      result = verify(raw.headers.authorization, raw.headers.dpop, raw.method ?? 'GET', raw.url ?? '/', required);
    } catch (error) {
      send(reply, errorAnswer(error));
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (auth) => {
          request.auth = auth;
          done();
        },
        (error: unknown) => send(reply, errorAnswer(error)),
      );
      return;
    }
    request.auth = result;
    done();
  };
}

/**
 * Plugin adding GET (and HEAD) and OPTIONS routes for the RFC 9728 document at its paths
 * (`/.well-known/oauth-protected-resource` and the path-inserted one). Register it without a
 * `prefix`: the paths are absolute. No routes when resource metadata is off.
 */
export function protectedResourceMetadata(rs: ResourceServer): FastifyLikePlugin {
  const handler: FastifyLikeHandler = (request, reply) => {
    const answer = rs.metadataAnswer(request.raw.method ?? 'GET', request.raw.url ?? '/');
    if (answer === undefined) send(reply, { status: 404, headers: {}, body: '' });
    else send(reply, answer);
  };
  const plugin: FastifyLikePlugin = (instance, _options, done) => {
    for (const path of rs.resourceMetadataPaths) {
      instance.get(path, handler);
      instance.options(path, handler);
    }
    done();
  };
  // As fastify-plugin does: the routes belong to the parent, not to an encapsulated child.
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
