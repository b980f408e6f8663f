import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  baseFlowProblems,
  callUserInfo,
  missingScopeClaims,
  moduleFlow,
  RESPONSE_MODES,
  userInfoProblems,
  type ModuleFlow,
} from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-scope-email (OIDCCScopeEmail,
 * "OP-scope-email"): the happy code flow with scope="openid email", skipped when scopes_supported
 * lacks a scope (OIDCCCheckScopesSupportedContainScopeTest), then a userinfo GET. The claims belong in
 * the userinfo response, not the ID token, as there is an access token (OIDCC-5.4): the WARNINGs
 * EnsureIdTokenDoesNotContainName, EnsureIdTokenDoesNotContainEmailForScopeEmail,
 * EnsureUserInfoDoesNotContainName and VerifyScopesReturnedInUserInfoClaims, all met.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

const SCOPE = 'openid email';

test('OIDCCCheckScopesSupportedContainScopeTest (INFO): scopes_supported has openid and email, so the module runs', () => {
  expect(op.metadata.scopes_supported).toEqual(expect.arrayContaining(SCOPE.split(' ')));
});

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let flow: ModuleFlow;
  let answer: Awaited<ReturnType<typeof callUserInfo>>;
  beforeAll(async () => {
    flow = await moduleFlow(op, { responseMode, scope: SCOPE });
    answer = await callUserInfo(op, String(flow.tokens.json.access_token), 'get');
  });

  test('AbstractOIDCCServerTest: authorization response, code exchange, PerformStandardIdTokenChecks, userinfo GET 200', () => {
    expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
  });

  test('EnsureIdTokenDoesNotContainName (OIDCC-5.5) and EnsureIdTokenDoesNotContainEmailForScopeEmail (OIDCC-5.4), WARNINGs', () => {
    expect(flow.idToken.payload).not.toHaveProperty('name');
    expect(flow.idToken.payload).not.toHaveProperty('email');
  });

  test('validateUserInfoResponse: EnsureHttpStatusCodeIs200, ValidateUserInfoStandardClaims (OIDCC-5.1), EnsureUserInfoContainsSub, EnsureUserInfoUpdatedAtValid, VerifyUserInfoAndIdTokenInTokenEndpointSameSub (OIDCC-5.3.2)', () => {
    expect(userInfoProblems(answer)).toEqual([]);
    expect(answer.json.sub).toBe(flow.idToken.payload.sub);
  });

  test('VerifyScopesReturnedInUserInfoClaims (a WARNING, OIDCC-5.4): email and email_verified; EnsureUserInfoDoesNotContainName (a WARNING)', () => {
    expect(missingScopeClaims(SCOPE, answer.json)).toEqual([]);
    expect(answer.json).toMatchObject({ email: op.email, email_verified: true });
    expect(answer.json).not.toHaveProperty('name');
  });
});
