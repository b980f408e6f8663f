import { isOidcScope, type OidcScope } from '../oidc/scopes.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

const OIDC_SCOPE_WORDS: Readonly<Record<OidcScope, PageText>> = {
  openid: pageText('scope.openid'),
  profile: pageText('scope.profile'),
  email: pageText('scope.email'),
  offline_access: pageText('scope.offline_access'),
};

/**
 * What the consent and device pages, and the connected apps, say a scope lets an application do:
 * an OpenID scope by its page string (`scope.openid`, …), any other by its name (`scope.use`).
 * An API's own scope descriptions, typed by an administrator, are shown as they are.
 */
export const describeScope = (scope: string): PageText => (isOidcScope(scope) ? OIDC_SCOPE_WORDS[scope as OidcScope] : pageText('scope.use', { scope }));
