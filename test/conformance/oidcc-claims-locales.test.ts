import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-claims-locales (OIDCCClaimsLocales,
 * OP-Req-claims_locales): the standard code flow with `claims_locales=se`
 * (AddClaimsLocalesSeToAuthorizationEndpointRequest), which must at a minimum not result in an error
 * (OIDCC-5.2, 15.1). Portcullis keeps no localised claims, so the claims are the usual ones.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: AddClaimsLocalesSeToAuthorizationEndpointRequest (OIDCC-5.2, 15.1): claims_locales=se does not cause an error`, async () => {
    const flow = await basicFlow(op, mode, { extra: { claims_locales: 'se' } });
    expect(flow.claims.sub).toBe(op.accountId);
    expect(Object.keys(flow.claims).filter((name) => name.includes('#'))).toEqual([]);
  });
});
