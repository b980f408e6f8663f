import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import { SIGNING_ALGORITHMS } from './signing-keys.ts';
import { accountIsLive, mayIntrospect, type PolicyClient } from './token-policies.ts';

export interface JwtIntrospectionDependencies {
  readonly issuer: string;
  /** The public signing keys, as published at jwks_uri. */
  readonly keySet: ReturnType<typeof createLocalJWKSet>;
  readonly clients: Pick<ClientRegistry, 'find'>;
  readonly accounts: Pick<AccountRepository, 'findById'>;
  readonly findGrant: (grantId: string) => Promise<GrantView | undefined>;
}

type AccessTokenClaims = JWTPayload & { client_id?: unknown; scope?: unknown; grant_id?: unknown; cnf?: { jkt?: unknown } };

interface GrantView {
  readonly clientId?: string;
  readonly accountId?: string;
}

/**
 * A JWT access token issued from a grant names it (`grant_id`), so that introspection can tell it
 * was revoked with its grant (sign-out everywhere, password change, refresh-token reuse, a client
 * narrowed or deleted) although the JWT itself is never stored. oidc-provider's
 * `formats.customizers.jwt` hook.
 */
export function bindJwtToGrant(_ctx: unknown, token: { grantId?: string }, jwt: { payload: Record<string, unknown> }): void {
  if (token.grantId) jwt.payload.grant_id = token.grantId;
}

const INACTIVE = { active: false } as const;

/**
 * RFC 7662 asks for an introspection answer for any token an authorized caller presents, but
 * oidc-provider refuses structured (JWT) access tokens with `unsupported_token_type`. For our own
 * JWTs this answers as for opaque tokens: verified signature and lifetime, the caller's right to
 * see it, the client still registered under the same registration, the account live.
 */
export function useJwtIntrospection(
  provider: Provider,
  { publicKeys, ...options }: Omit<JwtIntrospectionDependencies, 'findGrant' | 'keySet'> & { readonly publicKeys: readonly JWK[] },
): void {
  const deps: JwtIntrospectionDependencies = {
    ...options,
    // The provider's signing keys are fixed for its lifetime: one key set serves every request.
    keySet: createLocalJWKSet({ keys: [...publicKeys] }),
    findGrant: (grantId) => provider.Grant.find(grantId),
  };
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: string } | undefined;
    const oidc = (ctx as { oidc?: { route?: string; client?: PolicyClient; params?: { token?: unknown } } }).oidc;
    const caller = oidc?.client;
    const token = oidc?.params?.token;
    if (oidc?.route !== 'introspection' || body?.error !== 'unsupported_token_type' || !caller || typeof token !== 'string') return;
    ctx.status = 200;
    ctx.body = await introspectJwt(token, caller, deps);
  });
}

export async function introspectJwt(token: string, caller: PolicyClient, deps: JwtIntrospectionDependencies): Promise<Record<string, unknown>> {
  let claims: AccessTokenClaims;
  try {
    ({ payload: claims } = await jwtVerify<AccessTokenClaims>(token, deps.keySet, {
      issuer: deps.issuer,
      typ: 'at+jwt',
      algorithms: [...SIGNING_ALGORITHMS],
      requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'aud'],
    }));
  } catch {
    return INACTIVE;
  }
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : undefined;
  if (!clientId || !mayIntrospect(caller, { clientId, aud: claims.aud })) return INACTIVE;
  const registration = await deps.clients.find(clientId);
  // Bound to the registration it was issued under: a client deleted and re-created revives nothing.
  if (!registration || claims.iat! < Math.floor(registration.tokensValidFrom.getTime() / 1000)) return INACTIVE;
  const isUserToken = claims.sub !== clientId;
  if (isUserToken && !(await accountIsLive(deps.accounts, claims.sub!, claims.iat))) return INACTIVE;
  if (claims.grant_id !== undefined) {
    const grant = typeof claims.grant_id === 'string' ? await deps.findGrant(claims.grant_id) : undefined;
    if (!grant || grant.clientId !== clientId || (isUserToken && grant.accountId !== claims.sub)) return INACTIVE;
  }
  const jkt = typeof claims.cnf?.jkt === 'string' ? claims.cnf.jkt : undefined;
  return {
    active: true,
    iss: claims.iss,
    sub: claims.sub,
    client_id: clientId,
    aud: claims.aud,
    ...(typeof claims.scope === 'string' ? { scope: claims.scope } : {}),
    exp: claims.exp,
    iat: claims.iat,
    jti: claims.jti,
    token_type: jkt ? 'DPoP' : 'Bearer',
    ...(jkt ? { cnf: { jkt } } : {}),
  };
}
