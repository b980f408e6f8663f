/**
 * Framework-neutral core: Authorization header -> verified {@link AuthInfo}
 * (JWT or introspection, cached), DPoP binding, scope check, and conversion of
 * every failure into a {@link ResourceServerError} with the right challenge
 * (including RFC 9728's `resource_metadata` and the route's `scope`).
 */
import { hash } from 'node:crypto';
import { buildAuthInfo, type AuthInfo } from './auth-info.ts';
import { assertToken68, splitAuthorization, type Credentials } from './authorization-header.ts';
import { DpopVerifier, type RequestUrl } from './dpop.ts';
import { ResourceServerError, type AuthScheme, type HttpAnswer } from './errors.ts';
import { ExpiringCache } from './expiring-cache.ts';
import { createIntrospector, type Introspector, type VerifiedToken } from './introspect.ts';
import { JwksCache } from './jwks-cache.ts';
import { buildMetadata, createMetadataResponder, type ProtectedResourceMetadata } from './metadata.ts';
import { resolveOptions, type ResolvedOptions, type ResourceServerOptions } from './options.ts';
import { createJwtVerifier, looksLikeJws, type JwtVerifier } from './verify-jwt.ts';

/** Framework-neutral view of an incoming request. */
export interface ResourceRequest {
  /** HTTP method, upper case (`GET`). */
  readonly method: string;
  /**
   * The request target (Node's `req.url`, e.g. `/orders?page=2`) or an absolute URL. Only its path
   * is read, for DPoP: `htu` must be `publicUrl` + this path. Its scheme and host are ignored.
   */
  readonly url: RequestUrl;
  /** Request headers with lower-case names (Node's `IncomingMessage#headers` fits). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * A configured resource server. Create one per API with {@link createResourceServer} and reuse
 * it; plug it into a framework with an adapter (`@portcullis/resource-server/koa`, `/express`,
 * `/fastify`, `/node`, `/mcp`).
 */
export interface ResourceServer {
  /**
   * Authenticates a request and checks it holds every scope in `requiredScopes`.
   * @throws {ResourceServerError} whenever the request must be refused; its `status` and
   *   `wwwAuthenticate` are ready to send (see {@link errorAnswer}).
   */
  verifyRequest(request: ResourceRequest, requiredScopes?: readonly string[]): Promise<AuthInfo>;
  /** Accepted audiences (`aud` must contain one). */
  readonly audiences: readonly string[];
  /** RFC 9728 resource identifier; undefined when resource metadata is off. */
  readonly resource: string | undefined;
  /** URL of the protected resource metadata, named in every challenge; undefined when off. */
  readonly resourceMetadataUrl: string | undefined;
  /** The RFC 9728 document; undefined when off. */
  readonly resourceMetadata: ProtectedResourceMetadata | undefined;
  /** Request paths the document is served at (its URL's path, and the root one unless turned off). */
  readonly resourceMetadataPaths: readonly string[];
  /**
   * The answer to a request for the metadata document, or `undefined` when `url` is not one of
   * {@link resourceMetadataPaths} (the request is then not about metadata: pass it on).
   */
  metadataAnswer(method: string, url: RequestUrl): HttpAnswer | undefined;
}

/**
 * Token check used by the adapters: returns synchronously for a cached, unbound Bearer token.
 * @internal
 */
export type VerifyCredentials = (
  authorization: string | readonly string[] | undefined,
  dpopProof: string | readonly string[] | undefined,
  method: string,
  url: RequestUrl,
  requiredScopes: readonly string[],
) => AuthInfo | Promise<AuthInfo>;

const verifiers = new WeakMap<ResourceServer, VerifyCredentials>();

/**
 * The synchronous-when-cached verifier behind `rs` (adapters use it to skip a promise per request).
 * @internal
 */
export function verifierOf(rs: ResourceServer): VerifyCredentials {
  const verify = verifiers.get(rs);
  if (verify !== undefined) return verify;
  if (typeof rs?.verifyRequest !== 'function') throw new TypeError('resource-server: expected the object createResourceServer() returns');
  // Another copy of the package, or a stand-in: go through the public method.
  return (authorization, dpop, method, url, requiredScopes) =>
    rs.verifyRequest({ method, url, headers: { authorization, dpop } }, requiredScopes);
}

/** Checks scope names once, where a route is set up. @internal */
export function checkScopeNames(scopes: readonly unknown[], caller: string): readonly string[] {
  for (const scope of scopes) {
    if (typeof scope !== 'string' || scope === '' || scope.includes(' ')) {
      throw new TypeError(`resource-server: ${caller} takes non-empty scope names without spaces, got ${JSON.stringify(scope)}`);
    }
  }
  return Object.freeze([...(scopes as string[])]);
}

const TOKEN_CACHE_MAX_ENTRIES = 10_000;

function checkScopes(auth: AuthInfo, requiredScopes: readonly string[]): void {
  for (const scope of requiredScopes) {
    if (!auth.scopes.includes(scope)) {
      throw new ResourceServerError('insufficient_scope', 'access token lacks a required scope', {
        scope: requiredScopes.join(' '),
      });
    }
  }
}

class Core {
  readonly #options: ResolvedOptions;
  readonly #dpopAlgs: string;
  readonly #verifyJwt: JwtVerifier;
  readonly #introspect: Introspector | undefined;
  /** Undefined without `publicUrl`: DPoP-bound tokens are then refused. */
  readonly #dpop: DpopVerifier | undefined;
  readonly #cache = new ExpiringCache<AuthInfo>(TOKEN_CACHE_MAX_ENTRIES);
  readonly #pending = new Map<string, Promise<AuthInfo>>();

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#dpopAlgs = options.dpopAlgorithms.join(' ');
    const jwks = new JwksCache({
      uri: options.jwksUri,
      fetch: options.fetch,
      cooldownMs: options.jwksCooldownMs,
      timeoutMs: options.httpTimeoutMs,
    });
    this.#verifyJwt = createJwtVerifier(jwks, options);
    this.#introspect =
      options.introspection === undefined
        ? undefined
        : createIntrospector({
            ...options.introspection,
            issuer: options.issuer,
            audiences: options.audiences,
            clockTolerance: options.clockTolerance,
            timeoutMs: options.httpTimeoutMs,
            fetch: options.fetch,
          });
    this.#dpop =
      options.publicUrl === undefined || options.dpopReplayStore === undefined
        ? undefined
        : new DpopVerifier({
            algorithms: options.dpopAlgorithms,
            maxAge: options.dpopMaxAge,
            clockTolerance: options.clockTolerance,
            publicUrl: options.publicUrl,
            replayStore: options.dpopReplayStore,
          });
  }

  /**
   * Returns synchronously for the hot path (cached, unbound Bearer token), else
   * a promise. Throws / rejects with a request-specific ResourceServerError.
   */
  verify(
    authorization: string | readonly string[] | undefined,
    dpopProof: string | readonly string[] | undefined,
    method: string,
    url: RequestUrl,
    requiredScopes: readonly string[],
  ): AuthInfo | Promise<AuthInfo> {
    let credentials: Credentials;
    let cacheKey: string;
    try {
      credentials = splitAuthorization(authorization);
      cacheKey = hash('sha256', credentials.token, 'base64url');
      const cached = this.#cache.get(cacheKey, Date.now());
      if (cached !== undefined) {
        // A cache hit means this exact token string was fully validated before.
        if (cached.jkt === undefined && credentials.scheme === 'Bearer') {
          checkScopes(cached, requiredScopes);
          return cached;
        }
      } else {
        assertToken68(credentials.token);
      }
    } catch (error) {
      // Only header errors and unbound Bearer tokens get here: Bearer challenge.
      throw this.#finalize(error, 'Bearer', requiredScopes);
    }
    return this.#verifySlow(credentials, cacheKey, dpopProof, method, url, requiredScopes);
  }

  async #verifySlow(
    credentials: Credentials,
    cacheKey: string,
    dpopProof: string | readonly string[] | undefined,
    method: string,
    url: RequestUrl,
    requiredScopes: readonly string[],
  ): Promise<AuthInfo> {
    let scheme: AuthScheme = credentials.scheme;
    try {
      const auth = await this.#authenticate(credentials.token, cacheKey);
      if (auth.jkt !== undefined) {
        scheme = 'DPoP';
        if (this.#dpop === undefined) {
          throw new ResourceServerError('invalid_token', 'DPoP-bound access tokens are not accepted (publicUrl not configured)');
        }
        if (credentials.scheme !== 'DPoP') {
          throw new ResourceServerError('invalid_token', 'DPoP-bound access token requires the DPoP authorization scheme');
        }
        await this.#dpop.verify({ proof: dpopProof, method, url, accessToken: credentials.token, jkt: auth.jkt });
      } else if (credentials.scheme === 'DPoP') {
        scheme = 'Bearer';
        throw new ResourceServerError('invalid_token', 'access token is not DPoP-bound; use the Bearer scheme');
      }
      checkScopes(auth, requiredScopes);
      return auth;
    } catch (error) {
      throw this.#finalize(error, scheme, requiredScopes);
    }
  }

  /** Cached verification; concurrent requests with the same token share one verification. */
  #authenticate(token: string, cacheKey: string): Promise<AuthInfo> | AuthInfo {
    const cached = this.#cache.get(cacheKey, Date.now());
    if (cached !== undefined) return cached;
    let pending = this.#pending.get(cacheKey);
    if (pending === undefined) {
      pending = this.#verifyToken(token)
        .then(({ auth, cacheUntil }) => {
          if (cacheUntil > Date.now()) this.#cache.set(cacheKey, auth, cacheUntil);
          return auth;
        })
        .finally(() => this.#pending.delete(cacheKey));
      this.#pending.set(cacheKey, pending);
    }
    return pending;
  }

  async #verifyToken(token: string): Promise<VerifiedToken> {
    if (looksLikeJws(token)) {
      const payload = await this.#verifyJwt(token);
      const auth = buildAuthInfo(payload, 'jwt');
      return { auth, cacheUntil: Math.min(Date.now() + this.#options.jwtCacheMaxMs, (payload.exp as number) * 1000) };
    }
    if (this.#introspect === undefined) {
      throw new ResourceServerError('invalid_token', 'opaque access tokens are not accepted (introspection not configured)');
    }
    return this.#introspect(token);
  }

  /**
   * A fresh error per request (shared verifications may fail for many requests) with this
   * request's challenge: the route's scopes (MCP clients ask for them) and the metadata URL.
   */
  #finalize(error: unknown, scheme: AuthScheme, requiredScopes: readonly string[]): ResourceServerError {
    const source =
      error instanceof ResourceServerError
        ? error
        : new ResourceServerError('invalid_token', 'access token could not be verified', { cause: error });
    return new ResourceServerError(source.code, source.description, {
      cause: source.cause,
      scope: source.scope ?? (requiredScopes.length === 0 ? undefined : requiredScopes.join(' ')),
      credentialsMissing: source.credentialsMissing,
      scheme,
      realm: this.#options.realm,
      dpopAlgorithms: this.#dpopAlgs,
      resourceMetadata: this.#options.resourceMetadata?.url,
    });
  }
}

/**
 * Creates a resource server validating Portcullis-issued access tokens. Options
 * are validated once, here (a {@link ResourceServerConfigError} names the bad one).
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createResourceServer } from '@portcullis/resource-server';
 * import { protectedResourceMetadata, requireAuth } from '@portcullis/resource-server/express';
 *
 * const rs = createResourceServer({
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 *   publicUrl: 'https://api.example.com', // needed for DPoP-bound tokens
 * });
 * const app = express();
 * app.use(protectedResourceMetadata(rs)); // GET /.well-known/oauth-protected-resource
 * app.get('/orders', requireAuth(rs, 'orders:read'), (req, res) => res.json({ sub: req.auth.sub }));
 *
 * // Framework-neutral: throws a ResourceServerError (status, code, wwwAuthenticate)
 * const auth = await rs.verifyRequest({ method: req.method, url: req.url, headers: req.headers });
 * ```
 */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  const resolved = resolveOptions(options);
  const core = new Core(resolved);
  const noScopes: readonly string[] = Object.freeze([]);
  const verifyCredentials: VerifyCredentials = core.verify.bind(core);
  const metadata = resolved.resourceMetadata;
  const document = metadata === undefined ? undefined : buildMetadata(metadata, resolved);
  const rs: ResourceServer = Object.freeze({
    async verifyRequest(request: ResourceRequest, requiredScopes: readonly string[] = noScopes): Promise<AuthInfo> {
      const { headers } = request;
      return verifyCredentials(headers.authorization, headers.dpop, request.method, request.url, requiredScopes);
    },
    audiences: resolved.audiences,
    resource: metadata?.resource,
    resourceMetadataUrl: metadata?.url,
    resourceMetadata: document,
    resourceMetadataPaths: metadata?.paths ?? noScopes,
    metadataAnswer: createMetadataResponder(metadata, document),
  });
  verifiers.set(rs, verifyCredentials);
  return rs;
}
