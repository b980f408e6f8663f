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
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-scope-profile (OIDCCScopeProfile,
 * "OP-scope-profile"): the happy code flow with scope="openid profile" (SetScopeInClientConfigurationToOpenIdProfile),
 * skipped when scopes_supported lacks a scope (OIDCCCheckScopesSupportedContainScopeTest), then a
 * userinfo GET checked by AbstractOIDCCReturnedClaimsServerTest.validateUserInfoResponse.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

const SCOPE = 'openid profile';

test('OIDCCCheckScopesSupportedContainScopeTest (INFO): scopes_supported has openid and profile, so the module runs', () => {
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
    expect(flow.tokens.json.scope).toBe(SCOPE);
  });

  test('validateUserInfoResponse: EnsureHttpStatusCodeIs200, ValidateUserInfoStandardClaims (OIDCC-5.1), EnsureUserInfoContainsSub, EnsureUserInfoUpdatedAtValid, EnsureMemberValuesInClaimName... (OIDCC-5.6.2)', () => {
    expect(userInfoProblems(answer)).toEqual([]);
  });

  test('VerifyUserInfoAndIdTokenInTokenEndpointSameSub (OIDCC-5.3.2)', () => {
    expect(answer.json.sub).toBe(flow.idToken.payload.sub);
  });

  test('VerifyScopesReturnedInUserInfoClaims (a WARNING only, OIDCC-5.4): name and updated_at are released; the other profile claims are a known warning, Portcullis holds no such data', () => {
    expect(answer.json).toMatchObject({ name: expect.any(String), updated_at: expect.any(Number) });
    expect(missingScopeClaims(SCOPE, answer.json)).toEqual([
      'given_name',
      'family_name',
      'middle_name',
      'nickname',
      'profile',
      'picture',
      'website',
      'gender',
      'birthdate',
      'zoneinfo',
      'locale',
      'preferred_username',
    ]);
  });
});
