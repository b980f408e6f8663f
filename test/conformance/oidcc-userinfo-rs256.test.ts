import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { dynamicCodeFlow, expectStandardClaims, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-userinfo-rs256 (OIDCCUserInfoRS256, "OP-UserInfo-RS256", dynamic clients only),
 * private_key_jwt, discovery: discovery must list RS256 in userinfo_signing_alg_values_supported;
 * the client registers userinfo_signed_response_alg=RS256 (OIDCR-2), runs a code flow and calls
 * userinfo with its access token (GET, bearer header). The answer must be an application/jwt signed
 * with RS256 by a jwks_uri key, with no nonce; its iss and aud are checked as a warning
 * (ValidateSignedUserInfoResponseStandardJWTClaims), then the usual userinfo claim checks.
 */
let op: DynamicOp;
let client: DynamicClient;
let flow: Awaited<ReturnType<typeof dynamicCodeFlow>>;
let response: Response;
let body: string;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('CheckDiscEndpointUserinfoSigningAlgValuesSupportedContainsRS256 (OIDCD-3)', () => {
  expect(op.metadata.userinfo_signing_alg_values_supported).toContain('RS256');
});

test('AddUserinfoSignedResponseAlgRS256ToDynamicRegistrationRequest (OIDCR-2): registered and kept', async () => {
  client = await registerClient(op, await rs256Key(), { userinfo_signed_response_alg: 'RS256' });
  expect(client.registered.userinfo_signed_response_alg).toBe('RS256');
});

test('the code flow with a client assertion, then CallUserInfoEndpoint (OIDCC-5.3.1) and EnsureHttpStatusCodeIs200', async () => {
  flow = await dynamicCodeFlow(op, client);
  response = await fetch(String(op.metadata.userinfo_endpoint), { headers: { authorization: `Bearer ${String(flow.tokens.json.access_token)}` } });
  body = await response.text();
  expect(response.status).toBe(200);
});

test('EnsureContentTypeApplicationJwt (OIDCC-5.3.2)', () => {
  expect(response.headers.get('content-type')).toMatch(/^application\/jwt\b/);
});

describe('the signed userinfo', () => {
  let claims: JWTPayload;
  beforeAll(async () => {
    claims = (await jwtVerify(body, createRemoteJWKSet(new URL(String(op.metadata.jwks_uri))))).payload;
  });

  test('ValidateUserInfoResponseSignature (OIDCC-5.3.2) and ValidateUserInfoSigningAlgIsRS256: verifies with a jwks_uri key, alg RS256', () => {
    expect(claims).toBeDefined();
    expect(decodeProtectedHeader(body).alg).toBe('RS256');
  });

  test('ValidateSignedUserInfoResponseStandardJWTClaims (WARNING, OIDCC-5.3.2): iss is the issuer, aud the client, exp/iat/nbf sane when present', () => {
    expect(claims.iss).toBe(op.issuer);
    expect(Array.isArray(claims.aud) ? claims.aud : [claims.aud]).toContain(client.clientId);
    const now = Date.now() / 1000;
    if (claims.exp !== undefined) expect(claims.exp).toBeGreaterThan(now - 300);
    if (claims.iat !== undefined) expect(claims.iat).toBeLessThan(now + 300);
    if (claims.nbf !== undefined) expect(claims.nbf).toBeLessThan(now + 300);
  });

  test('EnsureUserInfoDoesNotContainNonce (OIDCC-5.3.2, 5.1): it cannot be mistaken for an ID token', () => {
    expect(claims.nonce).toBeUndefined();
  });

  test('ValidateUserInfoStandardClaims (OIDCC-5.1), EnsureUserInfoContainsSub (OIDCC-5.3.2), EnsureUserInfoUpdatedAtValid, no _claim_names without _claim_sources (OIDCC-5.6.2)', () => {
    const { iss: _iss, aud: _aud, exp: _exp, nbf: _nbf, iat: _iat, jti: _jti, ...userClaims } = claims;
    expectStandardClaims(userClaims);
    expect(userClaims.sub).toEqual(expect.stringMatching(/.+/));
    expect(userClaims._claim_names).toBeUndefined();
  });

  test('beyond the module (OIDCC-5.3.2 MUST): the sub is the ID token sub', () => {
    expect(claims.sub).toBe(flow.idToken.payload.sub);
  });
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
