import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.ts';
import type { ArtifactAdapter } from '../adapters/models.ts';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import type { Views } from '../interactions/views.ts';
import type { Logger } from '../observability/logger.ts';
import { createAdapterFactory } from './adapter-factory.ts';
import { CLAIMS, createFindAccount } from './find-account.ts';
import { createLogoutSource, createPostLogoutSuccessSource, createRenderError } from './html-pages.ts';
import { createResourceServerInfo } from './resource-server-info.ts';
import type { PrivateJwk } from './signing-keys.ts';
import { observeProvider } from './events.ts';
import { useRfc6749ErrorCodes } from './rfc6749-errors.ts';
import { createIntrospectionPolicy, revocationAllowed } from './token-policies.ts';
import { createInteractionPolicy } from './interaction-policy.ts';

export interface ProviderDependencies {
  readonly config: Config;
  readonly store: ArtifactStore;
  readonly clients: ArtifactAdapter;
  readonly accounts: AccountRepository;
  readonly resources: ResourceRegistry;
  readonly signingKeys: readonly PrivateJwk[];
  readonly cookieKeys: readonly string[];
  readonly views: Views;
  readonly logger: Logger;
}

export const SUPPORTED_SCOPES = ['openid', 'offline_access', 'profile', 'email'];

/** oidc-provider configured for Portcullis: code + PKCE only, rotation everywhere, nothing implicit. */
export function buildConfiguration(deps: ProviderDependencies): Configuration {
  const { config, views } = deps;
  const secureCookies = new URL(config.issuer).protocol === 'https:';
  const defaultAlg = deps.signingKeys[0]?.alg ?? 'RS256';
  return {
    adapter: createAdapterFactory(deps.store, deps.clients),
    clients: [],
    findAccount: createFindAccount(deps.accounts),
    claims: CLAIMS,
    scopes: SUPPORTED_SCOPES,
    jwks: { keys: deps.signingKeys.map((key) => ({ ...key })) },
    cookies: {
      keys: [...deps.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
      names: { session: 'portcullis.session', interaction: 'portcullis.interaction', resume: 'portcullis.resume' },
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: defaultAlg,
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    conformIdTokenClaims: true,
    // Non-standard client metadata: the audiences (registered resources) whose tokens this
    // confidential client may introspect, as an API accepting opaque tokens does.
    extraClientMetadata: {
      properties: ['introspection_audiences'],
      validator(_ctx, key, value) {
        if (key !== 'introspection_audiences' || value === undefined) return;
        if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && URL.canParse(entry))) {
          throw new errors.InvalidClientMetadata('introspection_audiences must be an array of absolute URIs');
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: createIntrospectionPolicy(deps.accounts) },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      userinfo: { enabled: true },
      dPoP: { enabled: true },
      registration: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: createLogoutSource(views),
        postLogoutSuccessSource: createPostLogoutSuccessSource(views),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: KoaContextWithOIDC, _client: unknown, oneOf?: string[]) => oneOf?.[0],
        useGrantedResource: () => true,
        getResourceServerInfo: createResourceServerInfo(deps.resources, defaultAlg),
      },
    },
    ttl: {
      AccessToken: config.ttl.accessToken,
      AuthorizationCode: config.ttl.authorizationCode,
      IdToken: config.ttl.idToken,
      ClientCredentials: config.ttl.clientCredentials,
      Interaction: config.ttl.interaction,
      Session: config.ttl.session,
      Grant: config.ttl.grant,
      // Rotation never extends a token family past the lifetime of its first refresh token.
      RefreshToken: (ctx) => ctx?.oidc.entities.RotatedRefreshToken?.remainingTTL ?? config.ttl.refreshToken,
    },
    interactions: { policy: createInteractionPolicy(), url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: createRenderError(views),
    discovery: { service_documentation: `${config.issuer}/` },
  } as Configuration;
}

export function createProvider(deps: ProviderDependencies): Provider {
  const provider = new Provider(deps.config.issuer, buildConfiguration(deps));
  provider.proxy = deps.config.trustProxy;
  // Only the address our own proxy saw counts: earlier X-Forwarded-For entries are client-controlled.
  provider.maxIpsCount = 1;
  observeProvider(provider, deps.logger);
  useRfc6749ErrorCodes(provider);
  return provider;
}
