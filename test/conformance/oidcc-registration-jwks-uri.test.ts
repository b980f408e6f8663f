import { userinfo } from '../support/conformance.ts';
import { dynamicCodeFlow, json, jwksOf, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-registration-jwks-uri (OIDCCRegistrationJwksUri, "OP-Registration-jwks_uri", private_key_jwt
 * and dynamic clients only), discovery: CreateJwksUri points at the suite's own /client1_jwks, which
 * serves the public key made by GenerateRS256ClientJWKsWithKeyID (kid = its thumbprint); the plan's
 * registration request carries jwks_uri instead of jwks (AddJwksUriToDynamicRegistrationRequest).
 * The registration and the whole AbstractOIDCCServerTest flow must succeed, so the OP must fetch the
 * client's keys from jwks_uri to verify the client assertion at the token endpoint. The suite serves
 * it over https on loopback, which OUTBOUND_ALLOW_HOSTS lets the OP reach.
 */
let op: DynamicOp;
let client: DynamicClient;
let flow: Awaited<ReturnType<typeof dynamicCodeFlow>>;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('CreateJwksUri, GenerateRS256ClientJWKsWithKeyID, AddJwksUriToDynamicRegistrationRequest: registered with jwks_uri and no jwks', async () => {
  const key = await rs256Key({ withKid: true });
  op.rp.serve('/client1_jwks', () => json(jwksOf(key)));
  client = await registerClient(op, key, { jwks: undefined, jwks_uri: op.rp.url('/client1_jwks') });
  expect(client.registered.jwks_uri).toBe(op.rp.url('/client1_jwks'));
  expect(client.registered.jwks).toBeUndefined();
});

test('the code flow; the client assertion (kid in its header) verifies with the key the OP fetched from jwks_uri', async () => {
  flow = await dynamicCodeFlow(op, client);
  expect(op.rp.hits('/client1_jwks')).toBeGreaterThanOrEqual(1);
});

test('requestProtectedResource: userinfo answers 200', async () => {
  expect((await userinfo(op, String(flow.tokens.json.access_token))).status).toBe(200);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
