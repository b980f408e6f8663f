/**
 * Verification of JWT access tokens (RFC 9068) with jose: signature against the
 * issuer's JWKS, `typ: at+jwt`, issuer, audience, time claims, algorithm allow-list.
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { ResourceServerError } from './errors.ts';
import { JwksUnavailableError, type JwksCache } from './jwks-cache.ts';

export interface JwtVerifierOptions {
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  /** Seconds. */
  readonly clockTolerance: number;
}

/** JWS compact serialization: three base64url segments (the signature may be empty, e.g. `alg: none`). */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** True when `token` has the shape of a JWS compact serialization (else it is treated as opaque). */
export function looksLikeJws(token: string): boolean {
  return JWS_COMPACT.test(token);
}

function describe(error: unknown): string {
  if (error instanceof JwksUnavailableError) return 'signing keys unavailable';
  if (error instanceof errors.JWTExpired) return 'access token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `missing ${error.claim} claim`;
    switch (error.claim) {
      case 'typ':
        return 'not an access token (typ header must be at+jwt)';
      case 'iss':
        return 'unexpected issuer';
      case 'aud':
        return 'access token not intended for this audience';
      case 'nbf':
        return 'access token not yet valid';
      default:
        return `invalid ${error.claim} claim`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'signing algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no matching signing key';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'ambiguous signing key (kid required)';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed access token';
  return 'access token could not be verified';
}

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

/**
 * Returns a verifier bound to `jwks` and `options`; the jose options object is
 * built once here, not per token.
 */
export function createJwtVerifier(jwks: JwksCache, options: JwtVerifierOptions): JwtVerifier {
  const verifyOptions: JWTVerifyOptions = Object.freeze({
    issuer: options.issuer,
    audience: [...options.audiences],
    algorithms: [...options.algorithms],
    clockTolerance: options.clockTolerance,
    typ: 'at+jwt', // jose compares case-insensitively and accepts application/at+jwt
    requiredClaims: ['exp', 'iat'],
  });
  const toleranceMs = options.clockTolerance * 1000;

  return async function verifyJwt(token: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks.getKey, verifyOptions));
    } catch (error) {
      throw new ResourceServerError('invalid_token', describe(error), { cause: error });
    }
    // jose only checks that iat is a number; a token from the future is not valid.
    if ((payload.iat as number) * 1000 > Date.now() + toleranceMs) {
      throw new ResourceServerError('invalid_token', 'access token issued in the future');
    }
    return payload;
  };
}
