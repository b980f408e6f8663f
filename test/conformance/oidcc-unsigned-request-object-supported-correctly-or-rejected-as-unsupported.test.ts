import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize, codeRequest, startConformanceOp, type ConformanceClient, type ConformanceOp } from '../support/conformance.ts';
import { expectAuthorizationError, expectCallback, finishFlow, planOf, RESPONSE_MODES, unsignedRequestObject } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module
 * oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported
 * (OIDCCUnsignedRequestObjectSupportedCorrectlyOrRejectedAsUnsupported, OP-request-Unsigned;
 * AbstractOIDCCRequestObjectServerTest). The module turns the authorization request into an unsigned
 * request object (ConvertAuthorizationEndpointRequestToRequestObject, SerializeRequestObjectWithNullAlgorithm)
 * sent by value, with response_type, client_id, scope and redirect_uri repeated outside
 * (BuildRequestObjectByValueRedirectToAuthorizationEndpoint); the OP must process it or answer
 * request_not_supported. But first skipTestIfNoneUnsupported: when discovery's
 * request_object_signing_alg_values_supported lacks `none`, the module is skipped.
 *
 * Result for Portcullis: skipped. It lists RS256, PS256, ES256, EdDSA (and HS256) but not `none`, and
 * refuses an unsigned object anyway (invalid_request_object), rather than ignoring it as the python
 * suite once allowed. What the module checks is then shown with an RS256-signed request object, in
 * which alone state, nonce and (Form Post plan) response_mode are sent: the OP must use them.
 */
let op: ConformanceOp;
let jarClient: ConformanceClient;
let privateKey: CryptoKey;

beforeAll(async () => {
  op = await startConformanceOp();
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  jarClient = await op.registerClient({ jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'jar', alg: 'RS256', use: 'sig' }] } });
});
afterAll(() => op.close());

/** The module's URL: the request object, and only the four parameters OAuth and OIDC require outside it. */
const byValue = (parameters: Record<string, string>, request: string) =>
  authorizationUrl(op, { request, response_type: parameters.response_type!, client_id: parameters.client_id!, scope: parameters.scope!, redirect_uri: parameters.redirect_uri! });

test('skipTestIfNoneUnsupported: request_object_signing_alg_values_supported does not list none, so the module is skipped', () => {
  expect(op.metadata.request_parameter_supported).toBe(true);
  expect(op.metadata.request_object_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256']));
  expect(op.metadata.request_object_signing_alg_values_supported).not.toContain('none');
});

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: an unsigned request object is refused with invalid_request_object, not ignored`, async () => {
    const parameters = codeRequest(op, op.client, {}, mode);
    const outcome = await authorize(new Browser(), byValue(parameters, unsignedRequestObject(parameters)));
    expect(outcome.sawLogin).toBe(false);
    // The object was read (its response_mode and state are used) and refused.
    const params = expectCallback(op, outcome, mode, parameters.state);
    expect(expectAuthorizationError(params)).toBe('invalid_request_object');
  });

  test(`${planOf(mode)}: the module's flow with an RS256-signed request object: processed, and every check of the flow passes`, async () => {
    const parameters = codeRequest(op, jarClient, {}, mode);
    const signed = await new SignJWT(parameters).setProtectedHeader({ alg: 'RS256', kid: 'jar' }).setIssuer(jarClient.clientId).setAudience(op.issuer).sign(privateKey);
    const browser = new Browser();
    const outcome = await authorize(browser, byValue(parameters, signed));
    await finishFlow(op, mode, { browser, client: jarClient, parameters, outcome });
  });
});
