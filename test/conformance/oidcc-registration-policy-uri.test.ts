import { Browser } from '../support/browser.ts';
import { authorizationUrl } from '../support/conformance.ts';
import { dynamicCodeRequest, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-registration-policy-uri (OIDCCRegistrationPolicyUri, "OP-Registration-policy_uri"), private_key_jwt, discovery: CreatePolicyUri (the suite's own host, /login.html),
 * the plan's registration request plus policy_uri (AddPolicyUriToDynamicRegistrationRequest), which must succeed; then an authorization
 * request in a fresh browser, which must reach the login page without an error. The module then
 * waits for a screenshot of that page showing a link to the client's policy page (ExpectLoginPageWithPolicyLink; OIDC Registration 2: the OP SHOULD display this URL to the End-User):
 * the suite checks nothing more itself. Portcullis stores and returns policy_uri but its login page
 * shows only the client's name, so the screenshot review would fail; that is a todo below, see its note.
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
  client = await registerClient(op, await rs256Key(), { policy_uri: value });
  expect(client.registered.policy_uri).toBe(value);
});

test('performRedirectAndWaitForPlaceholdersOrCallback: a fresh browser reaches the login page, no error (CheckIfAuthorizationEndpointError)', async () => {
  const browser = new Browser();
  const page = await browser.follow(authorizationUrl(op, dynamicCodeRequest(op, client)).toString());
  expect(page.status).toBe(200);
  expect(Browser.forms(page).some((form) => /\/login$/.test(form.action))).toBe(true);
});

// The login page would show it when the client registered it. Not done: with REGISTRATION=open
// anyone can register a name and policy_uri, and showing them as the application's own is a product
// decision (RFC 7591 5 suggests displaying a logo_uri or policy_uri only on a redirect URI's host).
test.todo("ExpectLoginPageWithPolicyLink (OIDC Registration 2: the OP SHOULD display this URL to the End-User): the login page shows a link to the client's policy page");

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
