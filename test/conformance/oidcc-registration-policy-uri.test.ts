import { Browser } from '../support/browser.ts';
import { authorizationUrl } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { dynamicCodeRequest, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-registration-policy-uri (OIDCCRegistrationPolicyUri, "OP-Registration-policy_uri"), private_key_jwt, discovery: CreatePolicyUri (the suite's own host, /login.html),
 * the plan's registration request plus policy_uri (AddPolicyUriToDynamicRegistrationRequest), which must succeed; then an authorization
 * request in a fresh browser, which must reach the login page without an error. The module then
 * waits for a screenshot of that page showing a link to the client's policy page (ExpectLoginPageWithPolicyLink; OIDC Registration 2: the OP SHOULD display this URL to the End-User):
 * the suite checks nothing more itself; here the page is read for it (src/interactions/client-presentation.ts).
 */
let op: DynamicOp;
let client: DynamicClient;
let value: string;
beforeAll(async () => {
  op = await startDynamicOp();
  value = op.rp.url('/login.html');
});
afterAll(() => op.close());

test('AddPolicyUriToDynamicRegistrationRequest (OIDCR-2): the registration succeeds and keeps policy_uri (RFC7591-3.2.1)', async () => {
  client = await registerClient(op, await rs256Key(), { policy_uri: value, redirect_uris: [REDIRECT_URI, op.rp.url('/callback')] });
  expect(client.registered.policy_uri).toBe(value);
});

test('performRedirectAndWaitForPlaceholdersOrCallback: a fresh browser reaches the login page, no error (CheckIfAuthorizationEndpointError)', async () => {
  const browser = new Browser();
  const page = await browser.follow(authorizationUrl(op, dynamicCodeRequest(op, client)).toString());
  expect(page.status).toBe(200);
  expect(Browser.forms(page).some((form) => /\/login$/.test(form.action))).toBe(true);
});

test('ExpectLoginPageWithPolicyLink (OIDC Registration 2, 9.1): the login page links the policy, which is on a redirect URI host; one on another host is not shown', async () => {
  const page = await new Browser().follow(authorizationUrl(op, dynamicCodeRequest(op, client)).toString());
  expect(page.html).toContain(`href="${new URL(value).toString()}"`);
  const elsewhere = await registerClient(op, await rs256Key(), { policy_uri: 'https://elsewhere.example/policy' });
  const other = await new Browser().follow(authorizationUrl(op, dynamicCodeRequest(op, elsewhere)).toString());
  expect(other.html).not.toContain('https://elsewhere.example/policy');
  await unregister(elsewhere);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
