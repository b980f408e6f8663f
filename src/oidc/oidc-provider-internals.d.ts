// The three internal helpers src/oidc/provider-dpop.ts uses (oidc-provider ships no types for them).
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
