import { appPath } from '../http/issuer-path.ts';
import { pkceRequired, REQUIRE_PKCE, requirePkceProblem } from './pkce-policy.ts';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/config.ts';
import type { ArtifactAdapter } from '../adapters/models.ts';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import type { Views } from '../pages/views.ts';
import type { Logger } from '../observability/logger.ts';
import { createAdapterFactory } from './adapter-factory.ts';
import { providerCookieNames } from './cookie-names.ts';
import { createFindAccount } from './find-account.ts';
import { createLogoutSource, createPostLogoutSuccessSource, createRenderError } from './html-pages.ts';
import { createClientCredentialsScopeCheck, createResourceServerInfo } from './resource-server-info.ts';
import { checkDynamicRegistration, registrationFeatures } from './dynamic-registration.ts';
import { generateClientId } from '../clients/client-registry.ts';
import { CLIENT_LIFETIMES } from '../clients/client-policy.ts';
import { pairwiseIdentifier } from './pairwise-subjects.ts';
import { outboundFetch } from './outbound-fetch.ts';
import { withFapi2Profile } from './fapi2-profile.ts';
import { exchangedTokenClaims, SUBJECT_AUDIENCES, useTokenExchange } from './token-exchange.ts';
import { useHashedClientSecrets } from './client-secrets.ts';
import { bindJwtToGrant, useJwtIntrospection } from './jwt-introspection.ts';
import { useResponseHeaders } from './response-headers.ts';
import { CLAIMS_BY_SCOPE, OIDC_SCOPES } from './scopes.ts';
import { ACR_VALUES_SUPPORTED } from '../interactions/sign-in-result.ts';
import { publicJwkOf, type PrivateJwk } from './signing-keys.ts';
import { observeProvider } from './events.ts';
import { useRfc6749ErrorCodes } from './rfc6749-errors.ts';
import { createIntrospectionPolicy, mayIssueRefreshToken, revocationAllowed } from './token-policies.ts';
import { createInteractionPolicy, promptValuesOf } from './interaction-policy.ts';
import { deviceFlowFeature } from './device-flow.ts';
import { useDeviceFlowGuard } from './device-flow-guard.ts';
import type { OutboundAgents } from './outbound-agents.ts';
import { clientIdMetadataDocumentFeature, metadataDocumentResponse, type MetadataDocumentSupport } from '../cimd/provider-feature.ts';
import { MAX_DOCUMENT_BYTES } from '../cimd/document-fetch.ts';
import { REQUEST_URIS, requestUrisProblem } from './request-uris.ts';
import { useRequestUriByReference } from './request-by-reference.ts';

export interface ProviderDependencies {
  readonly config: Config;
  readonly store: ArtifactStore;
  readonly clients: ArtifactAdapter;
  readonly clientRegistry: Pick<ClientRegistry, 'find' | 'recordSecretUse'>;
  readonly accounts: AccountRepository;
  readonly resources: ResourceRegistry;
  readonly signingKeys: readonly PrivateJwk[];
  readonly cookieKeys: readonly string[];
  /** Keys the `sub` of clients with `subject_type: pairwise` (src/oidc/pairwise-subjects.ts). */
  readonly pairwiseSalt: string;
  readonly views: Views;
  readonly logger: Logger;
  /** Pools of outgoing requests that trust OUTBOUND_CA_FILE, one set per process; undefined: oidc-provider's own. */
  readonly outboundAgents: OutboundAgents | undefined;
  /** Client ID metadata documents (src/cimd/); undefined when CLIENT_ID_METADATA_DOCUMENTS is off. */
  readonly metadataDocuments: MetadataDocumentSupport | undefined;
}

const ASYMMETRIC_ALGS = ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'] as const;

/** oidc-provider configured for Portcullis: code + PKCE only, rotation everywhere, nothing implicit. */
export function buildConfiguration(deps: ProviderDependencies): Configuration {
  const policy = createInteractionPolicy({ signup: deps.config.selfService.signup });
  const { config, views } = deps;
  const secureCookies = config.issuerIsHttps;
  const fapi2 = config.securityProfile === 'fapi2';
  const defaultAlg = resourceSigningAlg(deps);
  const configuration = {
    adapter: createAdapterFactory(deps.store, deps.clients, { refreshReuseGraceSeconds: config.ttl.refreshTokenReuseGrace }),
    clients: [],
    findAccount: createFindAccount(deps.accounts),
    claims: Object.fromEntries(Object.entries(CLAIMS_BY_SCOPE).map(([scope, claims]) => [scope, [...claims]])),
    scopes: [...OIDC_SCOPES],
    acrValues: [...ACR_VALUES_SUPPORTED],
    jwks: { keys: deps.signingKeys.map((key) => ({ ...key })) },
    cookies: {
      keys: [...deps.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: secureCookies },
      names: providerCookieNames(secureCookies),
    },
    // Client secrets are stored only as hashes, so nothing signed with one (HS*) could be verified.
    enabledJWA: { clientAuthSigningAlgValues: [...ASYMMETRIC_ALGS], requestObjectSigningAlgValues: [...ASYMMETRIC_ALGS] },
    responseTypes: ['code'],
    pkce: { required: pkceRequired({ fapi2 }) },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: defaultAlg,
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => mayIssueRefreshToken(client, code.scopes),
    conformIdTokenClaims: true,
    fetch: outboundFetch({
      allowHosts: config.outboundAllowHosts,
      agents: deps.outboundAgents,
      metadataDocument: deps.metadataDocuments ? (url) => metadataDocumentResponse(deps.metadataDocuments!.documents, url) : undefined,
    }),
    // A document reaches the provider re-serialized from the shared cache; its own fetch counted MAX_DOCUMENT_BYTES on the wire.
    fetchResponseBodyLimits: { 'client_id metadata document': 2 * MAX_DOCUMENT_BYTES },
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: pairwiseIdentifier(deps.pairwiseSalt),
    formats: { customizers: { jwt: bindJwtToGrant } },
    // Non-standard client metadata, both arrays of registered resource identifiers: `audience`
    // (Hydra's name) lists the APIs the client may get tokens for; `introspection_audiences` the
    // APIs whose tokens this confidential client may introspect, as an API accepting opaque tokens does.
    // `access_token_ttl`, `refresh_token_ttl`, `id_token_ttl`: the client's own lifetimes, in seconds,
    // never longer than the server's (or its API's) own. `request_uris` is standard, but unknown to oidc-provider 9.
    extraClientMetadata: {
      properties: ['audience', 'introspection_audiences', SUBJECT_AUDIENCES, REQUIRE_PKCE, REQUEST_URIS, ...CLIENT_LIFETIMES],
      validator(ctx, key, value, metadata) {
        // Runs once per property on every validation; once is enough for the whole-client check.
        if (key === 'audience') checkDynamicRegistration(ctx, metadata, { mode: config.registration.mode, production: config.env === 'production' });
        if (key === REQUIRE_PKCE) {
          const problem = requirePkceProblem(metadata, { fapi2 });
          if (problem) throw new errors.InvalidClientMetadata(problem);
          return;
        }
        if (key === REQUEST_URIS) {
          const problem = requestUrisProblem(value, { fapi2 });
          if (problem) throw new errors.InvalidClientMetadata(problem);
          return;
        }
        if (value === undefined) return;
        if ((CLIENT_LIFETIMES as readonly string[]).includes(key)) {
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new errors.InvalidClientMetadata(`${key} must be whole seconds, at least 1`);
          return;
        }
        if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && URL.canParse(entry))) {
          throw new errors.InvalidClientMetadata(`${key} must be an array of absolute URIs`);
        }
      },
    },
    extraTokenClaims: withExchangedTokenClaims(createClientCredentialsScopeCheck(deps.clientRegistry)),
    features: {
      devInteractions: { enabled: false },
      // `claims` (OIDC Core 5.5): the claims asked for are shown on the consent page; an essential
      // `acr` counts as acr_values (src/mfa/multi-factor-request.ts).
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: createIntrospectionPolicy(deps.accounts) },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      userinfo: { enabled: true },
      // userinfo_signed_response_alg: a client may ask for its userinfo as a signed JWT (OIDC Core 5.3.2).
      jwtUserinfo: { enabled: true },
      deviceFlow: deviceFlowFeature(deps),
      clientIdMetadataDocument: clientIdMetadataDocumentFeature(deps.metadataDocuments),
      dPoP: { enabled: true },
      // JAR (RFC 9101) by value, by reference (request-by-reference.ts) and through PAR; JARM (response_mode=jwt and its variants).
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      jwtResponseModes: { enabled: true },
      backchannelLogout: { enabled: true },
      ...registrationFeatures(config.registration.mode, generateClientId),
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: createLogoutSource(views),
        postLogoutSuccessSource: createPostLogoutSuccessSource(views),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: KoaContextWithOIDC, _client: unknown, oneOf?: string[]) => oneOf?.[0],
        useGrantedResource: () => true,
        getResourceServerInfo: createResourceServerInfo(deps.resources, deps.clientRegistry, defaultAlg, adminResourceOf(config)),
      },
    },
    ttl: {
      // A registered resource's own access-token lifetime wins over the defaults.
      AccessToken: (_ctx, token, client) => shortest(token.resourceServer?.accessTokenTTL ?? config.ttl.accessToken, lifetimeOf(client, 'access_token_ttl')),
      AuthorizationCode: config.ttl.authorizationCode,
      IdToken: (_ctx, _token, client) => shortest(config.ttl.idToken, lifetimeOf(client, 'id_token_ttl')),
      ClientCredentials: (_ctx, token, client) => shortest(token.resourceServer?.accessTokenTTL ?? config.ttl.clientCredentials, lifetimeOf(client, 'access_token_ttl')),
      Interaction: config.ttl.interaction,
      Session: config.ttl.session,
      Grant: config.ttl.grant,
      DeviceCode: config.deviceFlow.codeTtl,
      // Rotation never extends a token family past the lifetime of its first refresh token.
      RefreshToken: (ctx, _token, client) => ctx?.oidc.entities.RotatedRefreshToken?.remainingTTL ?? shortest(config.ttl.refreshToken, lifetimeOf(client, 'refresh_token_ttl')),
    },
    interactions: { policy, url: (ctx, interaction) => appPath(ctx, `/interaction/${interaction.uid}`) },
    renderError: createRenderError(views),
    // oidc-provider accepts the policy's requestable prompts but does not publish them.
    discovery: { service_documentation: `${config.issuer}/`, prompt_values_supported: promptValuesOf(policy) },
  } as Configuration;
  return fapi2 ? withFapi2Profile(configuration) : configuration;
}

type TokenCheck = ReturnType<typeof createClientCredentialsScopeCheck>;
const withExchangedTokenClaims =
  (check: TokenCheck) =>
  async (ctx: Parameters<TokenCheck>[0], token: Parameters<TokenCheck>[1]) => {
    await check(ctx, token);
    return exchangedTokenClaims(token);
  };

/** What our tokens are signed with: the first signing key's algorithm, ES256 under FAPI 2.0. */
const resourceSigningAlg = (deps: Pick<ProviderDependencies, 'config' | 'signingKeys'>) =>
  deps.config.securityProfile === 'fapi2' ? 'ES256' : (deps.signingKeys[0]?.alg ?? 'RS256');

const adminResourceOf = (config: Config) => ({ identifier: config.admin.resource, accessTokenTtl: config.admin.tokenTtl });

/** A client's own lifetime (`access_token_ttl`, …), when it has one. */
function lifetimeOf(client: { metadata(): Record<string, unknown> } | undefined, field: (typeof CLIENT_LIFETIMES)[number]): number | undefined {
  const value = client?.metadata()[field];
  return typeof value === 'number' ? value : undefined;
}

const shortest = (serverWide: number, own: number | undefined): number => (own === undefined ? serverWide : Math.min(serverWide, own));

export function createProvider(deps: ProviderDependencies): Provider {
  const provider = new Provider(deps.config.issuer, buildConfiguration(deps));
  // The host app (http/forwarded-headers.ts) leaves exactly one X-Forwarded-For and -Proto, decided
  // from the trusted proxies, and a Host taken from ISSUER: the provider reads only those.
  provider.proxy = true;
  provider.maxIpsCount = 1;
  observeProvider(provider, deps.logger);
  useRfc6749ErrorCodes(provider);
  useResponseHeaders(provider);
  if (deps.config.securityProfile !== 'fapi2') useRequestUriByReference(provider, { allowHosts: deps.config.outboundAllowHosts });
  useDeviceFlowGuard(provider, deps);
  useTokenExchange(provider, {
    issuer: deps.config.issuer,
    publicKeys: deps.signingKeys.map(publicJwkOf),
    clients: deps.clientRegistry,
    accounts: deps.accounts,
    resourceServerInfo: createResourceServerInfo(deps.resources, deps.clientRegistry, resourceSigningAlg(deps), adminResourceOf(deps.config)),
  });
  useHashedClientSecrets(provider, deps.clientRegistry, (error) => deps.logger.warn({ err: error }, 'could not record a client secret use'));
  useJwtIntrospection(provider, {
    issuer: deps.config.issuer,
    publicKeys: deps.signingKeys.map(publicJwkOf),
    clients: deps.clientRegistry,
    accounts: deps.accounts,
  });
  return provider;
}
