import { Browser } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-prompt-none-logged-in
 * (OIDCCPromptNoneLoggedIn, OP-prompt-none-LoggedIn; AbstractOIDCCSameAuthTwiceServerTest): the
 * standard code flow, then in the same browser a second one with `prompt=none`
 * (AddPromptNoneToAuthorizationEndpointRequest, OIDCC-3.1.2.1, 15.1), which must come back with a
 * code without showing the user anything, and pass every check of the flow again. Then
 * CheckIdTokenAuthTimeClaimsSameIfPresent and CheckIdTokenSubConsistentForSecondAuthorization (OIDCC-2):
 * the same auth_time (when both carry one) and the same sub.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: AddPromptNoneToAuthorizationEndpointRequest (OIDCC-3.1.2.1, 15.1) with a session: a code without interaction, CheckIdTokenAuthTimeClaimsSameIfPresent, CheckIdTokenSubConsistentForSecondAuthorization (OIDCC-2)`, async () => {
    const browser = new Browser();
    const first = await basicFlow(op, mode, { browser });
    expect(first.outcome.sawLogin).toBe(true);
    const second = await basicFlow(op, mode, { browser, extra: { prompt: 'none' } });
    expect({ login: second.outcome.sawLogin, consent: second.outcome.sawConsent }).toEqual({ login: false, consent: false });
    if (first.claims.auth_time !== undefined && second.claims.auth_time !== undefined) expect(second.claims.auth_time).toBe(first.claims.auth_time);
    expect(second.claims.sub).toBe(first.claims.sub);
  });
});
