/**
 * Options of {@link createResourceServer}: public shape, defaults, and a one-time
 * validation step that turns them into a frozen, ready-to-use form so that no
 * option is looked at twice on the request path.
 */
import { Buffer } from 'node:buffer';
import { MemoryReplayStore, type ReplayStore } from './replay-store.ts';

/** Token introspection (RFC 7662) settings, used for opaque access tokens. */
export interface IntrospectionOptions {
  /** Introspection endpoint, e.g. `${issuer}/token/introspection`. */
  readonly endpoint: string;
  /** Client id used for `client_secret_basic` authentication at the endpoint. */
  readonly clientId: string;
  /** Client secret used for `client_secret_basic` authentication at the endpoint. */
  readonly clientSecret: string;
  /** Upper bound on how long an active introspection result is cached (seconds, default 60, 0 disables). */
  readonly cacheMaxSeconds?: number;
}

/**
 * RFC 9728 protected resource metadata: the document {@link ResourceServer.metadataAnswer} (and
 * every adapter's `protectedResourceMetadata()`) serves, and whose URL every challenge names.
 */
export interface ResourceMetadataOptions {
  /**
   * The resource identifier (`resource`), an http(s) URL without query or fragment; default: the
   * (first) audience. Must be one of `audience`: MCP clients ask for tokens with it (RFC 8707).
   * The document's URL is derived from it: `https://mcp.example.com/mcp` ->
   * `https://mcp.example.com/.well-known/oauth-protected-resource/mcp`.
   */
  readonly resource?: string;
  /** `authorization_servers`: issuer identifiers; default `[issuer]`. */
  readonly authorizationServers?: readonly string[];
  /** `scopes_supported`: the scopes a client may ask for (MCP clients ask for all of them when a challenge names none). */
  readonly scopesSupported?: readonly string[];
  /** `resource_name`: human-readable name of the API. */
  readonly resourceName?: string;
  /** `resource_documentation`: URL of the API's documentation for developers. */
  readonly resourceDocumentation?: string;
  /**
   * When the resource identifier has a path, also serve the document at the root
   * (`/.well-known/oauth-protected-resource`), where MCP clients look second; default true.
   * Turn it off when several resources share the host.
   */
  readonly serveAtRoot?: boolean;
  /** `Cache-Control: max-age` of the document, seconds; default 3600. */
  readonly cacheMaxAgeSeconds?: number;
}

/** Options of {@link createResourceServer}. Only `issuer` and `audience` are required. */
export interface ResourceServerOptions {
  /** Expected `iss`, compared verbatim (e.g. `https://auth.example.com`). */
  readonly issuer: string;
  /** This API's resource identifier; the token's `aud` must contain it (or one of them). */
  readonly audience: string | readonly string[];
  /** JWKS location; default `${issuer}/jwks`. */
  readonly jwksUri?: string;
  /** Accepted JWS algorithms for access tokens; default `['RS256', 'PS256', 'ES256', 'EdDSA']`. */
  readonly algorithms?: readonly string[];
  /** Leeway for `exp` / `nbf` / `iat` checks, seconds; default 5. */
  readonly clockTolerance?: number;
  /** Minimum delay between two JWKS refetches triggered by an unknown `kid`, seconds; default 30. */
  readonly jwksCooldownSeconds?: number;
  /** Upper bound on how long a verified JWT access token is cached (seconds, default 60, 0 disables). */
  readonly jwtCacheMaxSeconds?: number;
  /** Token introspection for opaque tokens; without it opaque tokens are rejected. */
  readonly introspection?: IntrospectionOptions;
  /** Accepted DPoP proof algorithms; default `['ES256', 'ES384', 'EdDSA', 'Ed25519', 'PS256', 'RS256']`. */
  readonly dpopAlgorithms?: readonly string[];
  /** Maximum age of a DPoP proof (`iat`), seconds; default 60. Also the replay window. */
  readonly dpopMaxAgeSeconds?: number;
  /**
   * Public base URL of this API as clients call it, e.g. `https://api.example.com`, or
   * `https://example.com/api` behind a proxy that strips `/api`. A DPoP proof's `htu`
   * must equal its origin and path plus the request path; the request's own Host is
   * never trusted. Without it, DPoP-bound tokens are refused.
   */
  readonly publicUrl?: string;
  /**
   * Most DPoP proofs remembered for replay detection by the default in-memory store; default
   * 100 000. When full of proofs still inside their window, new proofs are refused until old
   * ones expire. Not with `dpopReplayStore`.
   */
  readonly dpopReplayCacheSize?: number;
  /**
   * Where accepted DPoP proofs are remembered (replay detection); default a per-process
   * {@link MemoryReplayStore}. Behind several instances pass one they share, e.g.
   * `createRedisReplayStore(redis)`, so a proof accepted by one is refused by the others.
   */
  readonly dpopReplayStore?: ReplayStore;
  /**
   * RFC 9728 protected resource metadata, served by `protectedResourceMetadata()` and named
   * (`resource_metadata`) in every 401 / 403 challenge. On by default when the resource
   * identifier (the first audience) is an http(s) URL; `false` turns it off.
   */
  readonly resourceMetadata?: ResourceMetadataOptions | false;
  /** `realm` of `WWW-Authenticate` challenges; default: the (first) audience. */
  readonly realm?: string;
  /** Timeout of JWKS and introspection HTTP requests, milliseconds; default 5000. */
  readonly httpTimeoutMs?: number;
  /** `fetch` implementation for JWKS and introspection requests; default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
}

/** Thrown by {@link createResourceServer} for an invalid option; `option` names it. */
export class ResourceServerConfigError extends TypeError {
  override readonly name = 'ResourceServerConfigError';
  /** Dotted name of the offending option, e.g. `introspection.clientId`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`resource-server: option "${option}" ${problem}`);
    this.option = option;
  }
}

/** Algorithms that may be configured: asymmetric JWS algorithms only. */
export const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'PS256', 'RS256'];

/** Validated, defaulted, frozen options. Durations are milliseconds unless noted. */
export interface ResolvedOptions {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwksUri: string;
  readonly algorithms: readonly string[];
  /** Seconds, as jose expects. */
  readonly clockTolerance: number;
  readonly jwksCooldownMs: number;
  readonly jwtCacheMaxMs: number;
  readonly introspection: ResolvedIntrospection | undefined;
  readonly dpopAlgorithms: readonly string[];
  /** Seconds, as jose expects. */
  readonly dpopMaxAge: number;
  /** Origin plus path prefix without trailing slash; undefined: DPoP-bound tokens are refused. */
  readonly publicUrl: string | undefined;
  /** Undefined when `publicUrl` is not set. */
  readonly dpopReplayStore: ReplayStore | undefined;
  readonly realm: string;
  /** Undefined: no metadata, no `resource_metadata` in challenges. */
  readonly resourceMetadata: ResolvedResourceMetadata | undefined;
  readonly httpTimeoutMs: number;
  readonly fetch: typeof fetch;
}

export interface ResolvedResourceMetadata {
  readonly resource: string;
  /** Absolute URL of the document (RFC 9728 §3.1). */
  readonly url: string;
  /** Request paths answered with the document: the URL's path, and the root one when enabled. */
  readonly paths: readonly string[];
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[] | undefined;
  readonly resourceName: string | undefined;
  readonly resourceDocumentation: string | undefined;
  readonly cacheMaxAgeSeconds: number;
}

export interface ResolvedIntrospection {
  readonly endpoint: string;
  /** Precomputed `Authorization: Basic …` value. */
  readonly authorization: string;
  readonly cacheMaxMs: number;
}

const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([
  'issuer',
  'audience',
  'jwksUri',
  'algorithms',
  'clockTolerance',
  'jwksCooldownSeconds',
  'jwtCacheMaxSeconds',
  'introspection',
  'dpopAlgorithms',
  'dpopMaxAgeSeconds',
  'publicUrl',
  'dpopReplayCacheSize',
  'dpopReplayStore',
  'resourceMetadata',
  'realm',
  'httpTimeoutMs',
  'fetch',
]);
/** Options that only matter for DPoP: setting one without `publicUrl` is a configuration mistake. */
const DPOP_KEYS: readonly (keyof ResourceServerOptions)[] = [
  'dpopAlgorithms',
  'dpopMaxAgeSeconds',
  'dpopReplayCacheSize',
  'dpopReplayStore',
];
const METADATA_KEYS: ReadonlySet<string> = new Set([
  'resource',
  'authorizationServers',
  'scopesSupported',
  'resourceName',
  'resourceDocumentation',
  'serveAtRoot',
  'cacheMaxAgeSeconds',
]);
/** RFC 9728 §3: the well-known URI suffix. */
export const WELL_KNOWN_PATH = '/.well-known/oauth-protected-resource';
const INTROSPECTION_KEYS: ReadonlySet<string> = new Set(['endpoint', 'clientId', 'clientSecret', 'cacheMaxSeconds']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rejectUnknownKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw new ResourceServerConfigError(`${prefix}${key}`, 'is not a known option');
  }
}

function httpUrl(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ResourceServerConfigError(name, 'must be a non-empty string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ResourceServerConfigError(name, 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ResourceServerConfigError(name, 'must be an http: or https: URL');
  }
  if (url.hash !== '') throw new ResourceServerConfigError(name, 'must not contain a fragment');
  return value;
}

function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ResourceServerConfigError(name, 'must be a non-empty string');
  return value;
}

function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ResourceServerConfigError(name, 'must be a finite number >= 0');
  }
  return value;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ResourceServerConfigError(name, 'must be an integer >= 1');
  }
  return value;
}

function algorithmList(name: string, value: unknown, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length === 0) {
    throw new ResourceServerConfigError(name, 'must be a non-empty array of algorithm names');
  }
  for (const alg of value as unknown[]) {
    if (typeof alg !== 'string') throw new ResourceServerConfigError(name, 'must contain only strings');
    if (alg.toLowerCase() === 'none' || /^HS\d+$/i.test(alg)) {
      throw new ResourceServerConfigError(name, `must not contain "${alg}" (only asymmetric algorithms are allowed)`);
    }
    if (!SUPPORTED_ALGORITHMS.has(alg)) {
      throw new ResourceServerConfigError(name, `contains unsupported algorithm "${alg}"`);
    }
  }
  return Object.freeze([...new Set(value as string[])]);
}

function audienceList(value: unknown): readonly string[] {
  if (typeof value === 'string' && value !== '') return Object.freeze([value]);
  if (Array.isArray(value) && value.length > 0 && value.every((aud) => typeof aud === 'string' && aud !== '')) {
    return Object.freeze([...(value as string[])]);
  }
  throw new ResourceServerConfigError('audience', 'must be a non-empty string or a non-empty array of non-empty strings');
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding. */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

function resolveIntrospection(value: unknown): ResolvedIntrospection | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new ResourceServerConfigError('introspection', 'must be an object');
  rejectUnknownKeys(value, INTROSPECTION_KEYS, 'introspection.');
  const endpoint = httpUrl('introspection.endpoint', value.endpoint);
  const clientId = nonEmptyString('introspection.clientId', value.clientId);
  if (typeof value.clientSecret !== 'string') {
    throw new ResourceServerConfigError('introspection.clientSecret', 'must be a string');
  }
  const credentials = `${formEncode(clientId)}:${formEncode(value.clientSecret)}`;
  return Object.freeze({
    endpoint,
    authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`,
    cacheMaxMs: seconds('introspection.cacheMaxSeconds', value.cacheMaxSeconds, 60) * 1000,
  });
}

/** `origin` + path prefix without trailing slash: `https://example.com/api/` -> `https://example.com/api`. */
function resolvePublicUrl(options: ResourceServerOptions): string | undefined {
  if (options.publicUrl === undefined) {
    const dpopOption = DPOP_KEYS.find((key) => options[key] !== undefined);
    if (dpopOption !== undefined) {
      throw new ResourceServerConfigError('publicUrl', `is required when ${dpopOption} is set (DPoP proofs are checked against it)`);
    }
    return undefined;
  }
  const url = new URL(httpUrl('publicUrl', options.publicUrl));
  if (url.href.includes('?')) throw new ResourceServerConfigError('publicUrl', 'must not contain a query');
  if (url.username !== '' || url.password !== '') throw new ResourceServerConfigError('publicUrl', 'must not contain credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function replayStoreOf(options: ResourceServerOptions, publicUrl: string | undefined): ReplayStore | undefined {
  if (publicUrl === undefined) return undefined;
  const store: unknown = options.dpopReplayStore;
  const maxEntries = positiveInteger('dpopReplayCacheSize', options.dpopReplayCacheSize, 100_000);
  if (store === undefined) return new MemoryReplayStore({ maxEntries });
  if (options.dpopReplayCacheSize !== undefined) {
    throw new ResourceServerConfigError('dpopReplayCacheSize', 'applies to the default in-memory store only: not with dpopReplayStore');
  }
  if (!isRecord(store) || typeof store.recordOnce !== 'function') {
    throw new ResourceServerConfigError('dpopReplayStore', 'must be an object with a recordOnce(key, ttlMs) method');
  }
  return store as unknown as ReplayStore;
}

function stringList(name: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '' && !item.includes(' '))) {
    throw new ResourceServerConfigError(name, 'must be an array of non-empty strings without spaces');
  }
  return Object.freeze([...new Set(value as string[])]);
}

/** RFC 9728 §3.1: the well-known suffix goes between the host and the path (a lone "/" path is dropped). */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${WELL_KNOWN_PATH}${path}`;
}

function resolveResourceMetadata(value: unknown, issuer: string, audiences: readonly string[]): ResolvedResourceMetadata | undefined {
  if (value === false) return undefined;
  const explicit = value !== undefined;
  let settings: Record<string, unknown> = {};
  if (explicit) {
    if (!isRecord(value)) throw new ResourceServerConfigError('resourceMetadata', 'must be an object or false');
    settings = value;
  }
  rejectUnknownKeys(settings, METADATA_KEYS, 'resourceMetadata.');

  const resource: unknown = settings.resource ?? audiences[0];
  if (settings.resource === undefined && !explicit) {
    // On by default only when the audience is a URL the document can be derived from.
    try {
      const url = new URL(resource as string);
      if (
        (url.protocol !== 'https:' && url.protocol !== 'http:') ||
        url.search !== '' ||
        url.hash !== '' ||
        (resource as string).includes('#')
      )
        return undefined;
    } catch {
      return undefined;
    }
  }
  const name = settings.resource === undefined ? 'resourceMetadata.resource (default: audience)' : 'resourceMetadata.resource';
  const identifier = httpUrl(name, resource);
  if (identifier.includes('?')) throw new ResourceServerConfigError(name, 'must not contain a query (RFC 9728 §1.2)');
  if (!audiences.includes(identifier)) throw new ResourceServerConfigError(name, 'must be one of audience');

  const authorizationServers =
    settings.authorizationServers === undefined
      ? Object.freeze([issuer])
      : stringList('resourceMetadata.authorizationServers', settings.authorizationServers).map((server, index) =>
          httpUrl(`resourceMetadata.authorizationServers[${index}]`, server),
        );
  if (authorizationServers.length === 0) throw new ResourceServerConfigError('resourceMetadata.authorizationServers', 'must not be empty');
  const scopesSupported =
    settings.scopesSupported === undefined ? undefined : stringList('resourceMetadata.scopesSupported', settings.scopesSupported);
  const resourceName =
    settings.resourceName === undefined ? undefined : nonEmptyString('resourceMetadata.resourceName', settings.resourceName);
  const resourceDocumentation =
    settings.resourceDocumentation === undefined
      ? undefined
      : httpUrl('resourceMetadata.resourceDocumentation', settings.resourceDocumentation);
  if (settings.serveAtRoot !== undefined && typeof settings.serveAtRoot !== 'boolean') {
    throw new ResourceServerConfigError('resourceMetadata.serveAtRoot', 'must be a boolean');
  }
  const cacheMaxAgeSeconds = seconds('resourceMetadata.cacheMaxAgeSeconds', settings.cacheMaxAgeSeconds, 3600);

  const url = resourceMetadataUrl(identifier);
  const path = new URL(url).pathname;
  const paths = settings.serveAtRoot !== false && path !== WELL_KNOWN_PATH ? [path, WELL_KNOWN_PATH] : [path];
  return Object.freeze({
    resource: identifier,
    url,
    paths: Object.freeze(paths),
    authorizationServers: Object.freeze([...authorizationServers]),
    scopesSupported,
    resourceName,
    resourceDocumentation,
    cacheMaxAgeSeconds: Math.floor(cacheMaxAgeSeconds),
  });
}

/**
 * Validates `options` once and returns the resolved form.
 * @throws {ResourceServerConfigError} naming the first invalid option.
 */
export function resolveOptions(options: ResourceServerOptions): ResolvedOptions {
  if (!isRecord(options)) throw new ResourceServerConfigError('options', 'must be an object');
  rejectUnknownKeys(options, TOP_LEVEL_KEYS, '');
  const issuer = httpUrl('issuer', options.issuer);
  const audiences = audienceList(options.audience);
  const jwksUri = options.jwksUri === undefined ? `${issuer.replace(/\/+$/, '')}/jwks` : httpUrl('jwksUri', options.jwksUri);
  const fetchImpl: unknown = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new ResourceServerConfigError('fetch', 'must be a function');
  const httpTimeoutMs = seconds('httpTimeoutMs', options.httpTimeoutMs, 5000);
  if (httpTimeoutMs === 0) throw new ResourceServerConfigError('httpTimeoutMs', 'must be greater than 0');
  const realm = options.realm === undefined ? (audiences[0] ?? '') : nonEmptyString('realm', options.realm);
  const dpopAlgorithms = algorithmList('dpopAlgorithms', options.dpopAlgorithms, DEFAULT_DPOP_ALGORITHMS);
  const publicUrl = resolvePublicUrl(options);

  return Object.freeze({
    issuer,
    audiences,
    jwksUri,
    algorithms: algorithmList('algorithms', options.algorithms, DEFAULT_ALGORITHMS),
    clockTolerance: seconds('clockTolerance', options.clockTolerance, 5),
    jwksCooldownMs: seconds('jwksCooldownSeconds', options.jwksCooldownSeconds, 30) * 1000,
    jwtCacheMaxMs: seconds('jwtCacheMaxSeconds', options.jwtCacheMaxSeconds, 60) * 1000,
    introspection: resolveIntrospection(options.introspection),
    dpopAlgorithms,
    dpopMaxAge: seconds('dpopMaxAgeSeconds', options.dpopMaxAgeSeconds, 60),
    publicUrl,
    dpopReplayStore: replayStoreOf(options, publicUrl),
    realm,
    resourceMetadata: resolveResourceMetadata(options.resourceMetadata, issuer, audiences),
    // AbortSignal.timeout() takes whole milliseconds only.
    httpTimeoutMs: Math.ceil(httpTimeoutMs),
    fetch: fetchImpl as typeof fetch,
  });
}
