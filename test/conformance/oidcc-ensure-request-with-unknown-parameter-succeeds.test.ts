import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-ensure-request-with-unknown-parameter-succeeds
 * (OIDCCEnsureRequestWithUnknownParameterSucceeds, the python suite's OP-Req-NotUnderstood): the
 * standard code flow with `extra=foobar` added to the authorization request
 * (AddExtraFoobarToAuthorizationEndpointRequest). RFC 6749 3.1: the server MUST ignore unrecognized
 * request parameters, so the whole flow, with every check of AbstractOIDCCServerTest, must succeed.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: AddExtraFoobarToAuthorizationEndpointRequest (RFC6749-3.1): extra=foobar is ignored and the flow completes`, async () => {
    const flow = await basicFlow(op, mode, { extra: { extra: 'foobar' } });
    expect(flow.outcome.sawLogin).toBe(true);
    expect(flow.claims).not.toHaveProperty('extra');
  });
});
