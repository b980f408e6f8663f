import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  configurationProblems,
  deliveryProblems,
  halfHash,
  idTokenProblems,
  moduleFlow,
  RESPONSE_MODES,
  shannonEntropyBits,
  successResponseProblems,
  tokenResponseProblems,
  unrequestedIdTokenClaims,
  type ModuleFlow,
} from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-server (OIDCCServerTest, "OP-Response-code"),
 * with the plans' static client and client_secret_basic. It sends the plain code request
 * (client_id, redirect_uri, scope=openid, state, nonce, response_type=code, and response_mode=form_post
 * in the Form Post plan; no PKCE), exchanges the code, validates the ID token and calls userinfo.
 * On top of AbstractOIDCCServerTest it checks the code's length and entropy, expires_in (a WARNING
 * when absent), at_hash/c_hash when present, and (WARNINGs) no name and no unrequested claims in the ID token.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

test('configure: CheckServerConfiguration, FetchServerKeys, CheckForKeyIdInServerJWKs (OIDCC-10.1), CheckDistinctKeyIdValueInServerJWKs (RFC7517-4.5)', async () => {
  expect(await configurationProblems(op)).toEqual([]);
});

test('configure: EnsureServerConfigurationSupportsClientSecretBasic (token_endpoint_auth_methods_supported)', () => {
  expect(op.metadata.token_endpoint_auth_methods_supported).toContain('client_secret_basic');
});

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let flow: ModuleFlow;
  beforeAll(async () => {
    flow = await moduleFlow(op, { responseMode });
  });

  test('processCallback: the response reaches the redirect URI the way the mode says (form_post: CheckCallbackHttpMethodIsPost, CheckCallbackContentTypeIsFormUrlEncoded OAuth2-FP-2, RejectAuthCodeInUrlQuery OIDCC-3.3.2.5, RejectErrorInUrlQuery OAuth2-RT-5)', () => {
    expect(deliveryProblems(flow.outcome, responseMode)).toEqual([]);
  });

  test('onAuthorizationCallbackResponse: ValidateIssIfPresentInAuthorizationResponse (OAuth2-iss-2), CheckIfAuthorizationEndpointError, CheckStateInAuthorizationResponse, ExtractAuthorizationCodeFromAuthorizationResponse', () => {
    expect(successResponseProblems(op, flow.params, flow.parameters.state)).toEqual([]);
    expect(flow.params.get('iss')).toBe(op.issuer);
  });

  test('EnsureMinimumAuthorizationCodeLength (128 bits) and EnsureMinimumAuthorizationCodeEntropy (over 96 bits) (RFC6749-10.10, RFC6819-5.1.4.2-2)', () => {
    expect(Buffer.byteLength(flow.code) * 8).toBeGreaterThanOrEqual(128);
    expect(shannonEntropyBits(flow.code)).toBeGreaterThan(96);
  });

  test('requestAuthorizationCode: CheckTokenEndpointHttpStatus200, CheckIfTokenEndpointResponseError, CheckForAccessTokenValue, ValidateExpiresIn, ExtractIdTokenFromTokenResponse (OIDCC-3.1.3.3)', () => {
    expect(tokenResponseProblems(flow.tokens)).toEqual([]);
  });

  test('ExtractExpiresInFromTokenEndpointResponse (a WARNING when missing, RFC6749-5.1): expires_in is there', () => {
    expect(flow.tokens.json.expires_in).toEqual(expect.any(Number));
  });

  test('ExtractAtHash / ExtractCHash in the token endpoint ID token (INFO, optional); ValidateAtHash / ValidateCHash when present (OIDCC-3.3.2.11)', () => {
    const { payload, header } = flow.idToken;
    if (payload.at_hash !== undefined) expect(payload.at_hash).toBe(halfHash(String(flow.tokens.json.access_token), String(header.alg)));
    if (payload.c_hash !== undefined) expect(payload.c_hash).toBe(halfHash(flow.code, String(header.alg)));
  });

  test('PerformStandardIdTokenChecks: ValidateIdToken, ValidateIdTokenStandardClaims (OIDCC-5.1), ValidateIdTokenNonce (OIDCC-2), ValidateIdTokenACRClaimAgainstRequest, ValidateIdTokenSignature, CheckForSubjectInIdToken, EnsureIdTokenUpdatedAtValid', () => {
    // verifyIdToken already checked the signature against jwks_uri, iss, aud, exp, iat and sub.
    expect(idTokenProblems(flow.idToken.payload, { nonce: flow.parameters.nonce })).toEqual([]);
    expect(flow.idToken.payload.nonce).toBe(flow.parameters.nonce);
  });

  test('EnsureIdTokenDoesNotContainName (a WARNING, OIDCC-5.5) and EnsureIdTokenDoesNotContainNonRequestedClaims (a WARNING)', () => {
    expect(flow.idToken.payload).not.toHaveProperty('name');
    expect(unrequestedIdTokenClaims(flow.idToken.payload, flow.parameters.scope ?? '')).toEqual([]);
  });

  test('requestProtectedResource: CallProtectedResource (GET userinfo with the Bearer token), EnsureHttpStatusCodeIs200', () => {
    expect([flow.resource.status, flow.resource.text]).toEqual([
      200,
      expect.stringContaining(`"sub":"${String(flow.idToken.payload.sub)}"`),
    ]);
  });
});
