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
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-userinfo-post-body (OIDCCUserInfoPostBody,
 * "OP-UserInfo-Body"): AbstractOIDCCServerTest's happy code flow with scope=openid, then a POST to the
 * userinfo endpoint with the access token as the form parameter access_token and no Authorization
 * header (CallUserInfoEndpointWithBearerTokenInBody, RFC 6750 section 2.2). An error answer would only
 * be a WARNING (UserInfoEndpointWithAccessTokenInBodyNotSupported: the method is optional); Portcullis
 * supports it, so the test holds the answer to every userinfo check.
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
    answer = await callUserInfo(op, String(flow.tokens.json.access_token), 'post-body');
  });

  test('AbstractOIDCCServerTest: authorization response, code exchange, PerformStandardIdTokenChecks, userinfo GET 200', () => {
    expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
  });

  test('UserInfoEndpointWithAccessTokenInBodyNotSupported (a WARNING) does not apply: the token in the body is accepted (2xx)', () => {
    expect(answer.status).toBe(200);
  });

  test('then EnsureContentTypeJson (OIDCC-5.3.2), ExtractUserInfoFromUserInfoEndpointResponse, ValidateUserInfoStandardClaims (OIDCC-5.1), EnsureUserInfoContainsSub, EnsureUserInfoUpdatedAtValid, EnsureMemberValuesInClaimNameReferenceToMemberNamesInClaimSources (OIDCC-5.6.2)', () => {
    expect(userInfoProblems(answer)).toEqual([]);
    expect(answer.json.sub).toBe(flow.idToken.payload.sub);
  });
});
