/** The OpenID Connect scopes Portcullis serves; every other scope belongs to a registered API. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'] as const;

const OIDC_SCOPE_SET: ReadonlySet<string> = new Set(OIDC_SCOPES);

export const isOidcScope = (scope: string): boolean => OIDC_SCOPE_SET.has(scope);

// RFC 6749 section 3.3 scope-token characters.
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Splits a space-delimited scope string into distinct scope tokens. */
export const scopeList = (value: unknown): string[] =>
  typeof value === 'string' ? [...new Set(value.split(' ').filter(Boolean))] : [];
