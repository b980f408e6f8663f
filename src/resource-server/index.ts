/**
 * `portcullis/resource-server`: validate Portcullis-issued access tokens in any
 * Koa (or other Node) API. Self-contained: depends only on jose and node:crypto.
 *
 * @example
 * ```ts
 * import { createResourceServer } from 'portcullis/resource-server';
 *
 * const rs = createResourceServer({
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 *   publicUrl: 'https://api.example.com', // DPoP proofs are checked against it
 * });
 * router.get('/protected', rs.requireScopes('api:read'), (ctx) => {
 *   ctx.body = ctx.state.auth;
 * });
 * ```
 */
export { createResourceServer } from './resource-server.ts';
export type { ResourceServer, ResourceRequest } from './resource-server.ts';
export { ResourceServerError } from './errors.ts';
export type { AuthScheme, ResourceServerErrorCode, ResourceServerErrorOptions } from './errors.ts';
export { ResourceServerConfigError } from './options.ts';
export type { IntrospectionOptions, ResourceServerOptions } from './options.ts';
export type { AuthInfo, SubjectType } from './auth-info.ts';
export type { ResourceServerState } from './middleware.ts';
export type { RequestUrl } from './dpop.ts';
