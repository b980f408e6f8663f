// Internal helpers of oidc-provider that Portcullis uses (it ships no types for them): first the three of src/oidc/provider-dpop.ts.
declare module 'oidc-provider/lib/helpers/validate_dpop.js' {
  import type Provider from 'oidc-provider';
  import type { KoaContextWithOIDC } from 'oidc-provider';
  export interface DpopProof {
    readonly thumbprint: string;
    readonly jti: string;
    readonly iat: number;
  }
  export default function validateDpop(provider: Provider, ctx: KoaContextWithOIDC, accessToken?: string): Promise<DpopProof | undefined>;
}

declare module 'oidc-provider/lib/helpers/grant_common.js' {
  import type Provider from 'oidc-provider';
  import type { KoaContextWithOIDC } from 'oidc-provider';
  import type { DpopProof } from 'oidc-provider/lib/helpers/validate_dpop.js';
  export function applyDpopBinding(provider: Provider, ctx: KoaContextWithOIDC, proof: DpopProof | undefined, token: { setThumbprint(kind: 'jkt', thumbprint: string): void }): Promise<void>;
}

declare module 'oidc-provider/lib/helpers/sender_constraints.js' {
  import type Provider from 'oidc-provider';
  import type { KoaContextWithOIDC } from 'oidc-provider';
  import type { DpopProof } from 'oidc-provider/lib/helpers/validate_dpop.js';
  export function checkDpopRequired(provider: Provider, ctx: KoaContextWithOIDC, proof: DpopProof | undefined): void;
}

// The SSRF guard oidc-provider puts on its own fetches, and its list of special-use addresses (src/oidc/outbound-agents.ts, src/cimd/document-fetch.ts).
declare module 'oidc-provider/lib/helpers/fetch_request.js' {
  import type Provider from 'oidc-provider';
  export function applySSRFProtection<T>(dispatcher: T): T;
  export function isSpecialUseIP(address: string): boolean;
  /** oidc-provider's own outgoing request (src/oidc/request-object-fetch.ts): its 2.5 s bound and guard, then configuration.fetch. */
  export default function fetchRequest(provider: Provider, url: URL | string, options: RequestInit): Promise<Response>;
}

// Which client_id values oidc-provider resolves as client ID metadata documents (src/cimd/).
declare module 'oidc-provider/lib/helpers/client_id_metadata_document.js' {
  export function isValidClientIdUrl(id: string): boolean;
}
