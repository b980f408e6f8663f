import { randomBytes } from 'node:crypto';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize } from '../support/conformance.ts';
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
 * oidcc-request-uri-signed-rs256 (OIDCCRequestUriSignedRS256, "OP-request_uri-Sig", dynamic clients
 * only), private_key_jwt, discovery. The client registers request_uris (a random https URL on the
 * suite's server with a fragment, OIDCC-6.2) and request_object_signing_alg=RS256. Discovery must
 * list RS256 in request_object_signing_alg_values_supported and say request_uri_parameter_supported
 * true (both FAILURE, OIDCD-3). The authorization request becomes a request object with aud=issuer
 * and iss=client_id (OIDCC-6.1), signed RS256 with the client's key and served at that URL; the
 * request carries request_uri plus response_type, client_id, scope and redirect_uri; the flow must
 * complete as AbstractOIDCCServerTest's does.
 *
 * Portcullis passes it: it keeps request_uris, fetches a registered request_uri (fragment aside)
 * through its SSRF-guarded outbound fetch, and hands the object to oidc-provider as `request`
 * (src/oidc/request-by-reference.ts), so the signature and request_object_signing_alg are checked
 * as for an object by value.
 */
let op: DynamicOp;
let client: DynamicClient;
let requestUri: string;
beforeAll(async () => {
  op = await startDynamicOp();
  requestUri = `${op.rp.url(`/requesturi/${randomBytes(48).toString('base64url')}`)}#${randomBytes(32).toString('base64url')}`;
});
afterAll(() => op.close());

test('CheckDiscEndpointRequestObjectSigningAlgValuesSupportedContainsRS256 (OIDCD-3)', () => {
  expect(op.metadata.request_object_signing_alg_values_supported).toContain('RS256');
});

test('CheckDiscEndpointRequestUriParameterSupported (FAILURE, OIDCD-3): request_uri_parameter_supported is true (OIDC Core 6.2, 15.2: mandatory for dynamic OPs)', () => {
  expect(op.metadata.request_uri_parameter_supported).toBe(true);
  expect(op.metadata.require_request_uri_registration).toBe(true);
});

test('CreateRandomRequestUriWithFragment, AddRequestUriToDynamicRegistrationRequest, AddRequestObjectSigningAlgRS256ToDynamicRegistrationRequest: registered, request_uris kept', async () => {
  client = await registerClient(op, await rs256Key(), { request_uris: [requestUri], request_object_signing_alg: 'RS256' });
  expect(client.registered.request_object_signing_alg).toBe('RS256');
  expect(client.registered.request_uris).toEqual([requestUri]);
});

/** ConvertAuthorizationEndpointRequestToRequestObject, AddAudToRequestObject, AddIssToRequestObject, SignRequestObject. */
async function signedRequestObject(parameters: Record<string, string>): Promise<string> {
  return signWithClientKey(client.key, { ...parameters, aud: op.issuer, iss: client.clientId });
}

/** BuildRequestObjectBy*RedirectToAuthorizationEndpoint: the object plus the duplicates OIDC Core 6.1 and RFC 6749 3.1.2.3 require. */
const outerParameters = (parameters: Record<string, string>, name: 'request' | 'request_uri', value: string) => ({
  [name]: value,
  response_type: String(parameters.response_type),
  client_id: String(parameters.client_id),
  scope: String(parameters.scope),
  redirect_uri: String(parameters.redirect_uri),
});

test('BuildRequestObjectByReferenceRedirectToAuthorizationEndpoint: the OP fetches the signed request object from request_uri and the flow completes', async () => {
  const parameters = dynamicCodeRequest(op, client);
  const object = await signedRequestObject(parameters);
  // handleRequestUriRequest: the object, as application/jwt.
  op.rp.serve(new URL(requestUri).pathname, () => ({ contentType: 'application/jwt', body: object }));
  const outcome = await authorize(new Browser(), authorizationUrl(op, outerParameters(parameters, 'request_uri', requestUri)));
  expect(outcome.kind).toBe('callback');
  const params = outcome.kind === 'callback' ? outcome.params : new URLSearchParams();
  const code = expectSuccessfulAuthorizationResponse(op, params, parameters);
  expect(op.rp.hits(new URL(requestUri).pathname)).toBe(1);
  const tokens = await tokenRequest(op, client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
  expectSuccessfulTokenResponse(tokens);
  await verifyDynamicIdToken(op, client, String(tokens.json.id_token), parameters.nonce);
});

test('beyond the module: the same URL serving an object signed with another key is refused with invalid_request_object at the client', async () => {
  const parameters = dynamicCodeRequest(op, client);
  const forged = await signWithClientKey(await rs256Key(), { ...parameters, aud: op.issuer, iss: client.clientId });
  op.rp.serve(new URL(requestUri).pathname, () => ({ contentType: 'application/jwt', body: forged }));
  const outcome = await authorize(new Browser(), authorizationUrl(op, outerParameters(parameters, 'request_uri', requestUri)));
  expect(outcome.sawLogin).toBe(false);
  expect(outcome.kind === 'callback' && outcome.params.get('error')).toBe('invalid_request_object');
});

test('beyond the module: the same RS256 request object by value completes the flow (CheckStateInAuthorizationResponse, the token request, PerformStandardIdTokenChecks)', async () => {
  const parameters = dynamicCodeRequest(op, client);
  const outcome = await authorize(new Browser(), authorizationUrl(op, outerParameters(parameters, 'request', await signedRequestObject(parameters))));
  expect(outcome.kind).toBe('callback');
  const params = outcome.kind === 'callback' ? outcome.params : new URLSearchParams();
  const code = expectSuccessfulAuthorizationResponse(op, params, parameters);
  const tokens = await tokenRequest(op, client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
  expectSuccessfulTokenResponse(tokens);
  await verifyDynamicIdToken(op, client, String(tokens.json.id_token), parameters.nonce);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
