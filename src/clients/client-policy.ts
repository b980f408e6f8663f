import { DEFAULT_ADMIN_CLIENT_SCOPE } from '../admin/admin-scopes.ts';
import { SCOPE_TOKEN, scopeList } from '../oidc/scopes.ts';
import { InvalidClientMetadataError } from './errors.ts';

const FORBIDDEN_RESPONSE_TYPE = /(^|\s)(token|id_token)(\s|$)/;
const FORBIDDEN_GRANTS = new Set(['implicit', 'password']);
const CLIENT_ID = /^[A-Za-z0-9._~-]{3,128}$/;
// Account ids (the `sub` of user tokens) are UUIDs; a machine token's `sub` is its client_id.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Symmetric JOSE algorithms use the client secret as key; Portcullis keeps only its hash.
const SYMMETRIC_ALG = /^(HS\d+|A\d+KW|A\d+GCMKW|dir|PBES2-.*)$/;
const MAX_AUDIENCES = 50;
const MAX_SCOPE_LENGTH = 4096;

const refuse = (message: string): never => {
  throw new InvalidClientMetadataError(message);
};

const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

export function validClientId(clientId: unknown): string {
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    refuse('client_id must be 3-128 characters of letters, digits, ".", "_", "~" or "-"');
  }
  if (UUID.test(clientId as string)) {
    refuse('client_id must not be a UUID: UUIDs are account ids, and a machine token\'s sub is its client_id');
  }
  return clientId as string;
}

/** RFC 9700: no implicit or hybrid flows, no resource owner password credentials. */
function checkFlows(metadata: Record<string, unknown>): void {
  const responseTypes = metadata.response_types;
  if (Array.isArray(responseTypes) && responseTypes.some((type) => typeof type === 'string' && FORBIDDEN_RESPONSE_TYPE.test(type))) {
    refuse('response_types: only "code" is supported (implicit and hybrid flows are disabled, RFC 9700)');
  }
  const grantTypes = Array.isArray(metadata.grant_types) ? metadata.grant_types : [];
  if (grantTypes.some((grant) => FORBIDDEN_GRANTS.has(grant as string))) {
    refuse('grant_types: implicit and password grants are disabled (RFC 9700)');
  }
  // RFC 6749 section 4.4: the client credentials grant is for confidential clients only.
  if (grantTypes.includes('client_credentials') && metadata.token_endpoint_auth_method === 'none') {
    refuse('grant_types: client_credentials needs a confidential client (token_endpoint_auth_method "none" has no credentials)');
  }
}

function checkSecretUse(metadata: Record<string, unknown>): void {
  if (metadata.token_endpoint_auth_method === 'client_secret_jwt') {
    refuse('token_endpoint_auth_method: client_secret_jwt is not supported (secrets are stored hashed); use private_key_jwt or client_secret_basic');
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (key.endsWith('_alg') && typeof value === 'string' && SYMMETRIC_ALG.test(value)) {
      refuse(`${key}: symmetric algorithms are not supported (they need the plain client secret, which is stored hashed)`);
    }
  }
}

function normalizeScope(metadata: Record<string, unknown>): void {
  if (metadata.scope === undefined) return;
  if (typeof metadata.scope !== 'string' || metadata.scope.length > MAX_SCOPE_LENGTH) {
    refuse('scope must be a string of space-separated scope tokens');
  }
  const scopes = scopeList(metadata.scope);
  if (scopes.some((scope) => !SCOPE_TOKEN.test(scope))) refuse('scope contains a character not allowed in a scope token (RFC 6749 section 3.3)');
  if (scopes.length === 0) delete metadata.scope;
  else metadata.scope = scopes.join(' ');
}

function normalizeAudience(metadata: Record<string, unknown>): void {
  const audience = metadata.audience;
  if (audience === undefined) return;
  const valid =
    Array.isArray(audience) &&
    audience.length <= MAX_AUDIENCES &&
    audience.every((entry) => typeof entry === 'string' && entry.length <= 2048 && URL.canParse(entry) && !entry.includes('#'));
  if (!valid) refuse(`audience must be an array of at most ${MAX_AUDIENCES} absolute URIs without fragments (registered resource identifiers)`);
  metadata.audience = [...new Set(audience as string[])];
}

/** Per-client token lifetimes: shorter than the server's only (issuance takes the smaller of the two). */
export const CLIENT_LIFETIMES = ['access_token_ttl', 'refresh_token_ttl', 'id_token_ttl'] as const;
const LONGEST_LIFETIME = 10 * 365 * 86_400;

function checkLifetimes(metadata: Record<string, unknown>): void {
  for (const field of CLIENT_LIFETIMES) {
    const value = metadata[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > LONGEST_LIFETIME) refuse(`${field} must be whole seconds from 1 to ${LONGEST_LIFETIME}`);
  }
}

/** A client without the authorization code grant sends nobody anywhere: no redirect URIs needed. */
function defaultMachineClient(metadata: Record<string, unknown>): void {
  const grantTypes = metadata.grant_types;
  if (!Array.isArray(grantTypes) || grantTypes.length === 0 || grantTypes.includes('authorization_code')) return;
  metadata.redirect_uris ??= [];
  metadata.response_types ??= [];
}

/**
 * An admin client (`"admin": true`) is a confidential client_credentials client whose tokens are for
 * the admin API; no other client may name that API in its `audience`. Without a `scope` it gets
 * `admin:read admin:write`.
 */
function checkAdmin(metadata: Record<string, unknown>, adminResource: string | undefined): void {
  const admin = metadata.admin;
  if (admin !== undefined && typeof admin !== 'boolean') refuse('admin must be true or false');
  if (admin !== true) {
    delete metadata.admin;
    if (adminResource && Array.isArray(metadata.audience) && metadata.audience.includes(adminResource)) {
      refuse(`audience: ${adminResource} is the admin API, only for admin clients ("admin": true)`);
    }
    return;
  }
  metadata.grant_types ??= ['client_credentials'];
  metadata.response_types ??= [];
  metadata.redirect_uris ??= [];
  const grantTypes = metadata.grant_types;
  if (!Array.isArray(grantTypes) || grantTypes.length !== 1 || grantTypes[0] !== 'client_credentials') {
    refuse('grant_types: an admin client uses client_credentials only');
  }
  // A response type or a redirect URI would let oidc-provider add the authorization code grant.
  for (const field of ['response_types', 'redirect_uris', 'post_logout_redirect_uris']) {
    const value = metadata[field];
    if (value !== undefined && (!Array.isArray(value) || value.length > 0)) refuse(`${field}: an admin client signs no user in, so it has none`);
  }
  metadata.scope ??= DEFAULT_ADMIN_CLIENT_SCOPE;
}

/** Redirect URIs an admin may believe mean something else; refused in production, reported otherwise. */
function redirectUriProblems(metadata: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const field of ['redirect_uris', 'post_logout_redirect_uris']) {
    const uris = metadata[field];
    if (!Array.isArray(uris)) continue;
    for (const uri of uris) {
      if (typeof uri !== 'string' || !URL.canParse(uri)) continue;
      const url = new URL(uri);
      if (decodeURIComponent(url.hostname).includes('*') || uri.includes('*')) {
        problems.push(`${field}: ${uri} is matched literally (wildcards are not supported)`);
      } else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
        problems.push(`${field}: ${uri} uses plain http on a non-loopback host`);
      }
    }
  }
  return problems;
}

/**
 * Portcullis's registration policy on top of the provider's own validation. Normalizes `scope` and
 * `audience` in place; returns warnings (development) or throws (production, or always-wrong input).
 */
export function enforceClientPolicy(metadata: Record<string, unknown>, { production, adminResource }: { production: boolean; adminResource?: string | undefined }): string[] {
  checkAdmin(metadata, adminResource);
  defaultMachineClient(metadata);
  checkFlows(metadata);
  checkSecretUse(metadata);
  normalizeScope(metadata);
  normalizeAudience(metadata);
  checkLifetimes(metadata);
  const problems = redirectUriProblems(metadata);
  if (production && problems.length > 0) refuse(`${problems[0]!}; not allowed in production`);
  return problems;
}
