import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-ensure-request-with-acr-values-succeeds
 * (OIDCCEnsureRequestWithAcrValuesSucceeds, OP-Req-acr_values). OIDCCAddAcrValuesToAuthorizationEndpointRequest
 * sends every value of discovery's acr_values_supported (`1fa mfa <PAPE multi-factor>`); the
 * authorization must succeed (OIDCC-15.1: at minimum its use must not cause an error), and
 * ValidateIdTokenACRClaimAgainstAcrValuesRequest (only a WARNING) wants the ID token's `acr` to be
 * one of the requested values. Because the list also accepts `1fa`, an account without a second
 * factor signs in with its password (src/mfa/multi-factor-request.ts).
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: OIDCCAddAcrValuesToAuthorizationEndpointRequest (OIDCC-3.1.2.1, 15.1): acr_values with all of acr_values_supported succeeds`, async () => {
    const supported = op.metadata.acr_values_supported as string[];
    expect(supported.length).toBeGreaterThan(0);
    const flow = await basicFlow(op, mode, { extra: { acr_values: supported.join(' ') } });
    expect(flow.outcome.sawLogin).toBe(true);
    // ValidateIdTokenACRClaimAgainstAcrValuesRequest (WARNING; Portcullis meets it): a string, one of those requested.
    expect(flow.claims.acr).toEqual(expect.any(String));
    expect(supported).toContain(flow.claims.acr);
  });
});
