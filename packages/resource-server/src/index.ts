/**
 * `@portcullis/resource-server`: protect a Node API or MCP server with OAuth 2.0 access tokens
 * issued by Portcullis (or any RFC 9068 authorization server). Depends on jose only.
 *
 * This entry point is framework-neutral; the adapters live in `@portcullis/resource-server/koa`,
 * `/express`, `/fastify`, `/node` and `/mcp`.
 *
 * @example
 * ```ts
 * import { createResourceServer, ResourceServerError } from '@portcullis/resource-server';
 *
 * const rs = createResourceServer({
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 *   publicUrl: 'https://api.example.com', // DPoP proofs are checked against it
 * });
 * try {
 *   const auth = await rs.verifyRequest({ method: req.method, url: req.url, headers: req.headers }, ['orders:read']);
 * } catch (error) {
 *   if (!(error instanceof ResourceServerError)) throw error;
 *   // error.status, error.wwwAuthenticate, JSON.stringify(error)
 * }
 * ```
 */
export { createResourceServer } from './resource-server.ts';
export type { ResourceServer, ResourceRequest } from './resource-server.ts';
export { ResourceServerError, errorAnswer } from './errors.ts';
export type { AuthScheme, HttpAnswer, ResourceServerErrorCode, ResourceServerErrorOptions } from './errors.ts';
export { ResourceServerConfigError, resourceMetadataUrl } from './options.ts';
export type { IntrospectionOptions, ResourceMetadataOptions, ResourceServerOptions } from './options.ts';
export type { AuthInfo, SubjectType } from './auth-info.ts';
export type { RequestUrl } from './dpop.ts';
export type { ProtectedResourceMetadata } from './metadata.ts';
export { createRedisReplayStore, MemoryReplayStore, ReplayStoreFullError } from './replay-store.ts';
export type {
  IoredisLikeClient,
  MemoryReplayStoreOptions,
  NodeRedisLikeClient,
  NodeRedisSetOptions,
  RedisReplayStoreOptions,
  ReplayStore,
} from './replay-store.ts';
