import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { endSessionState, expectSignOutRefused, goToEndSession, LOGOUT_CLIENT, POST_LOGOUT_REDIRECT_URI, signIn } from '../support/conformance-logout.ts';

/**
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri
 * (OIDCCRpInitiatedLogoutQueryAddedToLogoutRedirectUri): a normal code flow, then
 * end_session_endpoint with a valid id_token_hint, a state, and the registered
 * post_logout_redirect_uri with `?foo=bar` added. Redirect URIs match exactly (OIDCRIL-3), so the OP
 * must not redirect (the suite fails if its post_logout_redirect endpoint is called) and must show
 * an error page (ExpectPostLogoutRedirectUriNotRegisteredErrorPage, a screenshot in the suite).
 */
const WITH_QUERY = `${POST_LOGOUT_REDIRECT_URI}?foo=bar`;
let op: ConformanceOp;
let page: Page;

beforeAll(async () => {
  op = await startConformanceOp({ client: LOGOUT_CLIENT });
  const session = await signIn(op);
  page = await goToEndSession(op, session.browser, { id_token_hint: session.idToken, post_logout_redirect_uri: WITH_QUERY, state: endSessionState() });
});
afterAll(() => op.close());

test('AddPostLogoutRedirectUriWithQueryAddedToEndSessionEndpointRequest (OIDCRIL-2, OIDCRIL-3 exact match): no redirect, with or without the query', () => {
  expect(page.status).not.toBe(303);
  expect(page.headers.get('location')).toBeNull();
  expect(page.url.startsWith(`${op.issuer}/session/end?`)).toBe(true);
});

test('ExpectPostLogoutRedirectUriNotRegisteredErrorPage (OIDCRIL-2): the OP\'s error page says the post_logout_redirect_uri is not registered', () => {
  expectSignOutRefused(op, page, { code: 'invalid_request', detail: /post_logout_redirect_uri not registered/i, notLinked: 'foo=bar' });
});
