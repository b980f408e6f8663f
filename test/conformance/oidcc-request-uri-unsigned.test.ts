import { randomBytes } from 'node:crypto';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize } from '../support/conformance.ts';
import { unsignedRequestObject } from '../support/conformance-basic-b.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { dynamicCodeRequest, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-request-uri-unsigned (OIDCCRequestUriUnsigned, "OP-request_uri-Unsigned-Dynamic", dynamic
 * clients only), private_key_jwt, discovery. Setup registers the client with request_uris: a random
 * https URL on the suite's server with a fragment (CreateRandomRequestUriWithFragment, OIDCC-6.2;
 * AddRequestUriToDynamicRegistrationRequest). onConfigure then requires discovery to say
 * request_uri_parameter_supported true (CheckDiscEndpointRequestUriParameterSupported, FAILURE,
 * OIDCD-3; absent counts as true) and skips the module when request_object_signing_alg_values_supported
 * lacks `none` (skipTestIfNoneUnsupported). Had it run, the authorization request would carry
 * request_uri pointing at an alg=none request object, to be completed normally.
 *
 * Portcullis: the registration succeeds and keeps request_uris, discovery says
 * request_uri_parameter_supported true (src/oidc/request-by-reference.ts), and the module is skipped
 * (no `none`). Had it run, the OP would fetch the alg=none object and refuse it as it refuses one by
 * value (invalid_request_object), which is tested.
 */
let op: DynamicOp;
let client: DynamicClient;
let requestUri: string;
beforeAll(async () => {
  op = await startDynamicOp();
  requestUri = `${op.rp.url(`/requesturi/${randomBytes(48).toString('base64url')}`)}#${randomBytes(32).toString('base64url')}`;
});
afterAll(() => op.close());

test('CreateRandomRequestUriWithFragment (OIDCC-6.2), AddRequestUriToDynamicRegistrationRequest: the registration succeeds (CallDynamicRegistrationEndpointAndVerifySuccessfulResponse)', async () => {
  client = await registerClient(op, await rs256Key(), { request_uris: [requestUri] });
  expect(client.registered.request_uris).toEqual([requestUri]);
});

test('CheckDiscEndpointRequestUriParameterSupported (FAILURE, OIDCD-3): request_uri_parameter_supported is true (OIDC Core 6.2, 15.2: mandatory for dynamic OPs)', () => {
  expect(op.metadata.request_uri_parameter_supported).toBe(true);
  expect(op.metadata.require_request_uri_registration).toBe(true);
});

test('skipTestIfNoneUnsupported: request_object_signing_alg_values_supported lacks none, so the module is skipped here', () => {
  expect(op.metadata.request_object_signing_alg_values_supported).toEqual(expect.any(Array));
  expect(op.metadata.request_object_signing_alg_values_supported).not.toContain('none');
});

test('beyond the module: the alg=none object (SerializeRequestObjectWithNullAlgorithm) is fetched once and refused at the client with invalid_request_object, its state returned', async () => {
  const { state, nonce: _nonce, ...outer } = dynamicCodeRequest(op, client);
  op.rp.serve(new URL(requestUri).pathname, () => ({ contentType: 'application/jwt', body: unsignedRequestObject(dynamicCodeRequest(op, client, { state: state! })) }));
  const outcome = await authorize(new Browser(), authorizationUrl(op, { ...outer, request_uri: requestUri }));
  expect(outcome.kind).toBe('callback');
  expect(new URL(outcome.page.url).pathname).toBe(new URL(REDIRECT_URI).pathname);
  expect(outcome.sawLogin).toBe(false);
  expect(outcome.kind === 'callback' && [outcome.params.get('error'), outcome.params.get('state')]).toEqual(['invalid_request_object', state]);
  expect(op.rp.hits(new URL(requestUri).pathname)).toBe(1);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
