import type { Client, KoaContextWithOIDC } from 'oidc-provider';

/** Client metadata (non-standard): `true` always requires PKCE, `false` (admins only, confidential clients) never does. */
export const REQUIRE_PKCE = 'require_pkce';

/**
 * When an authorization request must carry PKCE. Always for public clients, outside OpenID Connect
 * and under FAPI 2.0. A confidential client's OpenID Connect request with a `nonce` may omit it:
 * the nonce, checked by the client in the ID token, already defeats code injection (RFC 9700
 * section 2.1.1, OIDC Core 3.1.2.1), and the OpenID Foundation's Basic OP plan sends such requests.
 * A client's `require_pkce` overrides that rule either way. A code issued without a challenge still
 * refuses a `code_verifier` (PKCE downgrade, RFC 9700 4.8).
 */
export function pkceRequired({ fapi2 }: { fapi2: boolean }) {
  return (ctx: KoaContextWithOIDC, client: Client): boolean => {
    if (fapi2 || client.clientAuthMethod === 'none') return true;
    const choice = client.metadata()[REQUIRE_PKCE];
    if (typeof choice === 'boolean') return choice;
    const params = (ctx.oidc?.params ?? {}) as { scope?: unknown; nonce?: unknown };
    const openid = typeof params.scope === 'string' && params.scope.split(' ').includes('openid');
    const nonce = typeof params.nonce === 'string' && params.nonce.length > 0;
    return !(openid && nonce);
  };
}

/** Why `require_pkce` cannot be what the metadata says, if it cannot. */
export function requirePkceProblem(metadata: Record<string, unknown>, { fapi2 }: { fapi2: boolean }): string | undefined {
  const value = metadata[REQUIRE_PKCE];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') return `${REQUIRE_PKCE} must be true or false`;
  if (value) return undefined;
  if (metadata.token_endpoint_auth_method === 'none') return `${REQUIRE_PKCE}: a public client always uses PKCE`;
  if (fapi2) return `${REQUIRE_PKCE}: FAPI 2.0 always requires PKCE`;
  return undefined;
}
