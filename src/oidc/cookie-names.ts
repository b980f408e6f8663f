import { prefixedCookieName } from '../http/cookie-prefix.ts';

/** oidc-provider's cookies, under names of our own (the host app reads the session cookie for "Not you?"). */
const PROVIDER_COOKIES = { session: 'portcullis.session', interaction: 'portcullis.interaction', resume: 'portcullis.resume' } as const;

/** The names for this deployment: the session cookie lives on Path=/, the others on their interaction's path. */
export function providerCookieNames(secure: boolean): { session: string; interaction: string; resume: string } {
  return {
    session: prefixedCookieName(PROVIDER_COOKIES.session, { secure, path: '/' }),
    interaction: prefixedCookieName(PROVIDER_COOKIES.interaction, { secure, path: '/interaction' }),
    resume: prefixedCookieName(PROVIDER_COOKIES.resume, { secure, path: '/auth' }),
  };
}
