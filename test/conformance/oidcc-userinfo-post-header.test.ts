import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  baseFlowProblems,
  callUserInfo,
  moduleFlow,
  RESPONSE_MODES,
  userInfoProblems,
  type ModuleFlow,
} from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-userinfo-post-header (OIDCCUserInfoPostHeader, "OP-UserInfo-Header"):
 * AbstractOIDCCServerTest's happy code flow with scope=openid, then (AbstractOIDCCUserInfoTest) a POST to the userinfo endpoint with the access token in the Authorization header (SetResourceMethodToPost; no body, Content-Type application/x-www-form-urlencoded)
 * and the userinfo response's checks.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let flow: ModuleFlow;
  let answer: Awaited<ReturnType<typeof callUserInfo>>;
  beforeAll(async () => {
    flow = await moduleFlow(op, { responseMode });
    answer = await callUserInfo(op, String(flow.tokens.json.access_token), 'post-header');
  });

  test('AbstractOIDCCServerTest: authorization response, code exchange, PerformStandardIdTokenChecks, userinfo GET 200', () => {
    expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
  });

  test('CallUserInfoEndpoint (OIDCC-5.3.1), EnsureHttpStatusCodeIs200, EnsureContentTypeJson (OIDCC-5.3.2), ExtractUserInfoFromUserInfoEndpointResponse, ValidateUserInfoStandardClaims (OIDCC-5.1), EnsureUserInfoContainsSub, EnsureUserInfoUpdatedAtValid, EnsureMemberValuesInClaimNameReferenceToMemberNamesInClaimSources (OIDCC-5.6.2)', () => {
    expect(userInfoProblems(answer)).toEqual([]);
  });

  test('OIDCC-5.3.2: the userinfo sub is the ID token sub (VerifyUserInfoAndIdTokenInTokenEndpointSameSub, which the scope modules run for the code flow)', () => {
    expect(answer.json.sub).toBe(flow.idToken.payload.sub);
  });
});
