import type { Client, KoaContextWithOIDC } from 'oidc-provider';

/**
 * When an authorization request must carry PKCE. Always for public clients, outside OpenID Connect
 * and under FAPI 2.0. A confidential client's OpenID Connect request with a `nonce` may omit it:
 * the nonce, checked by the client in the ID token, already defeats code injection (RFC 9700
 * section 2.1.1, OIDC Core 3.1.2.1), and the OpenID Foundation's Basic OP plan sends such requests.
 * A code issued without a challenge still refuses a `code_verifier` (PKCE downgrade, RFC 9700 4.8).
 */
export function pkceRequired({ fapi2 }: { fapi2: boolean }) {
  return (ctx: KoaContextWithOIDC, client: Client): boolean => {
    if (fapi2 || client.clientAuthMethod === 'none') return true;
    const params = (ctx.oidc?.params ?? {}) as { scope?: unknown; nonce?: unknown };
    const openid = typeof params.scope === 'string' && params.scope.split(' ').includes('openid');
    const nonce = typeof params.nonce === 'string' && params.nonce.length > 0;
    return !(openid && nonce);
  };
}
