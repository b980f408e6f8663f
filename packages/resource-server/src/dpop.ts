/**
 * DPoP proof verification (RFC 9449 §4.3 and §7.1) for DPoP-bound access tokens.
 *
 * `htu` must equal the API's configured public URL (origin and path prefix) plus
 * the request path. The scheme and host the client sent (Host, X-Forwarded-Host,
 * the authority of an absolute-form request target) are never used: the client
 * controls them, so trusting them would accept proofs made for another host.
 *
 * Replay protection records each accepted proof (its key's thumbprint and `jti`,
 * hashed) in a {@link ReplayStore} for the proof lifetime: in memory by default
 * (bounded; per process), or shared by every instance (e.g. in Redis).
 */
import { hash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWK, type JWTVerifyOptions } from 'jose';
import { ResourceServerError } from './errors.ts';
import { ReplayStoreFullError, type ReplayStore } from './replay-store.ts';

export interface DpopVerifierOptions {
  readonly algorithms: readonly string[];
  /** Maximum proof age, seconds. */
  readonly maxAge: number;
  /** Seconds. */
  readonly clockTolerance: number;
  /** Origin plus path prefix (no trailing slash) of the API as clients call it, e.g. `https://example.com/api`. */
  readonly publicUrl: string;
  /** Where accepted proofs are remembered. */
  readonly replayStore: ReplayStore;
}

/**
 * The request target (`/path?query`, as in Node's `req.url`), an absolute URL, or
 * anything with `href` (a `URL`). Only its path is read: scheme and host are ignored.
 */
export type RequestUrl = string | { readonly href: string };

export interface DpopCheck {
  readonly proof: string | readonly string[] | undefined;
  readonly method: string;
  readonly url: RequestUrl;
  readonly accessToken: string;
  /** `cnf.jkt` of the access token. */
  readonly jkt: string;
}

const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_JTI_LENGTH = 256;

function invalidProof(description: string, cause?: unknown): ResourceServerError {
  return new ResourceServerError('invalid_dpop_proof', description, cause === undefined ? {} : { cause });
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'typ') return 'DPoP proof typ must be dpop+jwt';
    if (error.reason === 'missing') return `DPoP proof is missing the ${error.claim} claim`;
    if (error.claim === 'iat') return 'DPoP proof issued in the future';
    return `invalid ${error.claim} in DPoP proof`;
  }
  if (error instanceof errors.JWTExpired) return 'DPoP proof too old';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'DPoP proof algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'DPoP proof signature verification failed';
  return 'invalid DPoP proof';
}

/** Scheme, host and path of an absolute URL (query and fragment dropped, host/scheme normalized). */
function targetUri(value: string): string | undefined {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return undefined;
  }
}

/** Path of a request target or absolute http(s) URL, without query and fragment. */
function requestPath(url: RequestUrl): string | undefined {
  const value = typeof url === 'string' ? url : url.href;
  if (value.startsWith('/')) return value.split(/[?#]/, 1)[0];
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.pathname : undefined;
  } catch {
    return undefined;
  }
}

function proofId(jti: unknown): string {
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw invalidProof('invalid jti in DPoP proof');
  return jti;
}

async function thumbprintOf(jwk: JWK | undefined): Promise<string> {
  try {
    return await calculateJwkThumbprint(jwk as JWK);
  } catch (error) {
    throw invalidProof('invalid DPoP proof key', error);
  }
}

export class DpopVerifier {
  readonly #verifyOptions: JWTVerifyOptions;
  readonly #publicUrl: string;
  readonly #seen: ReplayStore;
  readonly #replayTtlMs: number;

  constructor(options: DpopVerifierOptions) {
    this.#verifyOptions = Object.freeze({
      typ: 'dpop+jwt',
      algorithms: [...options.algorithms],
      maxTokenAge: options.maxAge,
      clockTolerance: options.clockTolerance,
      requiredClaims: ['jti', 'htm', 'htu', 'iat', 'ath'],
    });
    this.#publicUrl = options.publicUrl;
    // A proof is accepted while iat lies within [now - maxAge - tolerance, now + tolerance].
    this.#replayTtlMs = Math.ceil((options.maxAge + 2 * options.clockTolerance) * 1000);
    this.#seen = options.replayStore;
  }

  /** Throws `invalid_dpop_proof` unless the request carries a fresh, matching proof. */
  async verify(check: DpopCheck): Promise<void> {
    const { payload, jwk } = await this.#verifySignature(singleProof(check.proof));
    const jti = proofId(payload.jti);
    if (payload.htm !== check.method) throw invalidProof('DPoP proof htm does not match the request method');
    this.#checkHtu(payload.htu, check.url);
    if (payload.ath !== hash('sha256', check.accessToken, 'base64url')) {
      throw invalidProof('DPoP proof ath does not match the access token');
    }
    const thumbprint = await thumbprintOf(jwk);
    if (thumbprint !== check.jkt) throw invalidProof('DPoP proof key does not match the access token binding');
    await this.#recordOnce(hash('sha256', `${thumbprint}:${jti}`, 'base64url'));
  }

  async #verifySignature(proof: string): Promise<{ payload: Record<string, unknown>; jwk: JWK | undefined }> {
    try {
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, this.#verifyOptions);
      return { payload, jwk: protectedHeader.jwk };
    } catch (error) {
      throw invalidProof(describe(error), error);
    }
  }

  #checkHtu(htu: unknown, url: RequestUrl): void {
    const path = requestPath(url);
    if (path === undefined) throw invalidProof('request URL could not be determined');
    // Concatenated, not resolved: a path such as `//evil.example/x` must stay a path.
    const expected = targetUri(`${this.#publicUrl}${path}`);
    if (typeof htu !== 'string' || expected === undefined || targetUri(htu) !== expected) {
      throw invalidProof('DPoP proof htu does not match the request URL');
    }
  }

  /**
   * Check-and-record in one step of the store (atomic there): of two requests carrying one
   * proof, concurrently or on two instances sharing the store, only one passes.
   */
  async #recordOnce(replayKey: string): Promise<void> {
    let recorded: boolean;
    try {
      recorded = await this.#seen.recordOnce(replayKey, this.#replayTtlMs);
    } catch (error) {
      if (error instanceof ReplayStoreFullError) throw invalidProof('DPoP replay cache is full; try again shortly', error);
      throw invalidProof('DPoP replay check unavailable', error);
    }
    if (recorded !== true) throw invalidProof('DPoP proof replayed');
  }
}

function singleProof(value: string | readonly string[] | undefined): string {
  if (value === undefined || value === '') throw invalidProof('DPoP proof required');
  if (typeof value !== 'string') {
    if (value.length !== 1) throw invalidProof('exactly one DPoP proof required');
    return singleProof(value[0]);
  }
  // Node joins repeated headers with ", ".
  if (value.includes(',')) throw invalidProof('exactly one DPoP proof required');
  if (!JWS_COMPACT.test(value)) throw invalidProof('malformed DPoP proof');
  return value;
}
