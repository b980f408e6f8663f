/**
 * Token introspection (RFC 7662) for opaque access tokens, authenticated with
 * client_secret_basic. Network or protocol failures fail closed (invalid_token).
 */
import { buildAuthInfo, type AuthInfo } from './auth-info.ts';
import { ResourceServerError } from './errors.ts';
import type { ResolvedIntrospection } from './options.ts';

export interface IntrospectorOptions extends ResolvedIntrospection {
  readonly issuer: string;
  readonly audiences: readonly string[];
  /** Seconds. */
  readonly clockTolerance: number;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
}

/** A verified token and until when (ms since epoch) it may be served from cache. */
export interface VerifiedToken {
  readonly auth: AuthInfo;
  readonly cacheUntil: number;
}

const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(['bearer', 'dpop']);

function invalid(description: string, cause?: unknown): ResourceServerError {
  return new ResourceServerError('invalid_token', description, cause === undefined ? {} : { cause });
}

function optionalNumber(body: Record<string, unknown>, claim: string): number | undefined {
  const value = body[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`malformed ${claim} in introspection response`);
  return value;
}

export type Introspector = (token: string) => Promise<VerifiedToken>;

/** Returns a function introspecting one token; it does not cache (the caller does). */
export function createIntrospector(options: IntrospectorOptions): Introspector {
  const { endpoint, authorization, cacheMaxMs, issuer, audiences, timeoutMs } = options;
  const fetchImpl = options.fetch;
  const toleranceMs = options.clockTolerance * 1000;

  async function request(token: string): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: {
          authorization,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw invalid('token introspection unavailable', cause);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw invalid('token introspection failed', new Error(`introspection endpoint answered HTTP ${response.status}`));
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw invalid('invalid introspection response', cause);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('invalid introspection response');
    return body as Record<string, unknown>;
  }

  return async function introspect(token: string): Promise<VerifiedToken> {
    const body = await request(token);
    if (typeof body.active !== 'boolean') throw invalid('invalid introspection response');
    if (!body.active) throw invalid('access token is not active');

    const now = Date.now();
    const exp = optionalNumber(body, 'exp');
    if (exp !== undefined && exp * 1000 <= now - toleranceMs) throw invalid('access token expired');
    const nbf = optionalNumber(body, 'nbf');
    if (nbf !== undefined && nbf * 1000 > now + toleranceMs) throw invalid('access token not yet valid');
    if (body.iss !== undefined && body.iss !== issuer) throw invalid('unexpected issuer');
    // Both are required: a refresh token, or an access token issued for no API (userinfo only),
    // introspects without them and must not be accepted as an access token for this API.
    const aud: unknown[] = Array.isArray(body.aud) ? body.aud : body.aud === undefined ? [] : [body.aud];
    if (!audiences.some((audience) => aud.includes(audience))) throw invalid('access token not intended for this audience');
    if (typeof body.token_type !== 'string' || !ACCESS_TOKEN_TYPES.has(body.token_type.toLowerCase())) throw invalid('not an access token');

    const auth = buildAuthInfo(body, 'opaque');
    const cacheUntil = exp === undefined ? now + cacheMaxMs : Math.min(now + cacheMaxMs, exp * 1000);
    return { auth, cacheUntil };
  };
}
