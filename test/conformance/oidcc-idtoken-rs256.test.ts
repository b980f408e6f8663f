import { userinfo } from '../support/conformance.ts';
import { dynamicCodeFlow, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-idtoken-rs256 (OIDCCIdTokenRS256, "OP-IDToken-RS256", dynamic clients only), private_key_jwt,
 * discovery: the plan's registration request plus id_token_signed_response_alg=RS256
 * (AddIdTokenSigningAlgRS256ToDynamicRegistrationRequest), a code flow, and on the ID token
 * EnsureIdTokenContainsKid (OIDCC-10.1, required always, as the python suite did) and
 * CheckIdTokenSignatureAlgorithm (alg is the registered RS256) before the standard ID token checks;
 * then userinfo and the client's deletion.
 */
let op: DynamicOp;
let client: DynamicClient;
let flow: Awaited<ReturnType<typeof dynamicCodeFlow>>;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('AddIdTokenSigningAlgRS256ToDynamicRegistrationRequest: the registration succeeds and keeps RS256 (CallDynamicRegistrationEndpointAndVerifySuccessfulResponse)', async () => {
  client = await registerClient(op, await rs256Key(), { id_token_signed_response_alg: 'RS256' });
  expect(client.registered.id_token_signed_response_alg).toBe('RS256');
});

test('the code flow with a client assertion; PerformStandardIdTokenChecks (OIDCC-3.1.3.7)', async () => {
  flow = await dynamicCodeFlow(op, client);
});

test('EnsureIdTokenContainsKid (OIDCC-10.1): the header names the key, one the jwks_uri publishes', async () => {
  expect(flow.idToken.header.kid).toEqual(expect.stringMatching(/\S/));
  const { keys } = (await (await fetch(String(op.metadata.jwks_uri))).json()) as { keys: Array<{ kid: string; alg?: string }> };
  expect(keys.map((key) => key.kid)).toContain(flow.idToken.header.kid);
});

test('CheckIdTokenSignatureAlgorithm (OIDCC-3.1.3.7): alg is the registered RS256', () => {
  expect(flow.idToken.header.alg).toBe('RS256');
});

test('requestProtectedResource: userinfo answers 200', async () => {
  expect((await userinfo(op, String(flow.tokens.json.access_token))).status).toBe(200);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
