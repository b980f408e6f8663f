import { Browser } from '../support/browser.ts';
import { authorizationUrl } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { dynamicCodeRequest, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-registration-logo-uri (OIDCCRegistrationLogoUri, "OP-Registration-logo_uri"), private_key_jwt, discovery: CreateLogoUri (the suite's own host, /images/openid.png),
 * the plan's registration request plus logo_uri (AddLogoUriToDynamicRegistrationRequest), which must succeed; then an authorization
 * request in a fresh browser, which must reach the login page without an error. The module then
 * waits for a screenshot of that page showing the client's logo (ExpectLoginPageWithLogo; OIDC Registration 2: the OP SHOULD display this image to the End-User during approval):
 * the suite checks nothing more itself; here the page is read for it.
 */
let op: DynamicOp;
let client: DynamicClient;
let value: string;
beforeAll(async () => {
  op = await startDynamicOp();
  value = op.rp.url('/images/openid.png');
});
afterAll(() => op.close());

test('AddLogoUriToDynamicRegistrationRequest (OIDCR-2): the registration succeeds and keeps logo_uri (RFC7591-3.2.1)', async () => {
  client = await registerClient(op, await rs256Key(), { logo_uri: value, redirect_uris: [REDIRECT_URI, op.rp.url('/callback')] });
  expect(client.registered.logo_uri).toBe(value);
});

test('performRedirectAndWaitForPlaceholdersOrCallback: a fresh browser reaches the login page, no error (CheckIfAuthorizationEndpointError)', async () => {
  const browser = new Browser();
  const page = await browser.follow(authorizationUrl(op, dynamicCodeRequest(op, client)).toString());
  expect(page.status).toBe(200);
  expect(Browser.forms(page).some((form) => /\/login$/.test(form.action))).toBe(true);
});

test('ExpectLoginPageWithLogo (OIDC Registration 2, 9.1): the login page shows the logo, which is on a redirect URI host; one on another host is not shown', async () => {
  const page = await new Browser().follow(authorizationUrl(op, dynamicCodeRequest(op, client)).toString());
  expect(page.html).toContain(`<img class="client-logo" src="${value}"`);
  const elsewhere = await registerClient(op, await rs256Key(), { logo_uri: 'https://elsewhere.example/logo' });
  const other = await new Browser().follow(authorizationUrl(op, dynamicCodeRequest(op, elsewhere)).toString());
  expect(other.html).not.toContain('https://elsewhere.example/logo');
  await unregister(elsewhere);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
