import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { endSessionState, expectSignOutRefused, goToEndSession, LOGOUT_CLIENT, POST_LOGOUT_REDIRECT_URI, signIn } from '../support/conformance-logout.ts';

/**
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module oidcc-rp-initiated-logout-modified-id-token-hint (OIDCCRpInitiatedLogoutModifiedIdTokenHint):
 * a normal code flow, then the ID token's header is replaced by `{"alg": "none"}` and its signature
 * dropped (ChangeIdTokenToAlgNone), and that is the id_token_hint of an otherwise valid
 * end-session request (registered post_logout_redirect_uri, state). The OP must not redirect back
 * (the suite fails if its post_logout_redirect endpoint is called) and must show an error page
 * (ExpectInvalidIdTokenHintErrorPage, a screenshot in the suite) or ask the user to confirm.
 */
let op: ConformanceOp;
let page: Page;

/** ChangeIdTokenToAlgNone: the header `{"alg": "none"}` (with its space, as the suite encodes it), the payload, an empty signature. */
const algNone = (idToken: string): string => `${Buffer.from('{"alg": "none"}').toString('base64url')}.${idToken.split('.')[1]}.`;

beforeAll(async () => {
  op = await startConformanceOp({ client: LOGOUT_CLIENT });
  const session = await signIn(op);
  page = await goToEndSession(op, session.browser, { id_token_hint: algNone(session.idToken), post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: endSessionState() });
});
afterAll(() => op.close());

test('ChangeIdTokenToAlgNone (OIDCRIL-2: the OP MUST validate that it issued the id_token_hint): no redirect to the post_logout_redirect_uri', () => {
  expect(page.status).not.toBe(303);
  expect(page.headers.get('location')).toBeNull();
  expect(page.url.startsWith(`${op.issuer}/session/end?`)).toBe(true);
});

test('ExpectInvalidIdTokenHintErrorPage (OIDCRIL-2): the OP\'s error page says the id_token_hint is not valid', () => {
  expectSignOutRefused(op, page, { code: 'invalid_request', detail: /could not validate id_token_hint/i, notLinked: POST_LOGOUT_REDIRECT_URI });
});
