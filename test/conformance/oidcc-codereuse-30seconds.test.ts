import { exchangeCode, startConformanceOp, userinfo, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, clockAhead, expectInvalidGrant, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-codereuse-30seconds
 * (OIDCCAuthCodeReuseAfter30Seconds, OP-OAuth-2nd-30s and OP-OAuth-2nd-Revokes; AbstractOIDCCAuthCodeReuse):
 * the standard code flow, WaitFor30Seconds, then the same code again. It must be refused:
 * CheckTokenEndpointHttpStatus400, CheckTokenEndpointReturnedJsonContentType (OIDCC-3.1.3.4),
 * CheckErrorFromTokenEndpointResponseErrorInvalidGrant and the error field checks (RFC6749-5.2). Then
 * CallProtectedResource with the access token from the first exchange, and EnsureHttpStatusCodeIs4xx
 * (a WARNING; Portcullis meets it): the replay revoked the tokens issued from the code (RFC6749-4.1.2).
 *
 * The test does not sleep 30 s: the server runs in this process, so `clockAhead(30)` moves the clock
 * oidc-provider reads for the replay and the userinfo call. What the wait can change is time-based:
 * the code is still within its lifetime (AUTHORIZATION_CODE_TTL, 60 s by default), so its replay is
 * seen as a replay and revokes the grant (the artifacts' Redis expiry runs on real time, still far off).
 * A code past its lifetime is refused as expired and revokes nothing (oidc-provider checks expiry
 * before it looks for a replay), so an AUTHORIZATION_CODE_TTL under 30 s would fail this module's
 * warning: the access token would still work.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: the code used again 30 s later is refused (OIDCC-3.1.3.4, RFC6749-5.2), and its access token is revoked (EnsureHttpStatusCodeIs4xx, RFC6749-4.1.2, RFC6750-3.1)`, async () => {
    const flow = await basicFlow(op, mode);
    const restore = clockAhead(30);
    try {
      // 30 s later the access token still works: what follows is the replay's doing, not its expiry.
      expect((await userinfo(op, flow.accessToken)).status).toBe(200);
      const again = await exchangeCode(op, flow.code);
      expectInvalidGrant(again);
      const info = await userinfo(op, flow.accessToken);
      expect(info.status).toBeGreaterThanOrEqual(400);
      expect(info.status).toBeLessThan(500);
    } finally {
      restore();
    }
  });
});
