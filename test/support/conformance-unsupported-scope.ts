import { startConformanceOp, type ConformanceOp } from './conformance.ts';
import {
  baseFlowProblems,
  callUserInfo,
  moduleFlow,
  RESPONSE_MODES,
  SCOPE_STANDARD_CLAIMS,
  userInfoProblems,
  type ModuleFlow,
} from './conformance-basic-a.ts';

/**
 * The tests of a Basic OP scope module that the suite skips because scopes_supported lacks some of
 * its scopes (OIDCCCheckScopesSupportedContainScopeTest, INFO): the skip condition, and beyond the
 * module, that the request with those scopes still completes in both response modes, grants
 * `granted` only and releases no claim of the unsupported scopes.
 */
export function describeUnsupportedScopeModule({
  scope,
  unsupported,
  granted,
}: {
  scope: string;
  unsupported: readonly string[];
  granted: string;
}): void {
  let op: ConformanceOp;
  beforeAll(async () => {
    op = await startConformanceOp();
  });
  afterAll(() => op.close());

  test(`OIDCCCheckScopesSupportedContainScopeTest (INFO): scopes_supported lacks ${unsupported.join(' and ')}, so the module is skipped`, () => {
    expect(op.metadata.scopes_supported).toContain('openid');
    for (const name of unsupported) expect(op.metadata.scopes_supported).not.toContain(name);
  });

  describe.each(RESPONSE_MODES)('beyond the module, response_mode %s: the request with this scope still works', (responseMode) => {
    let flow: ModuleFlow;
    let answer: Awaited<ReturnType<typeof callUserInfo>>;
    beforeAll(async () => {
      flow = await moduleFlow(op, { responseMode, scope });
      answer = await callUserInfo(op, String(flow.tokens.json.access_token), 'get');
    });

    test('AbstractOIDCCServerTest: authorization response, code exchange, PerformStandardIdTokenChecks, userinfo GET 200; the unsupported scope is not granted', () => {
      expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
      expect(String(flow.tokens.json.scope).split(' ').sort()).toEqual(granted.split(' ').sort());
    });

    test('the userinfo response is still valid (ValidateUserInfoStandardClaims, EnsureUserInfoContainsSub, OIDCC-5.1, 5.3.2) and holds no claim of the unsupported scope', () => {
      expect(userInfoProblems(answer)).toEqual([]);
      expect(answer.json.sub).toBe(flow.idToken.payload.sub);
      for (const claim of unsupported.flatMap((name) => SCOPE_STANDARD_CLAIMS[name] ?? [])) expect(answer.json).not.toHaveProperty(claim);
    });
  });
}
