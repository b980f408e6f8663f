/**
 * The issuer's JSON Web Key Set, on top of jose's `createRemoteJWKSet`.
 *
 * jose does the fetching (timeout, `redirect: 'manual'`, 200 + JSON + JWKS shape
 * checks), shares one fetch among concurrent callers and keeps the imported
 * CryptoKeys. Its own refetch policy (`cooldownDuration`, `cacheMaxAge`) is turned
 * off: this class decides when to fetch, because jose's policy differs in ways the
 * module's behaviour depends on (docs/adr/0008-jwks-cache.md, with measurements):
 *
 * - First use fetches the JWKS; while nothing is cached, failed fetches are
 *   retried at most once per second (or per cooldown if shorter) and every
 *   request fails closed meanwhile. (jose: a fetch per request, shared by concurrent ones.)
 * - A token whose `kid` is unknown triggers one refetch, at most once per
 *   cooldown counted from the previous such refetch; concurrent misses share the
 *   in-flight fetch. (jose counts from the last successful fetch, so a key
 *   published just after a fetch is refused for up to a cooldown.)
 * - After {@link JWKS_MAX_AGE_MS} the set is refreshed in the background (keys
 *   removed by the issuer stop being accepted); on failure the cached set is kept.
 *   (jose makes the request wait for the refetch and fails it if the refetch fails.)
 */
import { createRemoteJWKSet, customFetch, errors, type CryptoKey, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose';

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

export class JwksCache {
  readonly #remote: ReturnType<typeof createRemoteJWKSet>;
  readonly #cooldownMs: number;
  readonly #failureBackoffMs: number;
  /** Number of successful fetches; 0: nothing cached yet. */
  #version = 0;
  #fetchedAt = 0;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #lastMissRefetchAt = Number.NEGATIVE_INFINITY;
  #lastError: unknown;
  #inflight: Promise<void> | undefined;

  constructor(options: JwksCacheOptions) {
    this.#remote = createRemoteJWKSet(new URL(options.uri), {
      timeoutDuration: Math.ceil(options.timeoutMs), // jose wants an integer
      // Never refetch on its own: only reload() below fetches.
      cooldownDuration: Number.POSITIVE_INFINITY,
      cacheMaxAge: Number.POSITIVE_INFINITY,
      headers: { accept: 'application/jwk-set+json, application/json' },
      [customFetch]: options.fetch,
    });
    this.#cooldownMs = options.cooldownMs;
    this.#failureBackoffMs = Math.min(FAILURE_BACKOFF_MS, options.cooldownMs);
  }

  /** Key resolver for jose's `jwtVerify`. */
  readonly getKey = (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => this.#getKey(header, token);

  async #getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const now = Date.now();
    if (this.#version === 0) {
      await this.#initialLoad(now);
    } else if (
      now - this.#fetchedAt > JWKS_MAX_AGE_MS &&
      this.#inflight === undefined &&
      now - this.#lastAttemptAt >= this.#failureBackoffMs
    ) {
      this.#refresh(now).catch(() => undefined);
    }

    const version = this.#version;
    try {
      return await this.#remote(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // A concurrent request may already have refetched the set.
      if (this.#version !== version) return await this.#remote(header, token);
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
      if (this.#version === version) throw error;
      return await this.#remote(header, token);
    }
  }

  async #initialLoad(now: number): Promise<void> {
    if (this.#inflight === undefined && now - this.#lastAttemptAt < this.#failureBackoffMs) {
      throw new JwksUnavailableError('JWKS unavailable (recent fetch failed)', { cause: this.#lastError });
    }
    await this.#refresh(now);
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
      await this.#remote.reload();
    } catch (cause) {
      this.#lastError = cause;
      throw new JwksUnavailableError('JWKS could not be fetched', { cause });
    }
    this.#version += 1;
    this.#fetchedAt = Date.now();
    this.#lastError = undefined;
  }
}
