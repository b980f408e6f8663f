import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { BAD_POST_LOGOUT_REDIRECT_URI, endSessionState, expectSignOutRefused, goToEndSession, LOGOUT_CLIENT, signIn } from '../support/conformance-logout.ts';

/**
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module oidcc-rp-initiated-logout-bad-post-logout-redirect-uri (OIDCCRpInitiatedLogoutBadLogoutRedirectUri):
 * a normal code flow, then end_session_endpoint with a valid id_token_hint, a state, and a
 * post_logout_redirect_uri the client never registered (`<base_url>/bad_post_logout_redirect_uri`).
 * The OP must not redirect (the suite fails the test if its post_logout_redirect endpoint is
 * called) and must show an error page, whose screenshot the suite asks for
 * (ExpectPostLogoutRedirectUriNotRegisteredErrorPage): here, the page's status, type and words.
 */
let op: ConformanceOp;
let page: Page;

beforeAll(async () => {
  op = await startConformanceOp({ client: LOGOUT_CLIENT });
  const session = await signIn(op);
  page = await goToEndSession(op, session.browser, { id_token_hint: session.idToken, post_logout_redirect_uri: BAD_POST_LOGOUT_REDIRECT_URI, state: endSessionState() });
});
afterAll(() => op.close());

test('AddBadPostLogoutRedirectUriToEndSessionEndpointRequest (OIDCRIL-2): no redirect, neither to the unregistered URI nor to the registered one', () => {
  expect(page.status).not.toBe(303);
  expect(page.headers.get('location')).toBeNull();
  expect(page.url.startsWith(`${op.issuer}/session/end?`)).toBe(true);
});

test('ExpectPostLogoutRedirectUriNotRegisteredErrorPage (OIDCRIL-2): the OP\'s error page says the post_logout_redirect_uri is not registered', () => {
  expectSignOutRefused(op, page, { code: 'invalid_request', detail: /post_logout_redirect_uri not registered/i, notLinked: BAD_POST_LOGOUT_REDIRECT_URI });
});
