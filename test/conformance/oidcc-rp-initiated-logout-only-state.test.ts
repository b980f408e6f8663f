import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  confirmLogout,
  endSessionState,
  expectLoggedOut,
  expectOpPage,
  expectSignedOutPage,
  goToEndSession,
  isLogoutConfirmation,
  LOGOUT_CLIENT,
  promptNone,
  signIn,
  type SignedIn,
} from '../support/conformance-logout.ts';

/**
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module oidcc-rp-initiated-logout-only-state (OIDCCRpInitiatedLogoutOnlyState): a normal code
 * flow, then end_session_endpoint with only a state (RemoveIdTokenHintFromEndSessionEndpointRequest,
 * RemovePostLogoutRedirectUriFromEndSessionEndpointRequest). The OP must log the user out and show
 * its own "you are logged out" page (ExpectSuccessfulLogoutPage, a screenshot in the suite), never
 * calling the post_logout_redirect_uri; logged out is also checked with a prompt=none authorization
 * that must fail.
 */
let op: ConformanceOp;
let session: SignedIn;
let confirmation: Page;
let done: Page;

beforeAll(async () => {
  op = await startConformanceOp({ client: LOGOUT_CLIENT });
  session = await signIn(op);
  confirmation = await goToEndSession(op, session.browser, { state: endSessionState() });
  done = await confirmLogout(op, session.browser, confirmation);
});
afterAll(() => op.close());

test('only state (OIDCRIL-2): the OP asks the user on its own page', () => {
  expectOpPage(op, confirmation, { status: 200, heading: /^Sign out$/ });
  expect(isLogoutConfirmation(confirmation)).toBe(true);
});

test('ExpectSuccessfulLogoutPage (OIDCRIL-2): the OP\'s own signed-out page; the state goes nowhere (there is no redirect to carry it)', () => {
  expectSignedOutPage(op, done);
  expect(new URL(done.url).search).toBe('');
});

test('the user is logged out: prompt=none now fails with an error that needs a user interface (OIDCC-3.1.2.6)', async () => {
  expectLoggedOut(op, await promptNone(op, session.browser));
});
