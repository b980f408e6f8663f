import { createHash, randomBytes } from 'node:crypto';
import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-ensure-request-with-valid-pkce-succeeds
 * (OIDCCEnsureRequestWithValidPkceSucceeds): SetupPkceAndAddToAuthorizationRequest makes a random
 * code_verifier (CreateRandomCodeVerifier, RFC7636-4.1), sends its S256 challenge
 * (CreateS256CodeChallenge, AddCodeChallengeToAuthorizationEndpointRequest, RFC7636-4.2, 4.3) along
 * with the usual state and nonce, and AddCodeVerifierToTokenEndpointRequest (RFC7636-4.5) sends the
 * verifier with the code. The whole flow must succeed.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: SetupPkceAndAddToAuthorizationRequest, AddCodeVerifierToTokenEndpointRequest (RFC7636-4.1 to 4.5): a valid S256 PKCE request succeeds`, async () => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const flow = await basicFlow(op, mode, {
      extra: { code_challenge: challenge, code_challenge_method: 'S256' },
      tokenExtra: { code_verifier: verifier },
    });
    expect(flow.claims.sub).toBe(op.accountId);
  });
});
