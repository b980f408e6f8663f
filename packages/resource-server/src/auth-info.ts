/**
 * The authorization context handed to API handlers (`ctx.state.auth`), built
 * from JWT claims or an introspection response.
 */
import { ResourceServerError } from './errors.ts';

/**
 * Who the token speaks for: `'user'` (an end user, whose id is `sub`) or `'client'`
 * (a machine token, e.g. client credentials: no user involved, the client acts for itself).
 */
export type SubjectType = 'user' | 'client';

/** What a verified request is allowed to do and on whose behalf. */
export interface AuthInfo {
  /** `sub` claim: end-user id, or the client id for client-credentials tokens. */
  readonly sub: string | undefined;
  /** `client_id` claim: the OAuth client the token was issued to. */
  readonly clientId: string | undefined;
  /** `'client'` when `sub` is absent or equals `client_id` (RFC 9068 §2.2), else `'user'`. */
  readonly subjectType: SubjectType;
  /** Granted scopes (the `scope` claim split on spaces). */
  readonly scopes: readonly string[];
  /** All claims of the JWT payload or of the introspection response. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** How the token was verified: locally as a JWT, or by introspection. */
  readonly tokenType: 'jwt' | 'opaque';
  /** JWK SHA-256 thumbprint the token is bound to (`cnf.jkt`), for DPoP-bound tokens. */
  readonly jkt?: string;
}

function parseScopes(scope: unknown): readonly string[] {
  if (scope === undefined) return Object.freeze([]);
  if (typeof scope === 'string') return Object.freeze(scope.split(' ').filter((s) => s !== ''));
  if (Array.isArray(scope) && scope.every((s) => typeof s === 'string')) return Object.freeze([...scope]);
  throw new ResourceServerError('invalid_token', 'malformed scope claim');
}

function parseJkt(cnf: unknown): string | undefined {
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) {
    throw new ResourceServerError('invalid_token', 'malformed cnf claim');
  }
  const confirmation = cnf as Record<string, unknown>;
  if (confirmation['x5t#S256'] !== undefined) {
    // Certificate-bound tokens (RFC 8705) cannot be checked here: fail closed.
    throw new ResourceServerError('invalid_token', 'certificate-bound access tokens are not supported');
  }
  const { jkt } = confirmation;
  if (jkt === undefined) return undefined;
  if (typeof jkt !== 'string' || jkt === '') throw new ResourceServerError('invalid_token', 'malformed cnf.jkt claim');
  return jkt;
}

/**
 * Portcullis refuses client ids shaped like account ids (UUIDs), so a user's `sub`
 * never equals a client id and this test cannot mistake a user token for a machine one.
 */
function subjectTypeOf(sub: string | undefined, clientId: string | undefined): SubjectType {
  return sub === undefined || sub === clientId ? 'client' : 'user';
}

/** Builds a frozen {@link AuthInfo}; throws `invalid_token` for malformed `scope` / `cnf`. */
export function buildAuthInfo(claims: Record<string, unknown>, tokenType: 'jwt' | 'opaque'): AuthInfo {
  const scopes = parseScopes(claims.scope);
  const jkt = parseJkt(claims.cnf);
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : undefined;
  const info: AuthInfo = {
    sub,
    clientId,
    subjectType: subjectTypeOf(sub, clientId),
    scopes,
    claims: Object.freeze(claims),
    tokenType,
    ...(jkt === undefined ? {} : { jkt }),
  };
  return Object.freeze(info);
}
