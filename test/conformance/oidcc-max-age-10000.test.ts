import { Browser } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-max-age-10000 (OIDCCMaxAge10000,
 * OP-Req-max_age=10000; AbstractOIDCCSameAuthTwiceServerTest): a code flow with `max_age=15000`
 * (AddMaxAge15000ToAuthorizationEndpointRequest), whose ID token must carry auth_time
 * (CheckIdTokenAuthTimeClaimPresentDueToMaxAge, OIDCC-2, 3.1.2.1, 15.1); then in the same browser one
 * with `max_age=10000` (AddMaxAge10000ToAuthorizationEndpointRequest), for which the user must not be
 * asked to sign in, whose ID token carries auth_time too, the same one
 * (CheckIdTokenAuthTimeClaimsSameIfPresent), and the same sub (CheckIdTokenSubConsistentForSecondAuthorization).
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: max_age=15000 then max_age=10000 (OIDCC-3.1.2.1, 15.1): no second sign-in, CheckIdTokenAuthTimeClaimPresentDueToMaxAge both times, same auth_time and sub (OIDCC-2)`, async () => {
    const browser = new Browser();
    const first = await basicFlow(op, mode, { browser, extra: { max_age: '15000' } });
    expect(first.outcome.sawLogin).toBe(true);
    expect(first.claims.auth_time).toEqual(expect.any(Number));
    const second = await basicFlow(op, mode, { browser, extra: { max_age: '10000' } });
    expect(second.outcome.sawLogin).toBe(false);
    expect(second.claims.auth_time).toEqual(expect.any(Number));
    expect(second.claims.auth_time).toBe(first.claims.auth_time);
    expect(second.claims.sub).toBe(first.claims.sub);
  });
});
