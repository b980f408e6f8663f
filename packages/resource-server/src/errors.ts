/**
 * Error type thrown (framework-neutral API) or rendered (adapters) when a
 * request cannot be authorized. Codes and statuses follow RFC 6750 §3.1 and
 * RFC 9449 §7.1; challenges carry RFC 9728's `resource_metadata`.
 */

/** Stable error codes. */
export type ResourceServerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof';

/** Authorization scheme used in the `WWW-Authenticate` challenge. */
export type AuthScheme = 'Bearer' | 'DPoP';

const STATUS_BY_CODE: Readonly<Record<ResourceServerErrorCode, 400 | 401 | 403>> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
};

/** Characters allowed inside challenge attribute values (RFC 6750 §3 `error_description` grammar). */
const DISALLOWED_IN_CHALLENGE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;

/** Options accepted by the {@link ResourceServerError} constructor. */
export interface ResourceServerErrorOptions {
  /** Underlying error (jose error, network error, …), exposed as `error.cause`. */
  readonly cause?: unknown;
  /** Space-separated scopes the request needs (`scope` challenge attribute, RFC 6750 §3). */
  readonly scope?: string | undefined;
  /**
   * The request carried no credentials at all: per RFC 6750 §3.1 the challenge
   * then carries no `error` attribute.
   */
  readonly credentialsMissing?: boolean;
  /** Challenge scheme; defaults to `Bearer`. */
  readonly scheme?: AuthScheme;
  /** `realm` challenge attribute. */
  readonly realm?: string | undefined;
  /** Space-separated DPoP proof algorithms (`algs` attribute of a DPoP challenge). */
  readonly dpopAlgorithms?: string | undefined;
  /** URL of the RFC 9728 protected resource metadata (`resource_metadata` challenge attribute). */
  readonly resourceMetadata?: string | undefined;
}

/**
 * Why a request was refused. `status` is the HTTP status to answer with,
 * `wwwAuthenticate` the ready-made `WWW-Authenticate` header value, and
 * {@link ResourceServerError.toJSON} the JSON body. Neither the message nor the
 * header ever contains the access token.
 *
 * @example
 * ```ts
 * try {
 *   const auth = await rs.verifyRequest({ method, url, headers });
 * } catch (error) {
 *   if (!(error instanceof ResourceServerError)) throw error;
 *   res.writeHead(error.status, { 'www-authenticate': error.wwwAuthenticate, 'content-type': 'application/json' });
 *   res.end(JSON.stringify(error));
 * }
 * ```
 */
export class ResourceServerError extends Error {
  override readonly name = 'ResourceServerError';
  /** Stable machine-readable code. */
  readonly code: ResourceServerErrorCode;
  /** HTTP status: 400 invalid_request, 401 invalid_token / invalid_dpop_proof, 403 insufficient_scope. */
  readonly status: 400 | 401 | 403;
  /** Human-readable description (also `message`); never contains the token. */
  readonly description: string;
  /**
   * Scopes the request needs, space separated: for `insufficient_scope` the scopes to ask for
   * (step-up), otherwise those the route requires. Undefined when the route requires none.
   */
  readonly scope: string | undefined;
  /** True when the request had no credentials (the challenge then has no `error`). */
  readonly credentialsMissing: boolean;
  /** Scheme of the challenge (`DPoP` when the token is DPoP-bound). */
  readonly scheme: AuthScheme;
  /** URL of the protected resource metadata named in the challenge, if any (RFC 9728 §5.1). */
  readonly resourceMetadata: string | undefined;
  /** Value for the `WWW-Authenticate` response header. */
  readonly wwwAuthenticate: string;

  constructor(code: ResourceServerErrorCode, description: string, options: ResourceServerErrorOptions = {}) {
    // Keep only characters RFC 6750 allows in error_description, so body and header agree.
    const safeDescription = description.replace(DISALLOWED_IN_CHALLENGE, '');
    super(safeDescription, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.description = safeDescription;
    this.scope = options.scope;
    this.credentialsMissing = options.credentialsMissing === true;
    this.scheme = options.scheme ?? 'Bearer';
    this.resourceMetadata = options.resourceMetadata;
    this.wwwAuthenticate = formatChallenge(this, options.realm, options.dpopAlgorithms);
  }

  /** JSON body per RFC 6750: `{ error, error_description }`. */
  toJSON(): { error: ResourceServerErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

function quote(value: string): string {
  return `"${value.replace(DISALLOWED_IN_CHALLENGE, '')}"`;
}

function formatChallenge(error: ResourceServerError, realm: string | undefined, dpopAlgorithms: string | undefined): string {
  const params: string[] = [];
  if (realm !== undefined) params.push(`realm=${quote(realm)}`);
  if (!error.credentialsMissing) {
    params.push(`error=${quote(error.code)}`, `error_description=${quote(error.description)}`);
  }
  if (error.scope !== undefined) params.push(`scope=${quote(error.scope)}`);
  if (error.resourceMetadata !== undefined) params.push(`resource_metadata=${quote(error.resourceMetadata)}`);
  if (error.scheme === 'DPoP' && dpopAlgorithms !== undefined) params.push(`algs=${quote(dpopAlgorithms)}`);
  return params.length === 0 ? error.scheme : `${error.scheme} ${params.join(', ')}`;
}

/** A complete HTTP answer, framework-neutral: what every adapter sends. */
export interface HttpAnswer {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Response body (empty for 204). */
  readonly body: string;
}

/**
 * The response for a refused request: the error's status, `WWW-Authenticate`, `Cache-Control:
 * no-store` and the RFC 6750 JSON body. Anything that is not a {@link ResourceServerError} is
 * answered as `invalid_token` (fail closed); the adapters never let such an error through.
 */
export function errorAnswer(error: unknown): HttpAnswer {
  const failure =
    error instanceof ResourceServerError
      ? error
      : new ResourceServerError('invalid_token', 'access token could not be verified', { cause: error });
  return {
    status: failure.status,
    headers: {
      'www-authenticate': failure.wwwAuthenticate,
      'cache-control': 'no-store',
      'content-type': 'application/json; charset=utf-8',
    },
    body: JSON.stringify(failure.toJSON()),
  };
}
