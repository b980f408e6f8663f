/**
 * `@portcullis/resource-server/mcp`: a token verifier for the official MCP TypeScript SDK
 * (`@modelcontextprotocol/sdk`, an optional peer dependency needed by this entry point only):
 * its `requireBearerAuth()` middleware calls `verifier.verifyAccessToken(token)`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
 * import { createResourceServer } from '@portcullis/resource-server';
 * import { protectedResourceMetadata } from '@portcullis/resource-server/express';
 * import { mcpBearerAuthOptions } from '@portcullis/resource-server/mcp';
 *
 * const rs = createResourceServer({
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://mcp.example.com/mcp',
 *   resourceMetadata: { scopesSupported: ['mcp:tools'], resourceName: 'Example MCP server' },
 * });
 * const app = express();
 * app.use(protectedResourceMetadata(rs));
 * app.post('/mcp', requireBearerAuth(mcpBearerAuthOptions(rs, { requiredScopes: ['mcp:tools'] })), handleMcp);
 * ```
 */
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { BearerAuthMiddlewareOptions } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo as McpAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { AuthInfo } from '../auth-info.ts';
import { ResourceServerError } from '../errors.ts';
import type { ResourceServer } from '../resource-server.ts';

export type { McpAuthInfo };

/** What `extra` of the SDK's `AuthInfo` holds: the rest of this package's {@link AuthInfo}. */
export interface McpAuthExtra extends Record<string, unknown> {
  readonly sub: string | undefined;
  readonly subjectType: AuthInfo['subjectType'];
  readonly tokenType: AuthInfo['tokenType'];
  /** Every claim of the token (or of the introspection response). */
  readonly claims: AuthInfo['claims'];
}

function toSdkError(error: unknown): Error {
  if (!(error instanceof ResourceServerError)) return new InvalidTokenError('access token could not be verified');
  switch (error.code) {
    case 'insufficient_scope':
      return new InsufficientScopeError(error.description);
    case 'invalid_request':
      return new InvalidRequestError(error.description);
    default:
      return new InvalidTokenError(error.description);
  }
}

/** The audience the token was accepted for: the resource identifier when the token names it. */
function resourceOf(rs: ResourceServer, claims: Readonly<Record<string, unknown>>): URL | undefined {
  const aud = Array.isArray(claims.aud) ? (claims.aud as unknown[]) : [claims.aud];
  const preferred =
    rs.resource !== undefined && aud.includes(rs.resource) ? rs.resource : rs.audiences.find((audience) => aud.includes(audience));
  if (preferred === undefined || !URL.canParse(preferred)) return undefined;
  return new URL(preferred);
}

/** Maps a verified token to the SDK's `AuthInfo` (`token, clientId, scopes, expiresAt, resource, extra`). */
export function toMcpAuthInfo(rs: ResourceServer, token: string, auth: AuthInfo): McpAuthInfo {
  if (auth.clientId === undefined) throw new InvalidTokenError('access token has no client_id');
  const exp = auth.claims.exp;
  const resource = resourceOf(rs, auth.claims);
  const extra: McpAuthExtra = { sub: auth.sub, subjectType: auth.subjectType, tokenType: auth.tokenType, claims: auth.claims };
  return {
    token,
    clientId: auth.clientId,
    scopes: [...auth.scopes],
    ...(typeof exp === 'number' ? { expiresAt: exp } : {}),
    ...(resource === undefined ? {} : { resource }),
    extra,
  };
}

/**
 * An `OAuthTokenVerifier` for the SDK's `requireBearerAuth()`: every check of
 * {@link ResourceServer.verifyRequest} (signature, issuer, audience, expiry, introspection…).
 * Failures become the SDK's `InvalidTokenError` (401), `InsufficientScopeError` (403) or
 * `InvalidRequestError` (400).
 *
 * The SDK hands over the token only, without the request: DPoP-bound tokens, which need the
 * request's proof, are refused here (`invalid_token`). MCP clients send Bearer tokens.
 */
export function mcpTokenVerifier(rs: ResourceServer): OAuthTokenVerifier {
  return {
    async verifyAccessToken(token: string): Promise<McpAuthInfo> {
      let auth: AuthInfo;
      try {
        auth = await rs.verifyRequest({ method: 'POST', url: '/', headers: { authorization: `Bearer ${token}` } });
      } catch (error) {
        throw toSdkError(error);
      }
      return toMcpAuthInfo(rs, token, auth);
    },
  };
}

/** Options of {@link mcpBearerAuthOptions}. */
export interface McpBearerAuthSettings {
  /** Scopes every request must hold (the SDK answers 403 `insufficient_scope` naming them). */
  readonly requiredScopes?: readonly string[];
}

/**
 * Everything `requireBearerAuth()` needs, from `rs`: the verifier, the scopes, the metadata URL
 * for its challenges (`resourceMetadataUrl`) and the resource the token must be for
 * (`expectedResource`, when the SDK knows that option).
 */
export function mcpBearerAuthOptions(rs: ResourceServer, settings: McpBearerAuthSettings = {}): BearerAuthMiddlewareOptions {
  return {
    verifier: mcpTokenVerifier(rs),
    ...(settings.requiredScopes === undefined ? {} : { requiredScopes: [...settings.requiredScopes] }),
    ...(rs.resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl: rs.resourceMetadataUrl }),
    ...(rs.resource === undefined ? {} : { expectedResource: new URL(rs.resource) }),
  };
}
