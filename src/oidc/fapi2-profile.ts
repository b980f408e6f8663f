import { errors, type Configuration } from 'oidc-provider';

/** FAPI 2.0 Security Profile §5.4: PS256, ES256 or EdDSA; our signing keys are RS256 and ES256, so ES256 (PS256 for what clients sign). */
export const FAPI2_SIGNING_ALGS = ['PS256', 'ES256'] as const;

const SIGNING_ALG_LISTS = ['clientAuthSigningAlgValues', 'requestObjectSigningAlgValues', 'dPoPSigningAlgValues'] as const;

/**
 * SECURITY_PROFILE=fapi2 (FAPI 2.0 Security Profile, docs/security.md): every client confidential
 * with `private_key_jwt`, every request pushed (PAR), every token sender-constrained with DPoP,
 * only PS256/ES256, codes of at most 60 s, and refresh tokens that do not rotate (§5.3.2.1 forbids
 * rotation a lost response could not survive; they are bound to the client's key instead).
 */
export function withFapi2Profile(configuration: Configuration): Configuration {
  const features = configuration.features ?? {};
  const ownValidator = configuration.extraClientMetadata?.validator;
  return {
    ...configuration,
    clientAuthMethods: ['private_key_jwt'],
    clientDefaults: { ...configuration.clientDefaults, token_endpoint_auth_method: 'private_key_jwt', id_token_signed_response_alg: 'ES256', authorization_signed_response_alg: 'ES256', introspection_signed_response_alg: 'ES256', dpop_bound_access_tokens: true },
    enabledJWA: {
      ...configuration.enabledJWA,
      ...Object.fromEntries(SIGNING_ALG_LISTS.map((list) => [list, [...FAPI2_SIGNING_ALGS]])),
      idTokenSigningAlgValues: ['ES256'],
      userinfoSigningAlgValues: ['ES256'],
      introspectionSigningAlgValues: ['ES256'],
      authorizationSigningAlgValues: ['ES256'],
    },
    rotateRefreshToken: false,
    extraClientMetadata: {
      ...configuration.extraClientMetadata,
      validator(ctx, key, value, metadata) {
        if (key === 'audience') {
          if (metadata.token_endpoint_auth_method !== 'private_key_jwt') throw new errors.InvalidClientMetadata('token_endpoint_auth_method must be private_key_jwt (SECURITY_PROFILE=fapi2)');
          if (metadata.dpop_bound_access_tokens === false) throw new errors.InvalidClientMetadata('dpop_bound_access_tokens cannot be false (SECURITY_PROFILE=fapi2)');
          metadata.dpop_bound_access_tokens = true;
        }
        return ownValidator?.(ctx, key, value, metadata);
      },
    },
    features: {
      ...features,
      fapi: { enabled: true, profile: '2.0' },
      pushedAuthorizationRequests: { ...features.pushedAuthorizationRequests, enabled: true, requirePushedAuthorizationRequests: true },
      dPoP: { ...features.dPoP, enabled: true },
    },
  };
}
