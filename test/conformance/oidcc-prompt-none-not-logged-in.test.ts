import { randomBytes } from 'node:crypto';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize, codeRequest, startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { expectAuthorizationError, expectCallback, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-prompt-none-not-logged-in
 * (OIDCCPromptNoneNotLoggedIn, OP-prompt-none-NotLoggedIn): from a browser without a session, the
 * authorization request with `prompt=none` (AddPromptNoneToAuthorizationEndpointRequest) and a
 * 128-character state. The OP must come back to the redirect URI (in the query, or form_post) with an
 * error (performGenericAuthorizationEndpointErrorResponseValidation: the state unchanged, no code, only
 * the error parameters), and CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface
 * (OIDCC-3.1.2.6): interaction_required, login_required, account_selection_required or consent_required.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: AddPromptNoneToAuthorizationEndpointRequest (OIDCC-3.1.2.1, 15.1) without a session: an error that needs a user interface (OIDCC-3.1.2.6)`, async () => {
    const state = randomBytes(96).toString('base64url');
    expect(state).toHaveLength(128);
    const parameters = codeRequest(op, op.client, { prompt: 'none', state }, mode);
    const outcome = await authorize(new Browser(), authorizationUrl(op, parameters));
    expect(outcome.sawLogin).toBe(false);
    const params = expectCallback(op, outcome, mode, state);
    const error = expectAuthorizationError(params);
    expect(['interaction_required', 'login_required', 'account_selection_required', 'consent_required']).toContain(error);
  });
});
