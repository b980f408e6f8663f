import { exchangeCode, startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, expectInvalidGrant, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-codereuse (OIDCCAuthCodeReuse,
 * OP-OAuth-2nd; AbstractOIDCCAuthCodeReuse): the standard code flow, then the same token request
 * with the same code again, at once. A 200 is only a WARNING in this module (ServerAllowedReusingAuthorizationCode);
 * any other answer gets AbstractOIDCCAuthCodeReuse's checks: CheckTokenEndpointHttpStatus400 and
 * CheckTokenEndpointReturnedJsonContentType (OIDCC-3.1.3.4), CheckErrorFromTokenEndpointResponseErrorInvalidGrant
 * and the error field checks (RFC6749-5.2). Portcullis meets all of them.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: the code used a second time at once is refused: 400, JSON, invalid_grant (OIDCC-3.1.3.4, RFC6749-5.2)`, async () => {
    const flow = await basicFlow(op, mode);
    const again = await exchangeCode(op, flow.code);
    expect(again.status).not.toBe(200);
    expectInvalidGrant(again);
  });
});
