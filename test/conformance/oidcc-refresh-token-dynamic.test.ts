import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Browser } from '../support/browser.ts';
import { userinfo, type JsonAnswer } from '../support/conformance.ts';
import {
  dynamicCodeFlow,
  registerClient,
  rs256Key,
  shannonEntropyBits,
  startDynamicOp,
  tokenRequest,
  unregister,
  VSCHAR,
  type DynamicClient,
  type DynamicOp,
} from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-refresh-token (OIDCCRefreshToken, an AbstractOIDCCMultipleClient) in the plan's variant:
 * dynamic_client, private_key_jwt, discovery (oidcc-refresh-token.test.ts is the static one). Two
 * clients register with the refresh_token grant (AddRefreshTokenGrantTypeToDynamicRegistrationRequest).
 * Each signs in, in the same browser, with scope=openid offline_access (scopes_supported lists it)
 * and prompt=consent (OIDCC-11), the second with a 43-character nonce ending in "-._~"; each
 * refreshes (RefreshTokenRequestSteps: the first client sends the scope again, the second does not)
 * and the answer is checked, then userinfo is called with the new access token. Last, client 2's
 * refresh token presented by client 1 must be refused with invalid_grant
 * (RefreshTokenRequestExpectingErrorSteps): a refresh token is bound to its client (RFC 6749 6).
 * The module would skip if no refresh token came back; Portcullis issues one.
 * WaitForOneSecond before each refresh (so that the iat differ) is real here: a second, twice.
 */
let op: DynamicOp;
const browser = new Browser();
const clients: DynamicClient[] = [];
const latestRefreshToken: string[] = [];
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('AbstractOIDCCMultipleClient.configureClient: both clients register, with the refresh_token grant', async () => {
  for (let index = 0; index < 2; index += 1) {
    const client = await registerClient(op, await rs256Key(), { grant_types: ['authorization_code', 'refresh_token'] });
    expect(client.registered.grant_types).toEqual(['authorization_code', 'refresh_token']);
    clients.push(client);
  }
});

test('SetScopeInClientConfigurationToOpenIdOfflineAccessIfServerSupportsOfflineAccess: scopes_supported lists offline_access', () => {
  expect(op.metadata.scopes_supported).toContain('offline_access');
});

/** RefreshTokenRequestSteps' checks on a refresh answer, all FAILURE-level unless marked. */
function expectRefreshAnswer(answer: JsonAnswer, first: { accessToken: string; idToken: ReturnType<typeof decodeJwt> }): void {
  expect([answer.status, answer.json.error]).toEqual([200, undefined]); // CheckTokenEndpointHttpStatus200 (RFC6749-5.1)
  expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/); // CheckTokenEndpointReturnedJsonContentType
  expect(String(answer.headers.get('cache-control')).split(',').map((part) => part.trim())).toContain('no-store'); // CheckTokenEndpointCacheHeaders
  const accessToken = String(answer.json.access_token);
  expect(String(answer.json.token_type).toLowerCase()).toBe('bearer'); // CheckTokenTypeIsBearer
  expect(shannonEntropyBits(accessToken)).toBeGreaterThan(96); // EnsureMinimumAccessTokenEntropy
  expect(accessToken).toMatch(VSCHAR); // EnsureAccessTokenContainsAllowedCharactersOnly (RFC6749-A.12)
  expect(answer.json.expires_in as number).toBeGreaterThan(0); // ExtractExpiresInFromTokenEndpointResponse (WARNING), ValidateExpiresIn
  expect(accessToken).not.toBe(first.accessToken); // EnsureAccessTokenValuesAreDifferent (INFO)
  const { refresh_token: refreshToken, id_token: idToken } = answer.json;
  if (typeof refreshToken === 'string') {
    // EnsureMinimumRefreshTokenLength, EnsureMinimumRefreshTokenEntropy (RFC6749-10.10)
    expect(Buffer.byteLength(refreshToken) * 8).toBeGreaterThanOrEqual(128);
    expect(shannonEntropyBits(refreshToken)).toBeGreaterThan(96);
  }
  if (typeof idToken === 'string') {
    // CompareIdTokenClaims (OIDCC-12.2)
    const second = decodeJwt(idToken);
    expect([second.iss, second.sub, second.aud, second.azp]).toEqual([first.idToken.iss, first.idToken.sub, first.idToken.aud, first.idToken.azp]);
    expect(second.iat).not.toBe(first.idToken.iat);
    if (second.auth_time !== undefined) expect(second.auth_time).toBe(first.idToken.auth_time);
  }
}

describe.each([
  { index: 0, label: 'client 1', nonce: undefined, withScope: true },
  { index: 1, label: 'client 2', nonce: `${randomBytes(30).toString('base64url').slice(0, 39)}-._~`, withScope: false },
])('$label', ({ index, nonce, withScope }) => {
  let flow: Awaited<ReturnType<typeof dynamicCodeFlow>>;
  let refreshed: JsonAnswer;

  test('the code flow (scope openid offline_access, prompt=consent) brings a refresh token; EnsureServerConfigurationSupportsRefreshToken (WARNING), EnsureRefreshTokenContainsAllowedCharactersOnly (RFC6749-A.17)', async () => {
    flow = await dynamicCodeFlow(op, clients[index]!, { browser, extra: { scope: 'openid offline_access', prompt: 'consent', ...(nonce ? { nonce } : {}) } });
    expect(flow.tokens.json.refresh_token).toEqual(expect.any(String));
    expect(op.metadata.grant_types_supported).toContain('refresh_token');
    expect(String(flow.tokens.json.refresh_token)).toMatch(VSCHAR);
  });

  test(`RefreshTokenRequestSteps (${withScope ? 'AddScopeToTokenEndpointRequest, RFC6749-6' : 'no scope'}), after WaitForOneSecond: the answer and its tokens pass every check`, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    refreshed = await tokenRequest(op, clients[index]!, {
      grant_type: 'refresh_token',
      refresh_token: String(flow.tokens.json.refresh_token),
      ...(withScope ? { scope: 'openid offline_access' } : {}),
    });
    expectRefreshAnswer(refreshed, { accessToken: String(flow.tokens.json.access_token), idToken: flow.idToken.payload });
    latestRefreshToken[index] = String(refreshed.json.refresh_token ?? flow.tokens.json.refresh_token);
  });

  test('requestProtectedResource: userinfo with the refreshed access token answers 200', async () => {
    expect((await userinfo(op, String(refreshed.json.access_token))).status).toBe(200);
  });
});

test("performSecondClientTests, RefreshTokenRequestExpectingErrorSteps: client 2's refresh token with client 1's authentication is 400 invalid_grant, JSON (RFC6749-5.2, OIDCC-3.1.3.4)", async () => {
  const answer = await tokenRequest(op, clients[0]!, { grant_type: 'refresh_token', refresh_token: latestRefreshToken[1]!, scope: 'openid offline_access' });
  expect(answer.json.error).toEqual(expect.stringMatching(/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/)); // ValidateErrorFromTokenEndpointResponseError
  expect(answer.status).toBe(400); // CheckTokenEndpointHttpStatus400
  expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/); // CheckTokenEndpointReturnedJsonContentType
  expect(answer.json.error).toBe('invalid_grant'); // CheckErrorFromTokenEndpointResponseErrorInvalidGrant
});

test('cleanup, UnregisterDynamicallyRegisteredClient for both clients (WARNING): 204, then they are gone (RFC 7592 2.3)', async () => {
  for (const client of clients) expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
