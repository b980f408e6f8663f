import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { dynamicCodeRequest, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-ensure-redirect-uri-in-authorization-request (OIDCCEnsureRedirectUriInAuthorizationRequest,
 * "OP-redirect_uri-Missing", dynamic clients only), private_key_jwt, discovery: the client registers
 * two redirect URIs (AddMultipleRedirectUriToDynamicRegistrationRequest adds https://example.org/redirect),
 * then sends the authorization request without redirect_uri (RemoveRedirectUriFromAuthorizationEndpointRequest).
 * OIDC Core 3.1.2.1 makes redirect_uri required, and with two registered URIs the OP cannot know
 * where to go: it must show an error page (ExpectRedirectUriMissingErrorPage, a screenshot the
 * suite asks for) and never redirect (AuthorizationEndpointRedirectedBackUnexpectedly, FAILURE).
 */
const OTHER_REDIRECT_URI = 'https://example.org/redirect';
let op: DynamicOp;
let client: DynamicClient;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('AddMultipleRedirectUriToDynamicRegistrationRequest: both redirect URIs registered', async () => {
  client = await registerClient(op, await rs256Key(), { redirect_uris: [REDIRECT_URI, OTHER_REDIRECT_URI] });
  expect(client.registered.redirect_uris).toEqual([REDIRECT_URI, OTHER_REDIRECT_URI]);
});

test('RemoveRedirectUriFromAuthorizationEndpointRequest: an error page saying redirect_uri is missing (OIDCC-3.1.2.1), no redirect anywhere (AuthorizationEndpointRedirectedBackUnexpectedly)', async () => {
  const { redirect_uri: _omitted, ...parameters } = dynamicCodeRequest(op, client);
  const browser = new Browser();
  const first = await browser.request(authorizationUrl(op, parameters).toString());
  expect(first.status).toBe(400);
  expect(first.headers.get('location')).toBeNull();
  expect(first.html).toMatch(/redirect_uri/);
  const outcome = await authorize(new Browser(), authorizationUrl(op, parameters));
  expect([outcome.kind, outcome.sawLogin]).toEqual(['page', false]);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
