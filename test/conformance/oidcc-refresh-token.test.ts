import { randomBytes } from 'node:crypto';
import { Browser } from '../support/browser.ts';
import { startConformanceOp, tokenRequest, userinfo, type ConformanceClient, type ConformanceOp, type JsonAnswer } from '../support/conformance.ts';
import { basicFlow, expectIdToken, expectInvalidGrant, planOf, RESPONSE_MODES, shannonBits, sleep, type BasicFlowResult } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-refresh-token (OIDCCRefreshToken;
 * AbstractOIDCCMultipleClient, RefreshTokenRequestSteps, RefreshTokenRequestExpectingErrorSteps).
 * scopes_supported lists offline_access, so each client asks for `openid offline_access` with
 * `prompt=consent` (SetScopeInClientConfigurationToOpenIdOfflineAccessIfServerSupportsOfflineAccess,
 * AddPromptConsentToAuthorizationEndpointRequestIfScopeContainsOfflineAccess, OIDCC-11). For the first
 * client, then the second (nonce of 43 characters), in the same browser: the code flow, a refresh
 * token (else the module is skipped; EnsureServerConfigurationSupportsRefreshToken, a WARNING, wants
 * refresh_token in grant_types_supported; EnsureRefreshTokenContainsAllowedCharactersOnly), one second's
 * wait (real, so that the new ID token's iat differs), and the refresh request (the first client adds its
 * `scope`, RFC6749-6): CheckTokenEndpointHttpStatus200, JSON, CheckTokenEndpointCacheHeaders (no-store),
 * CheckTokenTypeIsBearer, EnsureMinimumAccessTokenEntropy, allowed characters, ValidateExpiresIn,
 * EnsureMinimumRefreshTokenLength and …Entropy on a new refresh token, and CompareIdTokenClaims
 * (OIDCC-12.2) on a new ID token: same iss, sub, aud, auth_time and azp, a new iat; then userinfo
 * with the new access token. Last, the second client's refresh token presented by the first client
 * must be refused: 400, JSON, invalid_grant (OIDCC-3.1.3.4, RFC6749-5.2).
 */
let op: ConformanceOp;
let second: ConformanceClient;

beforeAll(async () => {
  op = await startConformanceOp();
  second = await op.registerClient();
});
afterAll(() => op.close());

const OFFLINE = 'openid offline_access';

function expectRefreshAnswer(answer: JsonAnswer): void {
  expect({ status: answer.status, error: answer.json.error }).toEqual({ status: 200, error: undefined });
  expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/);
  expect(answer.headers.get('cache-control')?.split(',').map((part) => part.trim())).toContain('no-store');
  expect(String(answer.json.token_type).toLowerCase()).toBe('bearer');
  const accessToken = String(answer.json.access_token);
  expect(shannonBits(accessToken)).toBeGreaterThan(96);
  expect(accessToken).toMatch(/^[\x20-\x7E]+$/);
  // ExtractExpiresInFromTokenEndpointResponse is a WARNING here; Portcullis sends it.
  expect(answer.json.expires_in).toEqual(expect.any(Number));
  expect(answer.json.expires_in as number).toBeGreaterThan(0);
  expect(answer.json.expires_in as number).toBeLessThanOrEqual(31536000);
  if (typeof answer.json.refresh_token === 'string') {
    expect(Buffer.byteLength(answer.json.refresh_token) * 8).toBeGreaterThanOrEqual(128);
    expect(shannonBits(answer.json.refresh_token)).toBeGreaterThan(96);
  }
}

/** CompareIdTokenClaims (OIDCC-12.2). */
function compareIdTokenClaims(first: Record<string, unknown>, refreshed: Record<string, unknown>): void {
  for (const name of ['iss', 'sub']) expect({ [name]: refreshed[name] }).toEqual({ [name]: first[name] });
  expect(refreshed.iat).not.toBe(first.iat);
  expect(new Set([refreshed.aud].flat())).toEqual(new Set([first.aud].flat()));
  if (refreshed.auth_time !== undefined) expect(refreshed.auth_time).toBe(first.auth_time);
  if (first.azp === undefined) expect(refreshed).not.toHaveProperty('azp');
  else expect(refreshed.azp).toBe(first.azp);
}

async function clientRun(mode: (typeof RESPONSE_MODES)[number], browser: Browser, client: ConformanceClient, isSecond: boolean): Promise<{ flow: BasicFlowResult; refreshToken: string }> {
  const nonce: Record<string, string> = isSecond ? { nonce: randomBytes(32).toString('base64url') } : {};
  const flow = await basicFlow(op, mode, { browser, client, extra: { scope: OFFLINE, prompt: 'consent', ...nonce } });
  expect(flow.outcome.sawConsent).toBe(true);
  expect(flow.refreshToken).toEqual(expect.stringMatching(/^[\x20-\x7E]+$/));
  await sleep(1000);
  const refreshed = await tokenRequest(op, { grant_type: 'refresh_token', refresh_token: flow.refreshToken!, ...(isSecond ? {} : { scope: OFFLINE }) }, client);
  expectRefreshAnswer(refreshed);
  if (typeof refreshed.json.id_token === 'string') {
    const { payload } = await expectIdToken(op, refreshed.json.id_token, { client });
    compareIdTokenClaims(flow.claims, payload);
  }
  expect((await userinfo(op, String(refreshed.json.access_token))).status).toBe(200);
  // RefreshTokenRequestSteps keeps the new refresh token when there is one, else the old one.
  return { flow, refreshToken: typeof refreshed.json.refresh_token === 'string' ? refreshed.json.refresh_token : flow.refreshToken! };
}

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: EnsureServerConfigurationSupportsRefreshToken (OIDCD-3): refresh_token is in grant_types_supported and offline_access in scopes_supported`, () => {
    expect(op.metadata.grant_types_supported).toContain('refresh_token');
    expect(op.metadata.scopes_supported).toContain('offline_access');
  });

  test(`${planOf(mode)}: RefreshTokenRequestSteps for both clients (RFC6749-5.1, 6, OIDCC-12.2), then RefreshTokenRequestExpectingErrorSteps: the second client's refresh token is refused to the first (RFC6749-5.2)`, async () => {
    const browser = new Browser();
    await clientRun(mode, browser, op.client, false);
    const secondRun = await clientRun(mode, browser, second, true);
    expect(secondRun.flow.parameters.nonce).toHaveLength(43);
    const crossed = await tokenRequest(op, { grant_type: 'refresh_token', refresh_token: secondRun.refreshToken, scope: OFFLINE }, op.client);
    expectInvalidGrant(crossed);
  });
});
