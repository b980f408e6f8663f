import { unsafeJson } from '../http/json-safety.ts';
import { REQUIRE_PKCE } from '../oidc/pkce-policy.ts';
import { ADMIN_ONLY_METADATA } from '../oidc/dynamic-registration.ts';
import { CLIENT_LIFETIMES } from '../clients/client-policy.ts';
import { displayNameProblem } from '../clients/display-name.ts';

export type MetadataDocument = Record<string, unknown> & { client_id: string; client_name: string; redirect_uris: string[] };

/**
 * What only an administrator may grant (APIs, introspection, token exchange, the admin API, a
 * flow without PKCE), and `sector_identifier_uri`, which oidc-provider would fetch at every use.
 */
const REFUSED_FIELDS = [...ADMIN_ONLY_METADATA, 'sector_identifier_uri', 'client_secret', 'client_secret_expires_at'];
const GRANT_TYPES: ReadonlySet<unknown> = new Set(['authorization_code', 'refresh_token']);
// No shared secret can exist with a document anyone may read (draft-ietf-oauth-client-id-metadata-document §4.1).
const AUTH_METHODS: ReadonlySet<unknown> = new Set(['none', 'private_key_jwt']);

export const isLoopbackHost = (hostname: string): boolean => hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** The MCP authorization specification's "localhost or https" for every redirect URI, without credentials. */
function redirectUriProblem(field: string, uris: unknown, required: boolean): string | undefined {
  if (uris === undefined && !required) return undefined;
  if (!Array.isArray(uris) || (required && uris.length === 0) || !uris.every((uri) => typeof uri === 'string')) return `${field} must be a list of URIs${required ? ' (at least one)' : ''}`;
  for (const uri of uris) {
    const url = URL.parse(uri);
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))) return `${field}: only https or loopback http URIs are accepted`;
    if (url.username || url.password) return `${field}: URIs must not carry credentials`;
  }
  return undefined;
}

/**
 * Why a fetched document cannot describe the client `clientId`, or undefined when it can: a JSON
 * object naming itself by exactly that URL, with the MCP specification's required `client_name`
 * and `redirect_uris`, a public or private_key_jwt client of the code flow, asking for nothing
 * only an administrator grants.
 */
export function documentProblem(clientId: string, value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'the document is not a JSON object';
  const unsafe = unsafeJson(value);
  if (unsafe) return unsafe.replace('the body', 'the document');
  const document = value as Record<string, unknown>;
  if (document.client_id !== clientId) return 'the document client_id is not its own URL';
  if (!isNonEmptyString(document.client_name)) return 'the document has no client_name';
  const name = displayNameProblem('client_name', document.client_name);
  if (name) return name;
  const redirect = redirectUriProblem('redirect_uris', document.redirect_uris, true) ?? redirectUriProblem('post_logout_redirect_uris', document.post_logout_redirect_uris, false);
  if (redirect) return redirect;
  const refused = REFUSED_FIELDS.find((field) => document[field] !== undefined);
  if (refused) return `${refused} cannot be set by a client ID metadata document`;
  if (document[REQUIRE_PKCE] !== undefined && document[REQUIRE_PKCE] !== true) return `${REQUIRE_PKCE} can only be true`;
  if (document.token_endpoint_auth_method !== undefined && !AUTH_METHODS.has(document.token_endpoint_auth_method)) return 'token_endpoint_auth_method must be none or private_key_jwt';
  if (document.grant_types !== undefined && !(Array.isArray(document.grant_types) && document.grant_types.every((grant) => GRANT_TYPES.has(grant)))) return 'grant_types may only be authorization_code and refresh_token';
  if (document.response_types !== undefined && !(Array.isArray(document.response_types) && document.response_types.every((type) => type === 'code'))) return 'response_types may only be code';
  for (const field of CLIENT_LIFETIMES) {
    const lifetime = document[field];
    if (lifetime !== undefined && !(typeof lifetime === 'number' && Number.isInteger(lifetime) && lifetime > 0)) return `${field} must be whole seconds`;
  }
  return undefined;
}

/**
 * The document as oidc-provider is given it. Without `scope`: what a client may be granted is
 * Portcullis's decision (ADR 7), not the client's claim, and the provider would refuse API scopes
 * there. Without `token_endpoint_auth_method` it is a public client (RFC 7591's default,
 * client_secret_basic, cannot be met without a registration).
 */
export function providerViewOf(document: MetadataDocument): Record<string, unknown> {
  const { scope: _decidedByPortcullis, ...rest } = document;
  return { token_endpoint_auth_method: 'none', ...rest };
}
