import { dynamicCodeFlow, register, registerClient, registrationRequest, rs256Key, startDynamicOp, unregister, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-idtoken-unsigned (OIDCCIdTokenUnsigned, "OP-IDToken-none") in the plan's variant:
 * dynamic_client, private_key_jwt, discovery (oidcc-idtoken-unsigned.test.ts covers the Basic and
 * Form Post plans). Before any registration, skipTestIfSigningAlgorithmNotSupported runs
 * OIDCCCheckIdTokenSigningAlgValuesSupportedAlgNone (INFO): without `none` in
 * id_token_signing_alg_values_supported the module is skipped, which certification accepts. Had it
 * run, it would register id_token_signed_response_alg=none and check only the ID token's alg
 * (CheckIdTokenSignatureAlgorithm). Portcullis never issues unsigned ID tokens: the module is a skip,
 * and the registration it would send is refused, as it must be when `none` is not offered.
 */
let op: DynamicOp;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('OIDCCCheckIdTokenSigningAlgValuesSupportedAlgNone (INFO): none is not listed, so the module is skipped', () => {
  expect(op.metadata.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256']));
  expect(op.metadata.id_token_signing_alg_values_supported).not.toContain('none');
});

test('beyond the module: the registration it would send (AddIdTokenSigningAlgNoneToDynamicRegistrationRequest) is refused, 400 invalid_client_metadata', async () => {
  const answer = await register(op, registrationRequest(await rs256Key(), { id_token_signed_response_alg: 'none' }));
  expect([answer.status, answer.json.error]).toEqual([400, 'invalid_client_metadata']);
});

test('and without it the same client registers and gets a signed ID token', async () => {
  const client = await registerClient(op, await rs256Key());
  const flow = await dynamicCodeFlow(op, client);
  expect(flow.idToken.header.alg).not.toBe('none');
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
