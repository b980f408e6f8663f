/**
 * In-memory cache of the issuer's JSON Web Key Set on top of jose's
 * `createLocalJWKSet` (which also keeps imported CryptoKeys, so each key is
 * imported once per JWKS version).
 *
 * - First use fetches the JWKS; while nothing is cached, failed fetches are
 *   retried at most once per second (or per cooldown if shorter) and every
 *   request fails closed meanwhile.
 * - A token whose `kid` is unknown triggers one refetch, at most once per
 *   cooldown; concurrent misses share the in-flight fetch.
 * - After {@link JWKS_MAX_AGE_MS} the set is refreshed in the background (keys
 *   removed by the issuer stop being accepted); on failure the cached set is kept.
 */
import { createLocalJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';

/** Age after which a cached JWKS is refreshed in the background. */
export const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
const FAILURE_BACKOFF_MS = 1000;

/** The JWKS could not be obtained and no usable set is cached. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface JwksCacheOptions {
  readonly uri: string;
  readonly fetch: typeof fetch;
  readonly cooldownMs: number;
  readonly timeoutMs: number;
}

type LocalJwks = ReturnType<typeof createLocalJWKSet>;

export class JwksCache {
  readonly #uri: string;
  readonly #fetch: typeof fetch;
  readonly #cooldownMs: number;
  readonly #timeoutMs: number;
  readonly #failureBackoffMs: number;
  #keys: LocalJwks | undefined;
  #fetchedAt = 0;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #lastMissRefetchAt = Number.NEGATIVE_INFINITY;
  #lastError: unknown;
  #inflight: Promise<void> | undefined;

  constructor(options: JwksCacheOptions) {
    this.#uri = options.uri;
    this.#fetch = options.fetch;
    this.#cooldownMs = options.cooldownMs;
    this.#timeoutMs = options.timeoutMs;
    this.#failureBackoffMs = Math.min(FAILURE_BACKOFF_MS, options.cooldownMs);
  }

  /** Key resolver for jose's `jwtVerify`. */
  readonly getKey = (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => this.#getKey(header, token);

  async #getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const now = Date.now();
    let keys = this.#keys;
    if (keys === undefined) {
      keys = await this.#initialLoad(now);
    } else if (
      now - this.#fetchedAt > JWKS_MAX_AGE_MS &&
      this.#inflight === undefined &&
      now - this.#lastAttemptAt >= this.#failureBackoffMs
    ) {
      this.#refresh(now).catch(() => undefined);
    }

    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // A concurrent request may already have refetched the set.
      const current = this.#keys;
      if (current !== undefined && current !== keys) return await current(header, token);
      // Unknown kid: maybe the issuer rotated its keys. Refetch, rate-limited.
      if (this.#inflight === undefined) {
        if (now - this.#lastMissRefetchAt < this.#cooldownMs) throw error;
        this.#lastMissRefetchAt = now;
      }
      try {
        await this.#refresh(now);
      } catch {
        throw error;
      }
      const fresh = this.#keys;
      if (fresh === undefined || fresh === keys) throw error;
      return await fresh(header, token);
    }
  }

  async #initialLoad(now: number): Promise<LocalJwks> {
    if (this.#inflight === undefined && now - this.#lastAttemptAt < this.#failureBackoffMs) {
      throw new JwksUnavailableError('JWKS unavailable (recent fetch failed)', { cause: this.#lastError });
    }
    await this.#refresh(now);
    if (this.#keys === undefined) throw new JwksUnavailableError('JWKS unavailable', { cause: this.#lastError });
    return this.#keys;
  }

  /** Starts a fetch, or joins the one in flight. */
  #refresh(now: number): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    this.#lastAttemptAt = now;
    const inflight = this.#load().finally(() => {
      this.#inflight = undefined;
    });
    this.#inflight = inflight;
    return inflight;
  }

  async #load(): Promise<void> {
    try {
      const response = await this.#fetch(this.#uri, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`JWKS endpoint answered HTTP ${response.status}`);
      }
      const jwks = (await response.json()) as JSONWebKeySet;
      this.#keys = createLocalJWKSet(jwks);
      this.#fetchedAt = Date.now();
      this.#lastError = undefined;
    } catch (cause) {
      this.#lastError = cause;
      throw new JwksUnavailableError('JWKS could not be fetched', { cause });
    }
  }
}
