/**
 * Options of {@link createResourceServer}: public shape, defaults, and a one-time
 * validation step that turns them into a frozen, ready-to-use form so that no
 * option is looked at twice on the request path.
 */
import { Buffer } from 'node:buffer';

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
   * Most DPoP proofs remembered for replay detection; default 100 000. When full of
   * proofs still inside their window, new proofs are refused until old ones expire.
   */
  readonly dpopReplayCacheSize?: number;
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
  readonly dpopReplayCacheSize: number;
  readonly realm: string;
  readonly httpTimeoutMs: number;
  readonly fetch: typeof fetch;
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
  'realm',
  'httpTimeoutMs',
  'fetch',
]);
/** Options that only matter for DPoP: setting one without `publicUrl` is a configuration mistake. */
const DPOP_KEYS: readonly (keyof ResourceServerOptions)[] = ['dpopAlgorithms', 'dpopMaxAgeSeconds', 'dpopReplayCacheSize'];
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

  return Object.freeze({
    issuer,
    audiences,
    jwksUri,
    algorithms: algorithmList('algorithms', options.algorithms, DEFAULT_ALGORITHMS),
    clockTolerance: seconds('clockTolerance', options.clockTolerance, 5),
    jwksCooldownMs: seconds('jwksCooldownSeconds', options.jwksCooldownSeconds, 30) * 1000,
    jwtCacheMaxMs: seconds('jwtCacheMaxSeconds', options.jwtCacheMaxSeconds, 60) * 1000,
    introspection: resolveIntrospection(options.introspection),
    dpopAlgorithms: algorithmList('dpopAlgorithms', options.dpopAlgorithms, DEFAULT_DPOP_ALGORITHMS),
    dpopMaxAge: seconds('dpopMaxAgeSeconds', options.dpopMaxAgeSeconds, 60),
    publicUrl: resolvePublicUrl(options),
    dpopReplayCacheSize: positiveInteger('dpopReplayCacheSize', options.dpopReplayCacheSize, 100_000),
    realm,
    // AbortSignal.timeout() takes whole milliseconds only.
    httpTimeoutMs: Math.ceil(httpTimeoutMs),
    fetch: fetchImpl as typeof fetch,
  });
}
