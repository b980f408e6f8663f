import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { dynamicCodeRequest, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-redirect-uri-query-added (OIDCCRedirectUriQueryAdded, "OP-redirect_uri-Query-Added"),
 * private_key_jwt, discovery: the client registers the plain redirect URI, then asks for it with
 * `?foo=bar` added (AddQueryToRedirectUriInAuthorizationRequest). Redirect URIs are compared exactly
 * (OIDCC-3.1.2.1), so the OP must show an error page (ExpectRedirectUriErrorPage, a screenshot) and
 * must not call any redirect URI: processCallback fails the module if it does.
 */
let op: DynamicOp;
let client: DynamicClient;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('the plan registration: the redirect URI without a query', async () => {
  client = await registerClient(op, await rs256Key());
  expect(client.registered.redirect_uris).toEqual([REDIRECT_URI]);
});

test('AddQueryToRedirectUriInAuthorizationRequest (`?foo=bar`): an invalid redirect_uri error page (OIDCC-3.1.2.1), the client is never called', async () => {
  const parameters = dynamicCodeRequest(op, client, { redirect_uri: `${REDIRECT_URI}?foo=bar` });
  const first = await new Browser().request(authorizationUrl(op, parameters).toString());
  expect(first.status).toBe(400);
  expect(first.headers.get('location')).toBeNull();
  expect(first.html).toContain('invalid_redirect_uri');
  const outcome = await authorize(new Browser(), authorizationUrl(op, parameters));
  expect([outcome.kind, outcome.sawLogin]).toEqual(['page', false]);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
