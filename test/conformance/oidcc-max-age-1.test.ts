import { Browser } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES, sleep } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-max-age-1 (OIDCCMaxAge1,
 * OP-Req-max_age=1): the standard code flow, then in the same browser, after WaitFor2Seconds, one
 * with `max_age=1` (AddMaxAge1ToAuthorizationEndpointRequest, OIDCC-3.1.2.1, 15.1). The session is
 * too old: the OP must ask the user to sign in again (ExpectSecondLoginPage: the suite wants a
 * screenshot; here, the login page shows). The second ID token must carry auth_time
 * (CheckIdTokenAuthTimeClaimPresentDueToMaxAge, OIDCC-2), later than the first one's if that has one
 * (CheckSecondIdTokenAuthTimeIsLaterIfPresent) and recent (CheckIdTokenAuthTimeIsRecentIfPresent: within
 * five minutes' skew). The two-second wait is real, as in the module.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: max_age=1 two seconds after signing in (OIDCC-3.1.2.1, 15.1): a second sign-in, auth_time present, later and recent (OIDCC-2)`, async () => {
    const browser = new Browser();
    const first = await basicFlow(op, mode, { browser });
    expect(first.outcome.sawLogin).toBe(true);
    const signedIn = Date.now();
    await sleep(2000);
    const second = await basicFlow(op, mode, { browser, extra: { max_age: '1' } });
    expect(second.outcome.sawLogin).toBe(true);
    const authTime = second.claims.auth_time as number;
    expect(authTime).toEqual(expect.any(Number));
    if (first.claims.auth_time !== undefined) expect(authTime).toBeGreaterThan(first.claims.auth_time as number);
    expect(authTime).toBeGreaterThanOrEqual(Math.floor(signedIn / 1000) + 2);
    expect(authTime * 1000).toBeGreaterThan(Date.now() - 5 * 60 * 1000 - 1000);
    expect(second.claims.sub).toBe(first.claims.sub);
  });
});
