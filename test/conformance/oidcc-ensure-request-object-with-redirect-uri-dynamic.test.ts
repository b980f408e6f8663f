import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize, userinfo } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import {
  dynamicCodeRequest,
  expectSuccessfulAuthorizationResponse,
  expectSuccessfulTokenResponse,
  registerClient,
  rs256Key,
  signWithClientKey,
  startDynamicOp,
  tokenRequest,
  unregister,
  verifyDynamicIdToken,
  type DynamicClient,
  type DynamicOp,
} from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-ensure-request-object-with-redirect-uri (OIDCCEnsureRequestObjectWithRedirectUri) in the
 * plan's variant: dynamic_client, private_key_jwt, discovery (the -dynamic suffix: the static
 * variant has its own file). The request object (passed by value) carries the registered
 * redirect_uri, the plain parameters an invalid one (AddInvalidRedirectUriToAuthorizationRequest
 * appends `_invalid`, OIDCC-6.1). The OP must use the request object's redirect_uri and complete the
 * flow, or show an invalid redirect_uri error page; redirecting with request_not_supported is a
 * failure (EnsureOPDoesNotUseDefaultRedirectUriInCaseOfInvalidRedirectUri). The module sends an
 * unsigned (alg none) object, so onConfigure skips it when request_object_signing_alg_values_supported
 * lacks `none` (skipTestIfNoneUnsupported): Portcullis's case. The same request with an RS256-signed
 * object is tested beyond the module, and takes the first accepted outcome.
 */
let op: DynamicOp;
let client: DynamicClient;
beforeAll(async () => {
  op = await startDynamicOp();
  client = await registerClient(op, await rs256Key());
});
afterAll(() => op.close());

test('skipTestIfNoneUnsupported: request_object_signing_alg_values_supported lacks none, so the module is skipped', () => {
  expect(op.metadata.request_object_signing_alg_values_supported).toEqual(expect.any(Array));
  expect(op.metadata.request_object_signing_alg_values_supported).not.toContain('none');
});

test('CheckDiscEndpointRequestParameterSupported (WARNING): request_parameter_supported is true', () => {
  expect(op.metadata.request_parameter_supported).toBe(true);
});

test("beyond the module, with an RS256-signed request object: the OP follows the object's redirect_uri (OIDCC-6.1), not the invalid plain one, and the flow completes", async () => {
  const parameters = dynamicCodeRequest(op, client);
  const request = await signWithClientKey(client.key, { ...parameters, aud: op.issuer, iss: client.clientId });
  const outer = { request, response_type: 'code', client_id: client.clientId, scope: 'openid', redirect_uri: `${REDIRECT_URI}_invalid` };
  const outcome = await authorize(new Browser(), authorizationUrl(op, outer));
  expect(outcome.kind).toBe('callback');
  const landed = new URL(outcome.page.url);
  expect(`${landed.origin}${landed.pathname}`).toBe(REDIRECT_URI);
  const params = outcome.kind === 'callback' ? outcome.params : new URLSearchParams();
  expect(params.get('error')).not.toBe('request_not_supported');
  const code = expectSuccessfulAuthorizationResponse(op, params, parameters);
  const tokens = await tokenRequest(op, client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
  expectSuccessfulTokenResponse(tokens);
  await verifyDynamicIdToken(op, client, String(tokens.json.id_token), parameters.nonce);
  expect((await userinfo(op, String(tokens.json.access_token))).status).toBe(200);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
