import { createHash, randomBytes } from 'node:crypto';
import { Browser } from '../support/browser.ts';
import {
  authorize,
  callbackParams,
  exchangeCode,
  startConformanceOp,
  verifyIdToken,
  type AuthorizationOutcome,
  type ConformanceClient,
  type ConformanceOp,
} from '../support/conformance.ts';
import {
  deliveryProblems,
  errorResponseProblems,
  errorResponseWarnings,
  idTokenProblems,
  moduleRequest,
  moduleUrl,
  RESPONSE_MODES,
  successResponseProblems,
  tokenResponseProblems,
} from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-ensure-request-without-nonce-succeeds-for-code-flow
 * (OIDCCEnsureRequestWithoutNonceSucceedsForCodeFlow, "OP-nonce-NoReq-code"): the plan's code request
 * with the static confidential client (client_secret_basic) but without nonce
 * (AddNonceToAuthorizationEndpointRequest skipped), and, like every module built on
 * AbstractOIDCCServerTest, without PKCE. The module stops after the authorization response
 * (performPostAuthorizationFlow only finishes): it passes when the OP issues a code
 * (CheckIfAuthorizationEndpointError and ExtractAuthorizationCodeFromAuthorizationResponse, both
 * FAILURE and stopping the module), and never exchanges it.
 *
 * Portcullis refuses a request with neither nonce nor PKCE by default (src/oidc/pkce-policy.ts:
 * without either nothing binds the code to the client's session, RFC 9700 section 2.1.1). The
 * module passes with the client an admin registers for certification with `require_pkce: false`,
 * as the plan's static client is; a client without that setting keeps getting invalid_request.
 */
let op: ConformanceOp;
let certificationClient: ConformanceClient;
beforeAll(async () => {
  op = await startConformanceOp();
  certificationClient = await op.registerClient({ require_pkce: false });
});
afterAll(() => op.close());

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let parameters: Record<string, string>;
  let outcome: AuthorizationOutcome;
  beforeAll(async () => {
    parameters = moduleRequest(op, { responseMode, omit: ['nonce'] });
    outcome = await authorize(new Browser(), moduleUrl(op, parameters));
  });

  test('what the module sends: a confidential client, scope=openid, state, no nonce and no code_challenge', () => {
    expect(op.client.auth).toBe('client_secret_basic');
    expect(parameters).toMatchObject({ scope: 'openid', state: expect.any(String), response_type: 'code' });
    expect(parameters).not.toHaveProperty('nonce');
    expect(parameters).not.toHaveProperty('code_challenge');
  });

  test('CheckIfAuthorizationEndpointError and ExtractAuthorizationCodeFromAuthorizationResponse (FAILURE): the certification client (require_pkce: false) gets a code without nonce and without PKCE', async () => {
    const request = moduleRequest(op, { responseMode, omit: ['nonce'], client: certificationClient });
    expect(request).not.toHaveProperty('code_challenge');
    const answered = await authorize(new Browser(), moduleUrl(op, request));
    expect(deliveryProblems(answered, responseMode)).toEqual([]);
    const params = callbackParams(answered);
    expect(successResponseProblems(op, params, request.state)).toEqual([]);
    expect(params.get('code')).toEqual(expect.any(String));
  });

  test('a client without require_pkce: false is refused: invalid_request naming PKCE, before any login, as a well-formed error response delivered the way the mode says', () => {
    expect(outcome).toMatchObject({ kind: 'callback', sawLogin: false });
    expect(deliveryProblems(outcome, responseMode)).toEqual([]);
    const params = callbackParams(outcome);
    expect(errorResponseProblems(op, params, parameters.state)).toEqual([]);
    expect(errorResponseWarnings(params)).toEqual([]);
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toMatch(/PKCE/);
  });

  test('beyond the module: the same nonce-less request with PKCE (S256) gets a code, and the ID token carries no nonce (ValidateIdTokenNonce, OIDCC-2)', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const withPkce: Record<string, string> = {
      ...moduleRequest(op, { responseMode, omit: ['nonce'] }),
      code_challenge: s256(verifier),
      code_challenge_method: 'S256',
    };
    const answered = await authorize(new Browser(), moduleUrl(op, withPkce));
    expect(deliveryProblems(answered, responseMode)).toEqual([]);
    const params = callbackParams(answered);
    expect(successResponseProblems(op, params, withPkce.state)).toEqual([]);
    const tokens = await exchangeCode(op, String(params.get('code')), op.client, { code_verifier: verifier });
    expect(tokenResponseProblems(tokens)).toEqual([]);
    const { payload } = await verifyIdToken(op, String(tokens.json.id_token));
    expect(payload).not.toHaveProperty('nonce');
    expect(idTokenProblems(payload, { nonce: undefined })).toEqual([]);
  });
});
