import { Browser } from '../support/browser.ts';
import { authorizationUrl } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { dynamicCodeRequest, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-registration-tos-uri (OIDCCRegistrationTosUri, "OP-Registration-tos_uri"), private_key_jwt, discovery: CreateTosUri (https://openid.net),
 * the plan's registration request plus tos_uri (AddTosUriToDynamicRegistrationRequest), which must succeed; then an authorization
 * request in a fresh browser, which must reach the login page without an error. The module then
 * waits for a screenshot of that page showing a link to the client's terms of service (ExpectLoginPageWithTosLink; OIDC Registration 2: the OP SHOULD display this URL to the End-User):
 * the suite checks nothing more itself; here the page is read for it (src/interactions/client-presentation.ts).
 */
let op: DynamicOp;
let client: DynamicClient;
let value: string;
beforeAll(async () => {
  op = await startDynamicOp();
  value = 'https://openid.net';
});
afterAll(() => op.close());

test('AddTosUriToDynamicRegistrationRequest (OIDCR-2): the registration succeeds and keeps tos_uri (RFC7591-3.2.1)', async () => {
  client = await registerClient(op, await rs256Key(), { tos_uri: value, redirect_uris: [REDIRECT_URI, op.rp.url('/callback')] });
  expect(client.registered.tos_uri).toBe(value);
});

test('performRedirectAndWaitForPlaceholdersOrCallback: a fresh browser reaches the login page, no error (CheckIfAuthorizationEndpointError)', async () => {
  const browser = new Browser();
  const page = await browser.follow(authorizationUrl(op, dynamicCodeRequest(op, client)).toString());
  expect(page.status).toBe(200);
  expect(Browser.forms(page).some((form) => /\/login$/.test(form.action))).toBe(true);
});

test('ExpectLoginPageWithTosLink (OIDC Registration 2): the login page links the terms of service', async () => {
  const page = await new Browser().follow(authorizationUrl(op, dynamicCodeRequest(op, client)).toString());
  expect(page.html).toContain(`href="${new URL(value).toString()}"`);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
