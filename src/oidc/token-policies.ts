import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { issuedBeforeSessionsEnded, type AccountRepository } from '../accounts/account-repository.ts';

export interface PolicyClient {
  clientId: string;
  clientAuthMethod: string;
  // Extra client metadata keeps its registered (snake_case) name on the client object.
  introspection_audiences?: unknown;
}
interface PolicyToken {
  clientId?: string;
  accountId?: string;
  iat?: number;
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
 * the tokens issued for those audiences.
 */
export function mayIntrospect(caller: PolicyClient, token: PolicyToken): boolean {
  if (token.clientId === caller.clientId) return true;
  const allowedAudiences = Array.isArray(caller.introspection_audiences) ? (caller.introspection_audiences as string[]) : [];
  return caller.clientAuthMethod !== 'none' && audiencesOf(token).some((aud) => allowedAudiences.includes(aud));
}

/** A token's account is live: it exists, is enabled, and its sessions were not ended after the token was issued. */
export async function accountIsLive(accounts: Pick<AccountRepository, 'findById'>, accountId: string, issuedAt: number | undefined): Promise<boolean> {
  const account = await accounts.findById(accountId);
  return account !== null && !account.disabled && !issuedBeforeSessionsEnded(account, issuedAt ?? 0);
}

/**
 * oidc-provider's introspection `allowedPolicy`: `mayIntrospect`, and a token whose client was
 * deleted, or whose account was disabled or signed out everywhere, is reported inactive.
 */
export function createIntrospectionPolicy(accounts: Pick<AccountRepository, 'findById'>) {
  return async (ctx: KoaContextWithOIDC, client: PolicyClient, token: PolicyToken): Promise<boolean> => {
    if (!mayIntrospect(client, token)) return false;
    if (token.clientId !== client.clientId && token.clientId && !(await ctx.oidc.provider.Client.find(token.clientId))) return false;
    return token.accountId ? accountIsLive(accounts, token.accountId, token.iat) : true;
  };
}

/** Revocation (RFC 7009 section 2.1): only the client a token was issued to may revoke it. */
export async function revocationAllowed(_ctx: KoaContextWithOIDC, client: PolicyClient, token: PolicyToken): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false;
  throw new errors.UnauthorizedClient('client is not authorized to revoke the presented token');
}

/**
 * A refresh token goes to a client registered for the grant, with `offline_access` (OpenID Connect),
 * or for a plain OAuth 2.0 authorization (no `openid`), where `offline_access` means nothing: MCP
 * clients ask for the API's scopes only. Without `offline_access` it ends with the person's session
 * (oidc-provider's `expiresWithSession`).
 */
export function mayIssueRefreshToken(client: { grantTypeAllowed(grant: string): boolean }, scopes: ReadonlySet<string>): boolean {
  return client.grantTypeAllowed('refresh_token') && (scopes.has('offline_access') || !scopes.has('openid'));
}
