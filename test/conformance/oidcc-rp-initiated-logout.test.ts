import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  confirmLogout,
  endSessionState,
  expectLoggedOut,
  expectOpPage,
  goToEndSession,
  isLogoutConfirmation,
  LOGOUT_CLIENT,
  POST_LOGOUT_REDIRECT_URI,
  postLogoutRedirect,
  promptNone,
  signIn,
  type SignedIn,
} from '../support/conformance-logout.ts';

/**
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan,
 * static client, client_secret_basic, default response mode), module oidcc-rp-initiated-logout
 * (OIDCCRpInitiatedLogout): a normal code flow (128-character state), then the browser goes to
 * end_session_endpoint with id_token_hint, the registered post_logout_redirect_uri and a state of
 * VSCHAR punctuation; the user confirms on the OP's page; the OP must come back to the
 * post_logout_redirect_uri with that state and nothing else, and an authorization with prompt=none
 * in the same browser must then fail with an error that needs a user interface.
 */
let op: ConformanceOp;
let session: SignedIn;
let state: string;
let confirmation: Page;
let back: Page;

beforeAll(async () => {
  op = await startConformanceOp({ client: LOGOUT_CLIENT });
  session = await signIn(op);
  state = endSessionState();
  confirmation = await goToEndSession(op, session.browser, { id_token_hint: session.idToken, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state });
  back = await confirmLogout(op, session.browser, confirmation);
});
afterAll(() => op.close());

test('CreateEndSessionEndpointRequest, BuildRedirectToEndSessionEndpoint (OIDCRIL-2): the OP asks the user to confirm on its own page', () => {
  expectOpPage(op, confirmation, { status: 200, heading: /Sign out/ });
  expect(isLogoutConfirmation(confirmation)).toBe(true);
});

test('CheckPostLogoutState (OIDCRIL-2): back at the post_logout_redirect_uri with the state unchanged', () => {
  const params = postLogoutRedirect(back);
  expect(params.get('state')).toBe(state);
});

test('CheckForUnexpectedParametersInPostLogoutRedirect (OIDCRIL-2, WARNING in the suite): only state', () => {
  expect([...postLogoutRedirect(back).keys()]).toEqual(['state']);
});

test('second authorization with prompt=none: CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface (OIDCC-3.1.2.6), the user is logged out', async () => {
  expectLoggedOut(op, await promptNone(op, session.browser));
});
