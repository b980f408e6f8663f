/**
 * DPoP proof verification (RFC 9449 §4.3 and §7.1) for DPoP-bound access tokens.
 *
 * Replay protection keeps each accepted proof's `jti` in memory for the proof
 * lifetime. It is per process: behind several replicas a proof could be replayed
 * once against another replica within the window.
 */
import { hash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWK, type JWTVerifyOptions } from 'jose';
import { ResourceServerError } from './errors.ts';
import { ExpiringCache } from './expiring-cache.ts';

export interface DpopVerifierOptions {
  readonly algorithms: readonly string[];
  /** Maximum proof age, seconds. */
  readonly maxAge: number;
  /** Seconds. */
  readonly clockTolerance: number;
  /** Bound on remembered proof ids; default 100 000. */
  readonly replayCacheSize?: number;
}

/** Something that yields the absolute request URL (a string, a `URL`, or a Koa context). */
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

export class DpopVerifier {
  readonly #verifyOptions: JWTVerifyOptions;
  readonly #replayTtlMs: number;
  readonly #seen: ExpiringCache<true>;

  constructor(options: DpopVerifierOptions) {
    this.#verifyOptions = Object.freeze({
      typ: 'dpop+jwt',
      algorithms: [...options.algorithms],
      maxTokenAge: options.maxAge,
      clockTolerance: options.clockTolerance,
      requiredClaims: ['jti', 'htm', 'htu', 'iat', 'ath'],
    });
    this.#replayTtlMs = (options.maxAge + 2 * options.clockTolerance) * 1000;
    this.#seen = new ExpiringCache(options.replayCacheSize ?? 100_000);
  }

  /** Throws `invalid_dpop_proof` unless the request carries a fresh, matching proof. */
  async verify(check: DpopCheck): Promise<void> {
    const proof = singleProof(check.proof);
    let payload: Record<string, unknown>;
    let jwk: JWK | undefined;
    try {
      const result = await jwtVerify(proof, EmbeddedJWK, this.#verifyOptions);
      payload = result.payload;
      jwk = result.protectedHeader.jwk;
    } catch (error) {
      throw invalidProof(describe(error), error);
    }

    const { jti, htm, htu, ath } = payload;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw invalidProof('invalid jti in DPoP proof');
    if (htm !== check.method) throw invalidProof('DPoP proof htm does not match the request method');
    const expectedHtu = targetUri(typeof check.url === 'string' ? check.url : check.url.href);
    if (expectedHtu === undefined) throw invalidProof('request URL could not be determined');
    if (typeof htu !== 'string' || targetUri(htu) !== expectedHtu) {
      throw invalidProof('DPoP proof htu does not match the request URL');
    }
    if (ath !== hash('sha256', check.accessToken, 'base64url')) {
      throw invalidProof('DPoP proof ath does not match the access token');
    }
    let thumbprint: string;
    try {
      thumbprint = await calculateJwkThumbprint(jwk as JWK);
    } catch (error) {
      throw invalidProof('invalid DPoP proof key', error);
    }
    if (thumbprint !== check.jkt) throw invalidProof('DPoP proof key does not match the access token binding');

    // Check-and-record without an await in between: no two requests can both pass.
    const now = Date.now();
    const replayKey = `${thumbprint}:${jti}`;
    if (this.#seen.get(replayKey, now) !== undefined) throw invalidProof('DPoP proof replayed');
    this.#seen.set(replayKey, true, now + this.#replayTtlMs);
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
