import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize, codeRequest, startConformanceOp, type ConformanceClient, type ConformanceOp } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { finishFlow, planOf, RESPONSE_MODES, unsignedRequestObject } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-ensure-request-object-with-redirect-uri
 * (OIDCCEnsureRequestObjectWithRedirectUri; AbstractOIDCCRequestObjectServerTestExpectingRedirectOrPlaceholder).
 * An unsigned request object carries the registered redirect_uri, and the URL another one, the
 * registered one with `_invalid` appended to its path (AddInvalidRedirectUriToAuthorizationRequest,
 * OIDCC-6.1); state, nonce and response_mode are in the object only. The OP must either use the
 * object's redirect_uri and complete the flow, or show an invalid redirect_uri error page
 * (ExpectRedirectUriErrorPage, RFC6749-3.1.2: a screenshot); answering request_not_supported at the
 * registered URI fails the module (EnsureOPDoesNotUseDefaultRedirectUriInCaseOfInvalidRedirectUri).
 *
 * Result for Portcullis: skipped, by skipTestIfNoneUnsupported (`none` is not in
 * request_object_signing_alg_values_supported). Were it run, its unsigned object would be refused and,
 * the URL's redirect_uri being unregistered, the error page shown: a permitted outcome. The same
 * request with an RS256-signed object shows what the module checks: Portcullis takes the module's
 * preferred branch, using the object's redirect_uri (the registered one) rather than the URL's, and
 * the flow completes with every check of the flow.
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

const INVALID = `${REDIRECT_URI}_invalid`;
const outside = (parameters: Record<string, string>, request: string, redirectUri: string) =>
  authorizationUrl(op, { request, response_type: parameters.response_type!, client_id: parameters.client_id!, scope: parameters.scope!, redirect_uri: redirectUri });
// A signed object names its client and the OP (iss, aud: RFC 9101 10.2); the module's unsigned one does not need to.
const signed = (parameters: Record<string, string>) =>
  new SignJWT(parameters).setProtectedHeader({ alg: 'RS256', kid: 'jar' }).setIssuer(jarClient.clientId).setAudience(op.issuer).sign(privateKey);

test('skipTestIfNoneUnsupported: request_object_signing_alg_values_supported does not list none, so the module is skipped', () => {
  expect(op.metadata.request_object_signing_alg_values_supported).not.toContain('none');
});

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: were it run, the module's own unsigned request gets ExpectRedirectUriErrorPage (RFC6749-3.1.2), not request_not_supported at the registered URI`, async () => {
    const parameters = codeRequest(op, op.client, {}, mode);
    const outcome = await authorize(new Browser(), outside(parameters, unsignedRequestObject(parameters), INVALID));
    expect(outcome.kind).toBe('page');
    expect({ status: outcome.page.status, login: outcome.sawLogin }).toEqual({ status: 400, login: false });
    expect(outcome.page.url.startsWith(op.issuer)).toBe(true);
    expect(outcome.page.html).toContain('<code>invalid_redirect_uri</code>');
    for (const form of Browser.forms(outcome.page)) expect(form.action.startsWith(REDIRECT_URI)).toBe(false);
  });

  test(`${planOf(mode)}: AddInvalidRedirectUriToAuthorizationRequest (OIDCC-6.1) with a signed object: the object's redirect_uri is used and the flow completes`, async () => {
    const parameters = codeRequest(op, jarClient, {}, mode);
    const browser = new Browser();
    const outcome = await authorize(browser, outside(parameters, await signed(parameters), INVALID));
    // Not request_not_supported at the registered URI (EnsureOPDoesNotUseDefaultRedirectUriInCaseOfInvalidRedirectUri):
    // a code, state and (form_post) response mode that only the object carried.
    await finishFlow(op, mode, { browser, client: jarClient, parameters, outcome });
    if (outcome.kind === 'callback' && outcome.via === 'query') expect(outcome.page.url.startsWith(`${REDIRECT_URI}?`)).toBe(true);
  });
});
