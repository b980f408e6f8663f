import type { Context } from 'koa';
import type { JWK } from 'jose';
import { allowedScopesOf } from '../clients/client-record.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import { AppError } from '../errors/app-error.ts';
import { createResourceServer, ResourceServerError } from '@portcullis/resource-server';

export interface AdminAuthOptions {
  readonly issuer: string;
  /** ADMIN_RESOURCE: the `aud` every admin token carries. */
  readonly resource: string;
  /** The signing keys' public parts, read in-process (the issuer's public URL may not be reachable from here). */
  readonly publicJwks: () => Promise<readonly JWK[]>;
  readonly clients: Pick<ClientRegistry, 'find'>;
}

/** The admin client behind a verified token. */
export interface AdminCaller {
  readonly clientId: string;
  readonly scopes: readonly string[];
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

/** Adds RFC 9728's `resource_metadata` to a Bearer challenge. */
const withResourceMetadata = (challenge: string, metadataUrl: string) =>
  `${challenge}${challenge.includes(' ') ? ',' : ''} resource_metadata=${quoted(metadataUrl)}`;

export const protectedResourceMetadataUrl = (ctx: Context): string => `${ctx.protocol}://${ctx.host}/.well-known/oauth-protected-resource`;

/**
 * Admin tokens are RFC 9068 JWTs that Portcullis issued for ADMIN_RESOURCE, checked by our own
 * resource-server module. The client must still exist and still be an admin client: deleting it (or
 * taking `admin` away) ends its tokens at once, not at their expiry.
 */
export function createAdminAuthenticator(options: AdminAuthOptions) {
  const jwksUri = `${options.issuer}/jwks`;
  const inProcessFetch: typeof fetch = async (input, init) =>
    String(input instanceof Request ? input.url : input) === jwksUri ? Response.json({ keys: await options.publicJwks() }) : fetch(input, init);
  // resourceMetadata: false: the admin listener names its own metadata document (below).
  const verifier = createResourceServer({ issuer: options.issuer, audience: options.resource, jwksUri, fetch: inProcessFetch, jwtCacheMaxSeconds: 30, resourceMetadata: false });

  const unauthorized = (ctx: Context, description: string, challenge = `Bearer error="invalid_token", error_description=${quoted(description)}`) =>
    new AppError('invalid_token', description, { headers: { 'www-authenticate': withResourceMetadata(challenge, protectedResourceMetadataUrl(ctx)) } });

  return async function authenticate(ctx: Context, anyOfScopes: readonly string[]): Promise<AdminCaller> {
    let auth;
    try {
      auth = await verifier.verifyRequest({ method: ctx.method, url: ctx.url, headers: ctx.headers });
    } catch (error) {
      if (!(error instanceof ResourceServerError)) throw error;
      if (error.code === 'invalid_request') throw new AppError('invalid_request', error.description, { headers: { 'www-authenticate': withResourceMetadata(error.wwwAuthenticate, protectedResourceMetadataUrl(ctx)) } });
      throw unauthorized(ctx, error.credentialsMissing ? 'an admin access token is required' : error.description, error.wwwAuthenticate);
    }
    const clientId = auth.clientId;
    const registration = clientId && auth.subjectType === 'client' ? await options.clients.find(clientId) : undefined;
    if (!clientId || registration?.metadata.admin !== true) throw unauthorized(ctx, 'the client of this token is no longer an admin client');
    // A client re-created under the same id, or whose secret was rotated without an overlap, revives no earlier token.
    const issuedAt = typeof auth.claims.iat === 'number' ? auth.claims.iat : 0;
    if (issuedAt < Math.floor(registration.tokensValidFrom.getTime() / 1000)) throw unauthorized(ctx, 'this token was issued before the client was re-registered or its secret was rotated');
    // What the client may have now, not what it had when the token was issued.
    const allowed = allowedScopesOf(registration.metadata);
    const scopes = auth.scopes.filter((scope) => allowed.has(scope));
    if (!scopes.some((scope) => anyOfScopes.includes(scope))) {
      const challenge = `Bearer error="insufficient_scope", error_description="the token lacks the scope this route needs", scope=${quoted(anyOfScopes.join(' '))}`;
      throw new AppError('insufficient_scope', `this route needs one of the scopes: ${anyOfScopes.join(', ')}`, {
        headers: { 'www-authenticate': withResourceMetadata(challenge, protectedResourceMetadataUrl(ctx)) },
      });
    }
    return { clientId, scopes };
  };
}

export type AdminAuthenticator = ReturnType<typeof createAdminAuthenticator>;
