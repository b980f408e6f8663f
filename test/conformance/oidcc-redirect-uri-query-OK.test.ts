import { userinfo } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { dynamicCodeFlow, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-redirect-uri-query-OK (OIDCCRedirectUriQueryOK, "OP-redirect_uri-Query-OK", dynamic clients
 * only), private_key_jwt, discovery: AddQueryToRedirectUri makes the redirect URI `...?bar=foo`, the
 * client registers it and uses it unchanged in the authorization and token requests. The whole flow
 * must succeed, and CheckMatchingCallbackParameters (FAILURE) wants `bar=foo` back in the callback
 * next to code and state (OAuth 2.0 3.1.2: the redirect URI's query is kept).
 */
const WITH_QUERY = `${REDIRECT_URI}?bar=foo`;
let op: DynamicOp;
let client: DynamicClient;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('AddQueryToRedirectUri: the redirect URI with its query is registered as is', async () => {
  client = await registerClient(op, await rs256Key(), { redirect_uris: [WITH_QUERY] });
  expect(client.registered.redirect_uris).toEqual([WITH_QUERY]);
});

test('the code flow with that redirect URI: CheckMatchingCallbackParameters (bar=foo comes back), CheckStateInAuthorizationResponse, the token request, PerformStandardIdTokenChecks, userinfo 200', async () => {
  const flow = await dynamicCodeFlow(op, client, { redirectUri: WITH_QUERY });
  const landed = new URL(flow.outcome.page.url);
  expect(`${landed.origin}${landed.pathname}`).toBe(REDIRECT_URI);
  expect(landed.searchParams.getAll('bar')).toEqual(['foo']);
  expect((await userinfo(op, String(flow.tokens.json.access_token))).status).toBe(200);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
