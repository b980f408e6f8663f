import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
// oidc-provider's own DPoP checks, which its built-in grants run and a `registerGrantType` handler is
// not given: the proof's signature, htm/htu, iat, nonce, replay (shared through the adapter) and the
// client's `dpop_bound_access_tokens`. The package has no exports map, so these paths resolve.
import validateDpop from 'oidc-provider/lib/helpers/validate_dpop.js';
import { applyDpopBinding } from 'oidc-provider/lib/helpers/grant_common.js';
import { checkDpopRequired } from 'oidc-provider/lib/helpers/sender_constraints.js';

interface BindableToken {
  setThumbprint(kind: 'jkt', thumbprint: string): void;
}

/**
 * Checks the request's DPoP proof up front (and refuses a client that must send one and did not);
 * `bind` then binds the token about to be issued to the proof's key, if there was a proof.
 */
export async function dpopProofOf(provider: Provider, ctx: KoaContextWithOIDC): Promise<{ bind(token: BindableToken): Promise<void> }> {
  const proof = await validateDpop(provider, ctx);
  checkDpopRequired(provider, ctx, proof);
  return { bind: (token) => applyDpopBinding(provider, ctx, proof, token) };
}
