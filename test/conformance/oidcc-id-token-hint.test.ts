import { Browser } from '../support/browser.ts';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-id-token-hint (OIDCCIdTokenHint,
 * OP-Req-id_token_hint; AbstractOIDCCSameAuthTwiceServerTest): the standard code flow, then in the
 * same browser a second one with `prompt=none` (AddPromptNoneToAuthorizationEndpointRequest) and
 * `id_token_hint` set to the first ID token (AddIdTokenHintFromFirstLoginToAuthorizationEndpointRequest,
 * OIDCC-3.1.2.1, 3.1.2.2). The OP must not refuse the valid hint: a code comes back at once, without
 * interaction, and every check of the flow passes again; then CheckIdTokenAuthTimeClaimsSameIfPresent
 * and CheckIdTokenSubConsistentForSecondAuthorization (OIDCC-2).
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: AddIdTokenHintFromFirstLoginToAuthorizationEndpointRequest (OIDCC-3.1.2.1, 3.1.2.2) with prompt=none: a code without interaction, same auth_time (if present) and sub (OIDCC-2)`, async () => {
    const browser = new Browser();
    const first = await basicFlow(op, mode, { browser });
    const second = await basicFlow(op, mode, { browser, extra: { prompt: 'none', id_token_hint: first.idToken } });
    expect({ login: second.outcome.sawLogin, consent: second.outcome.sawConsent }).toEqual({ login: false, consent: false });
    if (first.claims.auth_time !== undefined && second.claims.auth_time !== undefined) expect(second.claims.auth_time).toBe(first.claims.auth_time);
    expect(second.claims.sub).toBe(first.claims.sub);
  });
});
