import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  baseFlowProblems,
  callUserInfo,
  moduleFlow,
  RESPONSE_MODES,
  SCOPE_STANDARD_CLAIMS,
  userInfoProblems,
  type ModuleFlow,
} from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-scope-phone (OIDCCScopePhone, "OP-scope-phone"):
 * scope="openid phone" (SetScopeInClientConfigurationToOpenIdPhone). In configure, before any
 * request, OIDCCCheckScopesSupportedContainScopeTest (INFO) skips the module when scopes_supported lacks one of
 * the scopes, which the suite accepts for certification. Portcullis has no phone claims and does not
 * list the scope, so the module is a skip in both plans (the skip does not depend on the response
 * mode). Beyond the module, the test shows that a client asking for the scope anyway still completes
 * the flow in both modes: the unknown scope is left out of the grant and no such claims are released.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

const SCOPE = 'openid phone';
const UNSUPPORTED = 'phone'.split(' ');

test('OIDCCCheckScopesSupportedContainScopeTest (INFO): scopes_supported lacks phone, so the module is skipped', () => {
  expect(op.metadata.scopes_supported).toContain('openid');
  for (const scope of UNSUPPORTED) expect(op.metadata.scopes_supported).not.toContain(scope);
});

describe.each(RESPONSE_MODES)('beyond the module, response_mode %s: the request with this scope still works', (responseMode) => {
  let flow: ModuleFlow;
  let answer: Awaited<ReturnType<typeof callUserInfo>>;
  beforeAll(async () => {
    flow = await moduleFlow(op, { responseMode, scope: SCOPE });
    answer = await callUserInfo(op, String(flow.tokens.json.access_token), 'get');
  });

  test('AbstractOIDCCServerTest: authorization response, code exchange, PerformStandardIdTokenChecks, userinfo GET 200; the unsupported scope is not granted', () => {
    expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
    expect(String(flow.tokens.json.scope).split(' ').sort()).toEqual('openid'.split(' ').sort());
  });

  test('the userinfo response is still valid (ValidateUserInfoStandardClaims, EnsureUserInfoContainsSub, OIDCC-5.1, 5.3.2) and holds no claim of the unsupported scope', () => {
    expect(userInfoProblems(answer)).toEqual([]);
    expect(answer.json.sub).toBe(flow.idToken.payload.sub);
    for (const claim of UNSUPPORTED.flatMap((scope) => SCOPE_STANDARD_CLAIMS[scope] ?? [])) expect(answer.json).not.toHaveProperty(claim);
  });
});
