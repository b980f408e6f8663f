import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  confirmLogout,
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
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module oidcc-rp-initiated-logout-no-state (OIDCCRpInitiatedLogoutNoState): a normal code flow,
 * then end_session_endpoint with id_token_hint and the registered post_logout_redirect_uri but no
 * state (RemoveStateFromEndSessionEndpointRequest). After the user confirms, the OP must come back
 * to the post_logout_redirect_uri without a state, and a prompt=none authorization in the same
 * browser must then fail with an error that needs a user interface.
 */
let op: ConformanceOp;
let session: SignedIn;
let confirmation: Page;
let back: Page;

beforeAll(async () => {
  op = await startConformanceOp({ client: LOGOUT_CLIENT });
  session = await signIn(op);
  confirmation = await goToEndSession(op, session.browser, { id_token_hint: session.idToken, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI });
  back = await confirmLogout(op, session.browser, confirmation);
});
afterAll(() => op.close());

test('RemoveStateFromEndSessionEndpointRequest (OIDCRIL-2): the OP asks the user on its own page', () => {
  expectOpPage(op, confirmation, { status: 200, heading: /^Sign out$/ });
  expect(isLogoutConfirmation(confirmation)).toBe(true);
});

test('CheckNoPostLogoutState (OIDCRIL-2): back at the post_logout_redirect_uri, with no state', () => {
  expect(postLogoutRedirect(back).has('state')).toBe(false);
});

test('CheckForUnexpectedParametersInPostLogoutRedirect (OIDCRIL-3, WARNING in the suite): no parameters at all', () => {
  expect([...postLogoutRedirect(back).keys()]).toEqual([]);
});

test('second authorization with prompt=none: CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface (OIDCC-3.1.2.6), the user is logged out', async () => {
  expectLoggedOut(op, await promptNone(op, session.browser));
});
