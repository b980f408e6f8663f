import { Browser } from '../support/browser.ts';
import { startConformanceOp, type ConformanceClient, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES, sleep } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-prompt-login (OIDCCPromptLogin,
 * OP-prompt-login): the standard code flow, then, in the same browser and after WaitForOneSecond,
 * a second one with `prompt=login` (AddPromptLoginToAuthorizationEndpointRequest, OIDCC-3.1.2.1,
 * 15.1). The OP must ask the user to sign in again (ExpectSecondLoginPage: the suite wants a
 * screenshot; here, the login page shows), and CheckSecondIdTokenAuthTimeIsLaterIfPresent (OIDCC-2):
 * when both ID tokens carry auth_time, the second is later. Portcullis includes auth_time only when
 * asked, so the check is also run with a client registered with `require_auth_time`, where it bites.
 * The one-second wait is real, as in the module (auth_time has a resolution of a second); it is
 * skipped for the static client, whose ID tokens carry no auth_time for it to matter to.
 */
let op: ConformanceOp;
let authTimeClient: ConformanceClient;

beforeAll(async () => {
  op = await startConformanceOp();
  authTimeClient = await op.registerClient({ require_auth_time: true });
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test.each([
    ['the static client', () => op.client],
    ['a client with require_auth_time', () => authTimeClient],
  ])(`${planOf(mode)}: AddPromptLoginToAuthorizationEndpointRequest (OIDCC-3.1.2.1, 15.1), %s: the user signs in again, CheckSecondIdTokenAuthTimeIsLaterIfPresent (OIDCC-2)`, async (_name, clientOf) => {
    const client = clientOf();
    const browser = new Browser();
    const first = await basicFlow(op, mode, { browser, client });
    expect(first.outcome.sawLogin).toBe(true);
    if (first.claims.auth_time !== undefined) await sleep(1000);
    const second = await basicFlow(op, mode, { browser, client, extra: { prompt: 'login' } });
    expect(second.outcome.sawLogin).toBe(true);
    expect(second.claims.sub).toBe(first.claims.sub);
    if (client === authTimeClient) {
      expect(first.claims.auth_time).toEqual(expect.any(Number));
      expect(second.claims.auth_time).toEqual(expect.any(Number));
    }
    if (first.claims.auth_time !== undefined && second.claims.auth_time !== undefined) {
      expect(second.claims.auth_time as number).toBeGreaterThan(first.claims.auth_time as number);
    }
  });
});
