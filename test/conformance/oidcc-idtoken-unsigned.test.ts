import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { registerDynamically } from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-idtoken-unsigned (OIDCCIdTokenUnsigned,
 * "OP-IDToken-none"), for dynamically registered clients only. Before registering anything,
 * skipTestIfSigningAlgorithmNotSupported runs OIDCCCheckIdTokenSigningAlgValuesSupportedAlgNone: when
 * id_token_signing_alg_values_supported lacks `none` the module is skipped, which the suite accepts
 * for certification (no OP has to issue unsigned ID tokens). Portcullis never does, so the module is a
 * skip in both plans: it does not depend on the response mode (nothing is sent). Had it run, it would
 * register with id_token_signed_response_alg=none and check the ID token's alg (CheckIdTokenSignatureAlgorithm).
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp({ overrides: { REGISTRATION: 'open' } });
});
afterAll(() => op.close());

test('OIDCCCheckIdTokenSigningAlgValuesSupportedAlgNone (INFO): none is not listed, so the module is skipped', () => {
  expect(op.metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256']));
  expect(op.metadata.id_token_signing_alg_values_supported).not.toContain('none');
});

test('beyond the module, consistent with the skip: registering id_token_signed_response_alg=none is refused (invalid_client_metadata)', async () => {
  const registration = await registerDynamically(op, { extra: { id_token_signed_response_alg: 'none' } });
  expect([registration.status, registration.body.error]).toEqual([400, 'invalid_client_metadata']);
});
