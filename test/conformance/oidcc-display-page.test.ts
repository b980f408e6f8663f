import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { baseFlowProblems, moduleFlow, RESPONSE_MODES, type ModuleFlow } from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-display-page (OIDCCDisplayPage, "OP-display-page"):
 * AbstractOIDCCServerTest's happy code flow with display=page added to the authorization request
 * (AddDisplayPageToAuthorizationEndpointRequest, OIDCC-3.1.2.1, OIDCC-15.1: every OP must accept the parameter without error).
 * The module asks the tester to start without the OP's cookies and expect the login page: the test's
 * fresh browser must be shown it.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let flow: ModuleFlow;
  beforeAll(async () => {
    flow = await moduleFlow(op, { responseMode, extra: { display: 'page' } });
  });

  test('AddDisplayPageToAuthorizationEndpointRequest (OIDCC-3.1.2.1, OIDCC-15.1): the request carries display=page', () => {
    expect(flow.parameters.display).toBe('page');
  });

  test('no error: authorization response, code exchange, PerformStandardIdTokenChecks, userinfo GET 200 (AbstractOIDCCServerTest)', () => {
    expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
  });

  test("the login page was shown (the module's instruction to the tester)", () => {
    expect(flow.outcome.sawLogin).toBe(true);
  });
});
