import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { Page } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  confirmLogout,
  endSessionState,
  expectLoggedOut,
  goToEndSession,
  POST_LOGOUT_REDIRECT_URI,
  postLogoutRedirect,
  promptNone,
  signIn,
  startBackchannelReceiver,
  type BackchannelRequest,
  type SignedIn,
} from '../support/conformance-logout.ts';

/**
 * OIDF conformance, Back-Channel Logout OP plan (oidcc-backchannel-rp-initiated-logout-certification-test-plan,
 * static client, client_secret_basic, default response mode), module oidcc-backchannel-rp-initiated-logout
 * (OIDCCBackChannelRpInitiatedLogout). The client has a post_logout_redirect_uri and a
 * backchannel_logout_uri with backchannel_logout_session_required (the suite's dynamic
 * registration asks for it; certification requires sid). A normal code flow, then
 * end_session_endpoint with id_token_hint, post_logout_redirect_uri and state; the user confirms.
 * The OP must post a logout token to the backchannel_logout_uri (here a loopback app, allowed by
 * OUTBOUND_ALLOW_HOSTS, answering 200 with Cache-Control: no-store as the suite does) and send the
 * user to the post_logout_redirect_uri with the state; then prompt=none must fail.
 *
 * Not tested: EnsureIncomingTls12WithSecureCipherOrTls13 and EnsureIncomingTls13 (WARNINGs on the
 * TLS of the incoming back-channel request; our RP here is plain http on loopback), and
 * ValidateLogoutTokenFromBackchannelLogoutRequestEncryption (skipped by the suite too: a
 * client_secret_basic client has no client_jwks; our logout token is a plain JWS). The module does
 * not check the `typ` header (test/e2e/backchannel-logout.test.ts checks logout+jwt).
 */
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;
let op: ConformanceOp;
let session: SignedIn;
let state: string;
let back: Page;
let request: BackchannelRequest;
let logoutToken: string;
let claims: Record<string, unknown>;

beforeAll(async () => {
  receiver = await startBackchannelReceiver();
  op = await startConformanceOp({
    overrides: { OUTBOUND_ALLOW_HOSTS: receiver.host },
    client: { post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI], backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true },
  });
  session = await signIn(op);
  state = endSessionState();
  const confirmation = await goToEndSession(op, session.browser, { id_token_hint: session.idToken, post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI, state });
  back = await confirmLogout(op, session.browser, confirmation);
  // oidc-provider awaits the back-channel delivery before it redirects, so it has arrived by now.
  expect(receiver.received).toHaveLength(1);
  request = receiver.received[0]!;
  logoutToken = new URLSearchParams(request.body).get('logout_token') ?? '';
  claims = decodeJwt(logoutToken);
});
afterAll(async () => {
  await op.close();
  await receiver.close();
});

test('CreateBackchannelLogoutUri (OIDCBCL-2.2): the ID token carries the sid the logout token will name', () => {
  expect(typeof session.claims.sid).toBe('string');
});

test('ExtractLogoutTokenFromBackchannelLogoutRequest (OIDCBCL-2.5): a form POST with logout_token, a JWT', () => {
  expect(request.method).toBe('POST');
  expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded\b/);
  expect(logoutToken.split('.')).toHaveLength(3);
});

test('CheckForUnexpectedParametersInBackchannelLogoutRequest (OIDCBCL-2.5, WARNING in the suite): only logout_token', () => {
  expect([...new URLSearchParams(request.body).keys()]).toEqual(['logout_token']);
});

test('ValidateLogoutTokenSignature (OIDCBCL-2.4): signed by the one key of jwks_uri with its kid, kty, alg and use sig', async () => {
  const header = decodeProtectedHeader(logoutToken);
  expect(header.alg).not.toBe('none');
  const { keys } = (await (await fetch(String(op.metadata.jwks_uri))).json()) as { keys: JWK[] };
  const ktyOf = (alg: string) => (alg.startsWith('RS') || alg.startsWith('PS') ? 'RSA' : alg.startsWith('ES') ? 'EC' : 'OKP');
  const matching = keys.filter((key) => key.kid === header.kid && key.kty === ktyOf(String(header.alg)) && (key.alg === undefined || key.alg === header.alg) && (key.use === undefined || key.use === 'sig'));
  expect(matching).toHaveLength(1);
  await expect(compactVerify(logoutToken, await importJWK(matching[0]!, header.alg))).resolves.toBeDefined();
});

test('ValidateLogoutTokenClaims (OIDCBCL-2.4): iss, aud, iat, jti, and events with exactly the back-channel logout member, an empty object', () => {
  expect(claims.iss).toBe(op.issuer);
  const aud = claims.aud;
  if (Array.isArray(aud)) expect(aud).toContain(op.client.clientId);
  else expect(aud).toBe(op.client.clientId);
  const now = Date.now() / 1000;
  expect(typeof claims.iat).toBe('number');
  expect(claims.iat as number).toBeLessThanOrEqual(now + 300);
  expect(claims.iat as number).toBeGreaterThan(now - 86_400);
  expect(typeof claims.jti).toBe('string');
  expect(claims.events).toEqual({ [EVENT]: {} });
});

test('CheckIdTokenSubMatchesLogoutToken, CheckIdTokenSidMatchesLogoutToken, CheckLogoutTokenHasSubOrSid (OIDCBCL-2.4)', () => {
  expect(claims.sub ?? claims.sid).toBeDefined();
  if (claims.sub !== undefined) expect(claims.sub).toBe(session.claims.sub);
  if (claims.sid !== undefined) expect(claims.sid).toBe(session.claims.sid);
  // backchannel_logout_session_required: the sid must be there.
  expect(claims.sid).toBe(session.claims.sid);
});

test('CheckLogoutTokenNoNonce (OIDCBCL-2.4)', () => {
  expect(claims).not.toHaveProperty('nonce');
});

test('CheckPostLogoutState (OIDCRIL-2): back at the post_logout_redirect_uri with the state unchanged', () => {
  expect(postLogoutRedirect(back).get('state')).toBe(state);
});

test('CheckForUnexpectedParametersInPostLogoutRedirect (OIDCRIL-3, WARNING in the suite): only state', () => {
  expect([...postLogoutRedirect(back).keys()]).toEqual(['state']);
});

test('the session the logout token names is gone from the store (what the prompt=none check below shows from outside)', async () => {
  const sessions = (await op.server.services.store.listAccountArtifacts(op.accountId)).filter((artifact) => artifact.model === 'Session');
  expect(sessions).toEqual([]);
});

test('second authorization with prompt=none: CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface (OIDCC-3.1.2.6), the user is logged out', async () => {
  expectLoggedOut(op, await promptNone(op, session.browser));
  expect(receiver.received).toHaveLength(1);
});
