import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  baseFlowProblems,
  callUserInfo,
  missingScopeClaims,
  moduleFlow,
  moduleUrl,
  RESPONSE_MODES,
  userInfoProblems,
  type ModuleFlow,
} from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-alternate-happy-flow (OIDCCAlternateHappyFlow):
 * oidcc-scope-email's flow and checks, but with the scope's entries reversed
 * (ReverseScopeOrderInAuthorizationEndpointRequest, "email openid", RFC6749-3.3: their order does not
 * matter) and the query parameters in reverse alphabetical order
 * (BuildPlainRedirectToAuthorizationEndpointReorderedParams), so the OP must not depend on any ordering.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

const SCOPE = 'email openid';

test('OIDCCCheckScopesSupportedContainScopeTest (INFO): scopes_supported has email and openid, so the module runs', () => {
  expect(op.metadata.scopes_supported).toEqual(expect.arrayContaining(SCOPE.split(' ')));
});

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let flow: ModuleFlow;
  let answer: Awaited<ReturnType<typeof callUserInfo>>;
  beforeAll(async () => {
    flow = await moduleFlow(op, { responseMode, scope: SCOPE, order: 'reversed' });
    answer = await callUserInfo(op, String(flow.tokens.json.access_token), 'get');
  });

  test('the request: scope reversed, parameters in reverse alphabetical order', () => {
    const names = [...moduleUrl(op, flow.parameters, 'reversed').searchParams.keys()];
    expect(names).toEqual([...names].sort().reverse());
    expect(names[0]).toBe('state');
    expect(flow.parameters.scope).toBe('email openid');
  });

  test('AbstractOIDCCServerTest: authorization response, code exchange, PerformStandardIdTokenChecks, userinfo GET 200', () => {
    expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
    expect(String(flow.tokens.json.scope).split(' ').sort()).toEqual(['email', 'openid']);
  });

  test('EnsureIdTokenDoesNotContainName (OIDCC-5.5) and EnsureIdTokenDoesNotContainEmailForScopeEmail (OIDCC-5.4), WARNINGs', () => {
    expect(flow.idToken.payload).not.toHaveProperty('name');
    expect(flow.idToken.payload).not.toHaveProperty('email');
  });

  test('validateUserInfoResponse: ValidateUserInfoStandardClaims (OIDCC-5.1), EnsureUserInfoContainsSub, EnsureUserInfoUpdatedAtValid, VerifyUserInfoAndIdTokenInTokenEndpointSameSub (OIDCC-5.3.2)', () => {
    expect(userInfoProblems(answer)).toEqual([]);
    expect(answer.json.sub).toBe(flow.idToken.payload.sub);
  });

  test('VerifyScopesReturnedInUserInfoClaims (a WARNING, OIDCC-5.4) and EnsureUserInfoDoesNotContainName (a WARNING)', () => {
    expect(missingScopeClaims(SCOPE, answer.json)).toEqual([]);
    expect(answer.json).not.toHaveProperty('name');
  });
});
