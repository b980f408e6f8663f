import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccountRepository } from '../accounts/account-repository.ts';

interface PolicyClient {
  clientId: string;
  clientAuthMethod: string;
  // Extra client metadata keeps its registered (snake_case) name on the client object.
  introspection_audiences?: unknown;
}
interface PolicyToken {
  clientId?: string;
  accountId?: string;
  aud?: string | string[];
  resourceServer?: { audience?: string };
}

const audiencesOf = (token: PolicyToken): string[] => {
  const aud = token.aud ?? token.resourceServer?.audience;
  return aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
};

/**
 * Introspection (RFC 7662 section 4): a client may introspect the tokens issued to it, and a
 * confidential client registered with `introspection_audiences` (an API that accepts opaque tokens)
 * the tokens issued for those audiences. A token whose client was deleted, or whose account was
 * disabled, is reported inactive.
 */
export function createIntrospectionPolicy(accounts: AccountRepository) {
  return async (ctx: KoaContextWithOIDC, client: PolicyClient, token: PolicyToken): Promise<boolean> => {
    const own = token.clientId === client.clientId;
    const allowedAudiences = Array.isArray(client.introspection_audiences) ? (client.introspection_audiences as string[]) : [];
    const forItsApi = client.clientAuthMethod !== 'none' && audiencesOf(token).some((aud) => allowedAudiences.includes(aud));
    if (!own && !forItsApi) return false;
    if (!own && token.clientId && !(await ctx.oidc.provider.Client.find(token.clientId))) return false;
    if (token.accountId) {
      const account = await accounts.findById(token.accountId);
      if (!account || account.disabled) return false;
    }
    return true;
  };
}

/** Revocation (RFC 7009 section 2.1): only the client a token was issued to may revoke it. */
export async function revocationAllowed(_ctx: KoaContextWithOIDC, client: PolicyClient, token: PolicyToken): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false;
  throw new errors.UnauthorizedClient('client is not authorized to revoke the presented token');
}
