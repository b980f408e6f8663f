import { errors, type KoaContextWithOIDC } from 'oidc-provider';

interface PolicyClient {
  clientId: string;
  clientAuthMethod: string;
}
interface PolicyToken {
  clientId?: string;
}

/**
 * Introspection: a client may always introspect its own tokens; confidential clients (resource
 * servers authenticate as such) may introspect any token; public clients nothing else.
 */
export async function introspectionAllowed(_ctx: KoaContextWithOIDC, client: PolicyClient, token: PolicyToken): Promise<boolean> {
  return token.clientId === client.clientId || client.clientAuthMethod !== 'none';
}

/** Revocation (RFC 7009 section 2.1): only the client a token was issued to may revoke it. */
export async function revocationAllowed(_ctx: KoaContextWithOIDC, client: PolicyClient, token: PolicyToken): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false;
  throw new errors.UnauthorizedClient('client is not authorized to revoke the presented token');
}
