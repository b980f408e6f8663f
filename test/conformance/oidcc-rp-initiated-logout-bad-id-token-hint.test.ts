import { SignJWT } from 'jose';
import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { endSessionState, expectSignOutRefused, goToEndSession, LOGOUT_CLIENT, POST_LOGOUT_REDIRECT_URI, signIn } from '../support/conformance-logout.ts';

/**
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module oidcc-rp-initiated-logout-bad-id-token-hint (OIDCCRpInitiatedLogoutBadIdTokenHint): a
 * normal code flow, then an end-session request (registered post_logout_redirect_uri, state) whose
 * id_token_hint the suite made itself (GenerateFakeIdTokenClaims, SignFakeIdToken): `iss` the
 * client_id, `aud` the issuer (deliberately the wrong way round), `sub` "SubjectID", nonce
 * "flibble", five minutes of life, HS256 with the client secret (GenerateJWKsFromClientSecret: at
 * least 32 bytes, no kid), typ JWT. The OP must not redirect back and must show an error page
 * (ExpectInvalidIdTokenHintErrorPage, a screenshot in the suite) or ask the user to confirm.
 */
let op: ConformanceOp;
let page: Page;

beforeAll(async () => {
  op = await startConformanceOp({ client: LOGOUT_CLIENT });
  const session = await signIn(op);
  const secret = new TextEncoder().encode(op.client.clientSecret);
  expect(secret.length).toBeGreaterThanOrEqual(32);
  const fake = await new SignJWT({ iss: op.client.clientId, sub: 'SubjectID', aud: op.issuer, nonce: 'flibble' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(secret);
  page = await goToEndSession(op, session.browser, { id_token_hint: fake, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state: endSessionState() });
});
afterAll(() => op.close());

test('SignFakeIdToken (OIDCRIL-2: the OP MUST validate that it issued the id_token_hint): no redirect to the post_logout_redirect_uri', () => {
  expect(page.status).not.toBe(303);
  expect(page.headers.get('location')).toBeNull();
  expect(page.url.startsWith(`${op.issuer}/session/end?`)).toBe(true);
});

test('ExpectInvalidIdTokenHintErrorPage (OIDCRIL-2): the OP\'s error page says the id_token_hint is not one of its own (its audience is no client)', () => {
  expectSignOutRefused(op, page, { code: 'invalid_client', detail: /unrecognized id_token_hint audience/i, notLinked: POST_LOGOUT_REDIRECT_URI });
});
