/** The OpenID Connect scopes Portcullis serves; every other scope belongs to a registered API. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'] as const;

export type OidcScope = (typeof OIDC_SCOPES)[number];

/**
 * The claims each scope releases (oidc-provider's `claims`); `sub` is the account's opaque id.
 * `acr` and `amr` (how the person signed in) come with `openid`, so that every ID token carries them.
 */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub', 'acr', 'amr'],
  profile: ['name', 'updated_at'],
  email: ['email', 'email_verified'],
} as const satisfies Partial<Record<OidcScope, readonly string[]>>;

/** What the consent page says each scope lets the application do. */
export const SCOPE_DESCRIPTIONS: Readonly<Record<OidcScope, string>> = {
  openid: 'Confirm your identity',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay signed in and act for you while you are away',
};

/** The consent line for a scope: its description, or (an API scope) its name. */
export const describeScope = (scope: string): string => (isOidcScope(scope) ? SCOPE_DESCRIPTIONS[scope as OidcScope] : `Use ${scope}`);

const OIDC_SCOPE_SET: ReadonlySet<string> = new Set(OIDC_SCOPES);

export const isOidcScope = (scope: string): boolean => OIDC_SCOPE_SET.has(scope);

// RFC 6749 section 3.3 scope-token characters.
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Splits a space-delimited scope string into distinct scope tokens. */
export const scopeList = (value: unknown): string[] =>
  typeof value === 'string' ? [...new Set(value.split(' ').filter(Boolean))] : [];
