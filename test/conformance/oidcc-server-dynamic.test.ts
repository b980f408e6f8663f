import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { userinfo } from '../support/conformance.ts';
import {
  dynamicCodeFlow,
  expectRegistrationSucceeded,
  register,
  registrationRequest,
  rs256Key,
  shannonEntropyBits,
  startDynamicOp,
  unregister,
  type DynamicClient,
  type DynamicOp,
} from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module oidcc-server
 * (OIDCCServerTest, "OP-Registration-Endpoint" and "OP-Registration-Dynamic") in the plan's variant:
 * client_registration=dynamic_client, private_key_jwt, server_metadata=discovery, response_type
 * code (oidcc-server.test.ts is the static variant). AbstractOIDCCServerTest reads discovery and the
 * OP's keys, registers a client (OIDCCCreateDynamicClientRegistrationRequest: an RS256 public key
 * without kid in `jwks`, private_key_jwt, the redirect URI, contacts), runs a code flow with state
 * and nonce, redeems the code with a client assertion, checks the ID token, calls userinfo, and
 * deletes the client. OIDCCServerTest adds the authorization code's length and entropy, at_hash /
 * c_hash when present, and, as warnings, expires_in, no `name` and no unrequested claims in the ID
 * token. The OP runs over native TLS so that every URL the suite checks is https.
 */
let op: DynamicOp;
let client: DynamicClient;
let flow: Awaited<ReturnType<typeof dynamicCodeFlow>>;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('EnsureServerConfigurationSupportsPrivateKeyJwt (FAILURE): token_endpoint_auth_methods_supported lists private_key_jwt', () => {
  expect(op.metadata.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
});

test('FetchServerKeys, CheckServerKeysIsValid, CheckForKeyIdInServerJWKs (OIDCC-10.1), CheckDistinctKeyIdValueInServerJWKs (RFC7517-4.5)', async () => {
  const { keys } = (await (await fetch(String(op.metadata.jwks_uri))).json()) as { keys: Array<Record<string, unknown>> };
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    expect(key.kid).toEqual(expect.stringMatching(/\S/));
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(secret);
  }
  expect(new Set(keys.map((key) => key.kid)).size).toBe(keys.length);
});

test('OIDCCCreateDynamicClientRegistrationRequest, CallDynamicRegistrationEndpointAndVerifySuccessfulResponse (RFC7591-3.1, OIDCR-3.2)', async () => {
  const key = await rs256Key();
  const request = registrationRequest(key);
  const answer = await register(op, request);
  expectRegistrationSucceeded(answer);
  // private_key_jwt: nothing secret to hand out.
  expect(answer.json.client_secret).toBeUndefined();
  expect(answer.json).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', redirect_uris: request.redirect_uris, contacts: request.contacts, client_name: request.client_name });
  client = { clientId: String(answer.json.client_id), registered: answer.json, request, key };
});

test('the code flow: CheckMatchingCallbackParameters, ValidateIssIfPresentInAuthorizationResponse, CheckStateInAuthorizationResponse; the token request with a client assertion; PerformStandardIdTokenChecks (OIDCC-3.1.3.7)', async () => {
  flow = await dynamicCodeFlow(op, client);
  expect(flow.params.get('iss')).toBe(op.issuer);
  expect(flow.outcome.sawConsent).toBe(true);
});

test('EnsureMinimumAuthorizationCodeLength and EnsureMinimumAuthorizationCodeEntropy (RFC6749-10.10, RFC6819-5.1.4.2-2): at least 128 bits long, more than 96 bits of entropy', () => {
  expect(Buffer.byteLength(flow.code) * 8).toBeGreaterThanOrEqual(128);
  expect(shannonEntropyBits(flow.code)).toBeGreaterThan(96);
});

test('ExtractExpiresInFromTokenEndpointResponse (WARNING, RFC6749-5.1) and ValidateExpiresIn: present, positive, under a year', () => {
  expect(flow.tokens.json.expires_in).toEqual(expect.any(Number));
  expect(flow.tokens.json.expires_in as number).toBeGreaterThan(0);
  expect(flow.tokens.json.expires_in as number).toBeLessThanOrEqual(31_536_000);
});

test('ValidateAtHash / ValidateCHash (OIDCC-3.3.2.11, 3.3.3.6): optional in the token endpoint ID token, correct when present', () => {
  const { payload, header } = flow.idToken;
  const half = (value: string) => {
    const digest = createHash(`sha${String(header.alg).slice(2)}`).update(value).digest();
    return digest.subarray(0, digest.length / 2).toString('base64url');
  };
  if (payload.at_hash !== undefined) expect(payload.at_hash).toBe(half(String(flow.tokens.json.access_token)));
  if (payload.c_hash !== undefined) expect(payload.c_hash).toBe(half(flow.code));
});

test('EnsureIdTokenDoesNotContainName (WARNING, OIDCC-5.5) and EnsureIdTokenDoesNotContainNonRequestedClaims (WARNING): scope=openid brings no profile claims', () => {
  const allowed = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'nbf', 'jti', 'sid', 's_hash', 'txn'];
  const claims = decodeJwt(String(flow.tokens.json.id_token));
  expect(claims.name).toBeUndefined();
  expect(Object.keys(claims).filter((claim) => !allowed.includes(claim))).toEqual([]);
});

test('requestProtectedResource: CallProtectedResource at the userinfo endpoint, EnsureHttpStatusCodeIs200', async () => {
  const answer = await userinfo(op, String(flow.tokens.json.access_token));
  expect(answer.status).toBe(200);
  expect(answer.json.sub).toBe(flow.idToken.payload.sub);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): DELETE at registration_client_uri answers 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
