import { jest } from '@jest/globals';
import { decodeJwt } from 'jose';
import type { JsonAnswer } from '../support/conformance.ts';
import { userinfo } from '../support/conformance.ts';
import {
  dynamicCodeFlow,
  json,
  jwksOf,
  registerClient,
  rs256Key,
  shannonEntropyBits,
  startDynamicOp,
  tokenRequest,
  unregister,
  VSCHAR,
  type ClientKey,
  type DynamicClient,
  type DynamicOp,
} from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-refresh-token-rp-key-rotation (OIDCCRefreshTokenRPKeyRotation, "OP-Rotation-RP-Sig",
 * private_key_jwt and dynamic clients only), discovery: the client registers a jwks_uri on the
 * suite's server (a key with a thumbprint kid) and the refresh_token grant, signs in with
 * scope=openid offline_access and prompt=consent, and gets a refresh token. Then it rotates its key
 * (the jwks_uri now serves only a new key with a new kid), waits 60 s so that the OP's jwks_uri
 * cache and rate limits allow a fetch (WaitForJWKSRefreshDelay), and refreshes with an assertion
 * signed by the new key (RefreshTokenRequestSteps, scope included), then calls userinfo. The OP must
 * fetch the new key and accept it. The 60 s are not waited for: the OP runs in this process, so the
 * wait is the clock both it and the test read moved 61 s ahead (oidc-provider keeps a client's
 * jwks_uri keys fresh for 60 s at least), during the refresh only.
 */
let op: DynamicOp;
let client: DynamicClient;
let published: ClientKey;
let flow: Awaited<ReturnType<typeof dynamicCodeFlow>>;
let refreshed: JsonAnswer;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('CreateJwksUri, GenerateRS256ClientJWKsWithKeyID, AddJwksUriToDynamicRegistrationRequest, AddRefreshTokenGrantTypeToDynamicRegistrationRequest: registered', async () => {
  published = await rs256Key({ withKid: true });
  op.rp.serve('/client1_jwks', () => json(jwksOf(published)));
  client = await registerClient(op, published, { jwks: undefined, jwks_uri: op.rp.url('/client1_jwks'), grant_types: ['authorization_code', 'refresh_token'] });
  expect(client.registered.grant_types).toEqual(['authorization_code', 'refresh_token']);
});

test('SetScopeInClientConfigurationToOpenIdOfflineAccess, AddPromptConsentToAuthorizationEndpointRequestIfScopeContainsOfflineAccess (OIDCC-11): the code flow brings a refresh token (ExtractRefreshTokenFromTokenResponse)', async () => {
  flow = await dynamicCodeFlow(op, client, { extra: { scope: 'openid offline_access', prompt: 'consent' } });
  expect(flow.tokens.json.refresh_token).toEqual(expect.any(String));
});

test('EnsureServerConfigurationSupportsRefreshToken (WARNING, OIDCD-3) and EnsureRefreshTokenContainsAllowedCharactersOnly (RFC6749-A.17)', () => {
  expect(op.metadata.grant_types_supported).toContain('refresh_token');
  expect(String(flow.tokens.json.refresh_token)).toMatch(VSCHAR);
});

test('cycling the keys in the RP jwks_uri, WaitForJWKSRefreshDelay (60 s, on the moved clock), then the refresh with an assertion under the new kid (RFC6749-6): CheckTokenEndpointHttpStatus200', async () => {
  const replacement = await rs256Key({ withKid: true });
  expect(replacement.kid).not.toBe(published.kid);
  published = replacement;
  client.key = replacement;
  const now = Date.now();
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => now + 61_000);
  try {
    refreshed = await tokenRequest(op, client, { grant_type: 'refresh_token', refresh_token: String(flow.tokens.json.refresh_token), scope: 'openid offline_access' });
  } finally {
    clock.mockRestore();
  }
  expect([refreshed.status, refreshed.json.error]).toEqual([200, undefined]);
  expect(op.rp.hits('/client1_jwks')).toBeGreaterThanOrEqual(2);
});

test('CheckTokenEndpointReturnedJsonContentType, CheckTokenEndpointCacheHeaders (no-store), CheckTokenTypeIsBearer (RFC6749-5.1)', () => {
  expect(refreshed.headers.get('content-type')).toMatch(/^application\/json\b/);
  expect(String(refreshed.headers.get('cache-control')).split(',').map((part) => part.trim())).toContain('no-store');
  expect(String(refreshed.json.token_type).toLowerCase()).toBe('bearer');
});

test('EnsureMinimumAccessTokenEntropy, EnsureAccessTokenContainsAllowedCharactersOnly (RFC6749-A.12), ValidateExpiresIn, a new access token (INFO)', () => {
  const accessToken = String(refreshed.json.access_token);
  expect(shannonEntropyBits(accessToken)).toBeGreaterThan(96);
  expect(accessToken).toMatch(VSCHAR);
  expect(refreshed.json.expires_in as number).toBeGreaterThan(0);
  expect(accessToken).not.toBe(flow.tokens.json.access_token);
});

test('a rotated refresh token, if any: EnsureMinimumRefreshTokenLength and EnsureMinimumRefreshTokenEntropy (RFC6749-10.10)', () => {
  const refreshToken = refreshed.json.refresh_token;
  if (typeof refreshToken !== 'string') return;
  expect(Buffer.byteLength(refreshToken) * 8).toBeGreaterThanOrEqual(128);
  expect(shannonEntropyBits(refreshToken)).toBeGreaterThan(96);
});

test('CompareIdTokenClaims (OIDCC-12.2), when the refresh brings an ID token: same iss, sub, aud, auth_time and azp; a new iat', () => {
  const idToken = refreshed.json.id_token;
  if (typeof idToken !== 'string') return;
  const first = flow.idToken.payload;
  const second = decodeJwt(idToken);
  expect([second.iss, second.sub, second.aud]).toEqual([first.iss, first.sub, first.aud]);
  expect(second.iat).not.toBe(first.iat);
  if (second.auth_time !== undefined) expect(second.auth_time).toBe(first.auth_time);
  expect(second.azp).toBe(first.azp);
});

test('requestProtectedResource: userinfo with the new access token answers 200', async () => {
  expect((await userinfo(op, String(refreshed.json.access_token))).status).toBe(200);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
