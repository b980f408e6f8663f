/** oidc-provider's cookies, under names of our own (the host app reads the session cookie for "Not you?"). */
export const PROVIDER_COOKIE_NAMES = { session: 'portcullis.session', interaction: 'portcullis.interaction', resume: 'portcullis.resume' } as const;
