import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize, callbackParams, type JsonAnswer } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import {
  dynamicCodeRequest,
  expectSuccessfulAuthorizationResponse,
  expectSuccessfulTokenResponse,
  registerClient,
  rs256Key,
  startDynamicOp,
  tokenRequest,
  unregister,
  verifyDynamicIdToken,
  type DynamicClient,
  type DynamicOp,
} from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-ensure-client-assertion-with-iss-aud-succeeds (OIDCCEnsureClientAssertionWithIssAudSucceeds,
 * client assertion auth only), dynamic_client, private_key_jwt, discovery: a normal code flow, but
 * the client assertion's aud is the issuer instead of the token endpoint
 * (UpdateClientAuthenticationAssertionClaimsWithISSAud; RFC 7523 3 and OIDC Core 9 leave the value
 * to the AS). The AS should accept it: then the token response and ID token get the usual checks
 * and the module stops (no userinfo). Refusing it is only a warning, and must then be a proper
 * invalid_client error (400 or 401, JSON). Portcullis accepts it.
 */
let op: DynamicOp;
let client: DynamicClient;
let tokens: JsonAnswer;
let nonce: string;
beforeAll(async () => {
  op = await startDynamicOp();
  client = await registerClient(op, await rs256Key());
});
afterAll(() => op.close());

test('the authorization request and its callback (CheckStateInAuthorizationResponse, ValidateIssIfPresentInAuthorizationResponse), then the code with an assertion whose aud is the issuer', async () => {
  const parameters = dynamicCodeRequest(op, client);
  nonce = parameters.nonce!;
  const code = expectSuccessfulAuthorizationResponse(op, callbackParams(await authorize(new Browser(), authorizationUrl(op, parameters))), parameters);
  tokens = await tokenRequest(op, client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, { aud: op.issuer });
});

test('the AS accepts it (the module would end with a WARNING otherwise): CheckIfTokenEndpointResponseError, CheckForAccessTokenValue, ValidateExpiresIn, ExtractIdTokenFromTokenResponse', () => {
  expectSuccessfulTokenResponse(tokens);
});

test('additionalTokenEndpointResponseValidation: PerformStandardIdTokenChecks (OIDCC-3.1.3.7)', async () => {
  await verifyDynamicIdToken(op, client, String(tokens.json.id_token), nonce);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
