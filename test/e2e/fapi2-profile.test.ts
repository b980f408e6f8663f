import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { createUser, REDIRECT_URI, signIn } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { loadConfig } from '../../src/config/config.ts';

/** SECURITY_PROFILE=fapi2: the FAPI 2.0 Security Profile's requirements on the authorization server. */
let server: TestServer;
const EMAIL = 'fapi@example.com';
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let clientKeys: KeyPair;
let client: oidc.Configuration;

beforeAll(async () => {
  server = await startTestServer({ SECURITY_PROFILE: 'fapi2' });
  await createUser(server, EMAIL);
  clientKeys = await generateKeyPair('ES256', { extractable: true });
  const registered = await server.services.clients.create({
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [{ ...(await exportJWK(clientKeys.publicKey)), alg: 'ES256', use: 'sig' }] },
  });
  client = await oidc.discovery(new URL(server.issuer), registered.client_id, {}, oidc.PrivateKeyJwt(clientKeys.privateKey), { execute: [oidc.allowInsecureRequests] });
});
afterAll(() => server.close());

async function pushedRequest(dpop: oidc.DPoPHandle) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = await oidc.buildAuthorizationUrlWithPAR(
    client,
    { redirect_uri: REDIRECT_URI, scope: 'openid offline_access', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, prompt: 'consent' },
    { DPoP: dpop },
  );
  return { url, verifier, state };
}

const signInTo = (url: URL): Promise<URL> => signIn(new Browser(), { url }, EMAIL);

test('discovery: private_key_jwt only, PAR required, PS256/ES256 only, iss in responses, DPoP', () => {
  const metadata = client.serverMetadata();
  expect(metadata.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
  expect(metadata.require_pushed_authorization_requests).toBe(true);
  expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
  for (const list of [metadata.id_token_signing_alg_values_supported, metadata.token_endpoint_auth_signing_alg_values_supported, metadata.dpop_signing_alg_values_supported, metadata.request_object_signing_alg_values_supported]) {
    expect(list!.length).toBeGreaterThan(0);
    for (const alg of list!) expect(['PS256', 'ES256']).toContain(alg);
  }
  expect(metadata.response_types_supported).toEqual(['code']);
});

test('a pushed, DPoP-bound code flow with private_key_jwt ends in DPoP tokens signed ES256, and refreshes with the same key', async () => {
  const dpop = oidc.getDPoPHandle(client, await oidc.randomDPoPKeyPair('ES256'));
  const { url, verifier, state } = await pushedRequest(dpop);
  const callback = await signInTo(url);
  expect(callback.searchParams.get('iss')).toBe(server.issuer);
  const tokens = await oidc.authorizationCodeGrant(client, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: dpop });
  expect(tokens.token_type.toLowerCase()).toBe('dpop');
  expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).alg).toBe('ES256');
  const refreshed = await oidc.refreshTokenGrant(client, tokens.refresh_token!, undefined, { DPoP: dpop });
  expect(refreshed.token_type.toLowerCase()).toBe('dpop');
  // Not rotated (FAPI 2.0 §5.3.2.1): the same refresh token keeps working.
  expect(refreshed.refresh_token ?? tokens.refresh_token).toBe(tokens.refresh_token);
  // A confidential client's refresh token is bound to its authentication (RFC 9449 §5): no proof, no token.
  await expect(oidc.refreshTokenGrant(client, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('the authorization endpoint refuses a request that was not pushed', async () => {
  const url = oidc.buildAuthorizationUrl(client, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
  const page = await new Browser().follow(url.toString(), (next) => next.startsWith(REDIRECT_URI));
  const error = page.url.startsWith(REDIRECT_URI) ? new URL(page.url).searchParams.get('error') : page.html;
  expect(error).toMatch(/invalid_request/);
});

test('a token request without a DPoP proof is refused', async () => {
  const dpop = oidc.getDPoPHandle(client, await oidc.randomDPoPKeyPair('ES256'));
  const { url, verifier, state } = await pushedRequest(dpop);
  const callback = await signInTo(url);
  await expect(oidc.authorizationCodeGrant(client, callback, { pkceCodeVerifier: verifier, expectedState: state })).rejects.toMatchObject({ error: 'invalid_grant' });
});

test.each([
  [{ token_endpoint_auth_method: 'client_secret_basic' }],
  [{ token_endpoint_auth_method: 'none' }],
  [{ token_endpoint_auth_method: 'private_key_jwt', dpop_bound_access_tokens: false }],
])('a client %p is refused', async (metadata) => {
  const jwks = { keys: [{ ...(await exportJWK(clientKeys.publicKey)), alg: 'ES256', use: 'sig' }] };
  await expect(server.services.clients.create({ redirect_uris: [REDIRECT_URI], ...(metadata.token_endpoint_auth_method === 'private_key_jwt' ? { jwks } : {}), ...metadata })).rejects.toMatchObject({ code: 'invalid_client_metadata' });
});

test('codes longer than 60 s are refused at start', () => {
  expect(() => loadConfig({ SECURITY_PROFILE: 'fapi2', AUTHORIZATION_CODE_TTL: '120', ISSUER: 'http://127.0.0.1:3000' })).toThrow(/AUTHORIZATION_CODE_TTL/);
});

test('PKCE is required even for an OpenID Connect request with a nonce', async () => {
  const dpop = oidc.getDPoPHandle(client, await oidc.randomDPoPKeyPair('ES256'));
  const failure = await oidc
    .buildAuthorizationUrlWithPAR(client, { redirect_uri: REDIRECT_URI, scope: 'openid', nonce: oidc.randomNonce(), state: oidc.randomState() }, { DPoP: dpop })
    .catch((e: unknown) => e);
  expect(failure).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/PKCE/i) });
});
