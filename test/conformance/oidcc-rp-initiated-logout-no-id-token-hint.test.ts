import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  confirmLogout,
  endSessionState,
  expectOpPage,
  expectSignedOutPage,
  goToEndSession,
  isLogoutConfirmation,
  LOGOUT_CLIENT,
  POST_LOGOUT_REDIRECT_URI,
  signIn,
} from '../support/conformance-logout.ts';

/**
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module oidcc-rp-initiated-logout-no-id-token-hint (OIDCCRpInitiatedLogoutNoIdTokenHint): a
 * normal code flow, then end_session_endpoint with the registered post_logout_redirect_uri and a
 * state but no id_token_hint (and no client_id). The OP cannot tell which client asks, so it must
 * not redirect back (the suite fails if its post_logout_redirect endpoint is called) and must
 * "either show an error screen or confirm with the user if they want to logout" (the module's
 * summary; its placeholder, ExpectIdTokenHintRequiredErrorPage, asks for a screenshot).
 *
 * Portcullis does the second: oidc-provider drops a post_logout_redirect_uri it cannot tie to a
 * client and asks the user to confirm; confirming ends at the OP's own signed-out page, still
 * never at the post_logout_redirect_uri.
 */
let op: ConformanceOp;
let confirmation: Page;
let afterConfirming: Page;

beforeAll(async () => {
  op = await startConformanceOp({ client: LOGOUT_CLIENT });
  const session = await signIn(op);
  confirmation = await goToEndSession(op, session.browser, { post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: endSessionState() });
  afterConfirming = await confirmLogout(op, session.browser, confirmation);
});
afterAll(() => op.close());

test('RemoveIdTokenHintFromEndSessionEndpointRequest (OIDCRIL-2): no redirect; the OP asks the user on its own page whether to sign out', () => {
  expectOpPage(op, confirmation, { status: 200, heading: /^Sign out$/ });
  expect(isLogoutConfirmation(confirmation)).toBe(true);
  expect(confirmation.html).toMatch(/Do you want to sign out\?/);
  expect(confirmation.html).not.toContain(POST_LOGOUT_REDIRECT_URI);
});

test('ExpectIdTokenHintRequiredErrorPage (OIDCRIL-2): even once the user confirms, the OP never redirects to the post_logout_redirect_uri', () => {
  expectSignedOutPage(op, afterConfirming);
});
