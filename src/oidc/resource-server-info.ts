import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { ADMIN_SCOPES } from '../admin/admin-scopes.ts';
import type { ClientRecord, ClientRegistry } from '../clients/client-registry.ts';
import { allowedScopesOf, audienceOf } from '../clients/client-record.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import { requestedScopeOf } from './requested-scope.ts';
import { isOidcScope, scopeList } from './scopes.ts';
import type { SigningAlgorithm } from './signing-keys.ts';

type Clients = Pick<ClientRegistry, 'find'>;

/** The admin API as a resource: not registered like other APIs, and only for admin clients. */
export interface AdminResource {
  readonly identifier: string;
  readonly accessTokenTtl: number;
}

function adminResourceInfo(ctx: KoaContextWithOIDC, registration: ClientRecord | undefined, admin: AdminResource, signingAlg: SigningAlgorithm) {
  if (registration?.metadata.admin !== true) throw new errors.InvalidTarget(`resource ${admin.identifier} is only for admin clients`);
  // Admin tokens are the admin client's own, never delegated by a user.
  const grantType = (ctx.oidc.params as { grant_type?: unknown } | undefined)?.grant_type;
  if (ctx.oidc.route !== 'token' || grantType !== 'client_credentials') throw new errors.InvalidTarget(`resource ${admin.identifier} is issued by the client_credentials grant only`);
  const allowed = allowedScopesOf(registration.metadata);
  return {
    scope: ADMIN_SCOPES.filter((scope) => allowed.has(scope)).join(' '),
    audience: admin.identifier,
    accessTokenTTL: admin.accessTokenTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: signingAlg } },
  };
}

/**
 * Maps a `resource` parameter (RFC 8707) to a registered API, for one client: the API must be in
 * the client's `audience`, and the token carries only the API's scopes that the client's `scope`
 * lists; or, in a user's flow, the API admits any client (`user_access: any-client`) and the token
 * carries what the user consented to. oidc-provider calls this for every grant that issues an access token for a resource
 * (code, refresh, client credentials, and any grant added later), so this is the one gate.
 */
export function createResourceServerInfo(resources: ResourceRegistry, clients: Clients, signingAlg: SigningAlgorithm, admin: AdminResource) {
  return async function resourceServerInfo(ctx: KoaContextWithOIDC, indicator: string, client: { clientId: string; metadata?: () => Record<string, unknown> }) {
    if (indicator === admin.identifier) return adminResourceInfo(ctx, await clients.find(client.clientId), admin, signingAlg);
    // A client the registry does not hold (a client ID metadata document) has only its own metadata.
    const metadata = (await clients.find(client.clientId))?.metadata ?? client.metadata?.();
    const listed = metadata !== undefined && audienceOf(metadata).includes(indicator);
    const found = listed || userDelegated(ctx) ? await resources.find(indicator) : undefined;
    const resource = found && (listed || found.userAccess === 'any-client') ? found : undefined;
    if (!metadata || !resource) throw new errors.InvalidTarget(`resource ${indicator} is not registered or not allowed for this client`);
    // A client the API does not list gets what the user consents to of the API's scopes.
    const allowed = listed ? allowedScopesOf(metadata) : new Set(resource.scopes);
    return {
      scope: resource.scopes.filter((scope) => allowed.has(scope)).join(' '),
      audience: resource.identifier,
      accessTokenTTL: resource.accessTokenTtl,
      accessTokenFormat: resource.tokenFormat,
      ...(resource.tokenFormat === 'jwt' ? { jwt: { sign: { alg: signingAlg } } } : {}),
    };
  };
}

/** Grants that carry a user's consent; any other (client credentials, token exchange) needs the client's `audience`. */
const USER_GRANTS: ReadonlySet<string> = new Set(['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']);

/** Whether this request acts for a user who consents: every route but the token endpoint, and there the user grants. */
function userDelegated(ctx: KoaContextWithOIDC): boolean {
  if (ctx.oidc.route !== 'token') return true;
  const grantType = (ctx.oidc.params as { grant_type?: unknown } | undefined)?.grant_type;
  return typeof grantType === 'string' && USER_GRANTS.has(grantType);
}

/**
 * RFC 6749 section 4.4 has no user to consent, so a client-credentials request for a scope outside
 * the client's `scope` metadata is an error (`invalid_scope`), not a silent reduction. Runs as
 * oidc-provider's `extraTokenClaims`, the one hook every client-credentials token passes through.
 */
export function createClientCredentialsScopeCheck(clients: Clients) {
  return async function checkClientCredentialsScope(ctx: KoaContextWithOIDC, token: { kind: string; clientId?: string; resourceServer?: unknown }) {
    if (token.kind !== 'ClientCredentials') return undefined;
    const registration = token.clientId ? await clients.find(token.clientId) : undefined;
    const allowed = new Set(scopeList(registration?.metadata.scope));
    const requested = scopeList(requestedScopeOf(ctx.req) ?? ctx.oidc.params?.scope);
    const refused = requested.filter((scope) => !allowed.has(scope));
    if (refused.length > 0) throw new errors.InvalidScope('requested scope is not allowed for this client', refused.join(' '));
    // An API's scope without the API (RFC 8707 `resource`) would make a token no API can tell is for it.
    const unbound = token.resourceServer ? [] : requested.filter((scope) => !isOidcScope(scope));
    if (unbound.length > 0) throw new errors.InvalidScope('an API scope needs the API named in a resource parameter (RFC 8707)', unbound.join(' '));
    return undefined;
  };
}
