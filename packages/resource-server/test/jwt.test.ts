import { createHmac } from 'node:crypto';
import { errors } from 'jose';
import { ResourceServerError } from '../src/index.ts';
import {
  AUDIENCE,
  b64u,
  bearer,
  makeKey,
  now,
  signAccessToken,
  startApi,
  startIssuer,
  type FakeIssuer,
  type SigningKey,
  type TestApi,
} from './helpers.ts';

let es: SigningKey;
let rsa: SigningKey;
let issuer: FakeIssuer;
let api: TestApi;

beforeAll(async () => {
  es = await makeKey('ES256', 'es-1');
  rsa = await makeKey('RS256', 'rsa-1');
  issuer = await startIssuer([es, rsa]);
  api = await startApi({ issuer: issuer.url, audience: AUDIENCE });
});

afterAll(async () => {
  await api.close();
  await issuer.close();
});

const INVALID_TOKEN_CHALLENGE =
  /^Bearer realm="https:\/\/api\.example\.com", error="invalid_token", error_description="[^"]+"(?:, scope="api:read")?, resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource"$/;

async function expectInvalidToken(token: string, description: RegExp): Promise<void> {
  const res = await api.request('/protected', bearer(token));
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_token');
  expect(res.body.error_description).toMatch(description);
  expect(res.wwwAuthenticate).toMatch(INVALID_TOKEN_CHALLENGE);
  expect(res.wwwAuthenticate).toContain(`error_description="${res.body.error_description as string}"`);
  // The token itself never leaks into the error.
  expect(JSON.stringify(res.body)).not.toContain(token.split('.')[2] || token);
  expect(res.wwwAuthenticate).not.toContain(token.split('.')[1] ?? token);
}

describe('valid JWT access tokens', () => {
  test('happy path sets ctx.state.auth', async () => {
    const token = await signAccessToken(es, issuer.url, { claims: { jti: 'jti-42' } });
    const res = await api.request('/protected', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.auth).toEqual({
      sub: 'user-1',
      clientId: 'client-1',
      subjectType: 'user',
      scopes: ['openid', 'api:read'],
      tokenType: 'jwt',
      claims: expect.objectContaining({ iss: issuer.url, aud: AUDIENCE, jti: 'jti-42', scope: 'openid api:read' }),
    });
  });

  test('a client-credentials token (sub = client_id) is a machine token: subjectType client', async () => {
    const token = await signAccessToken(es, issuer.url, { claims: { sub: 'svc-1', client_id: 'svc-1' } });
    const res = await api.request('/protected', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.auth).toMatchObject({ sub: 'svc-1', clientId: 'svc-1', subjectType: 'client' });
  });

  test('RS256 tokens, application/at+jwt typ and an aud array are accepted', async () => {
    const token = await signAccessToken(rsa, issuer.url, {
      header: { typ: 'application/at+jwt' },
      claims: { aud: ['https://other.example.com', AUDIENCE] },
    });
    const res = await api.request('/protected', bearer(token));
    expect(res.status).toBe(200);
  });

  test('the scheme name is case-insensitive', async () => {
    const token = await signAccessToken(es, issuer.url);
    const res = await api.request('/protected', { headers: { authorization: `bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  test('exp within the clock tolerance is still accepted', async () => {
    const token = await signAccessToken(es, issuer.url, { claims: { exp: now() - 2, iat: now() - 60 } });
    expect((await api.request('/protected', bearer(token))).status).toBe(200);
  });

  test('a verified token is cached (same frozen auth object), or not when jwtCacheMaxSeconds is 0', async () => {
    const token = await signAccessToken(es, issuer.url);
    const request = { method: 'GET', url: `${api.url}/any`, headers: { authorization: `Bearer ${token}` } };
    const first = await api.rs.verifyRequest(request);
    expect(await api.rs.verifyRequest(request)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);

    const uncached = await startApi({ issuer: issuer.url, audience: AUDIENCE, jwtCacheMaxSeconds: 0 });
    try {
      const a = await uncached.rs.verifyRequest(request);
      const b = await uncached.rs.verifyRequest(request);
      expect(b).not.toBe(a);
      expect(b).toEqual(a);
    } finally {
      await uncached.close();
    }
  });
});

describe('rejected JWT access tokens', () => {
  test('tampered payload', async () => {
    const token = await signAccessToken(es, issuer.url, { claims: { scope: 'openid' } });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${b64u(JSON.stringify({ ...claims, scope: 'openid api:read' }))}.${signature}`;
    await expectInvalidToken(forged, /signature verification failed/);
  });

  test('tampered signature', async () => {
    const token = await signAccessToken(es, issuer.url);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    await expectInvalidToken(`${header}.${payload}.${b64u(bytes)}`, /signature verification failed/);
  });

  test('alg: none (unsecured JWT)', async () => {
    const before = issuer.jwksRequests;
    const header = b64u(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    const payload = b64u(JSON.stringify({ iss: issuer.url, aud: AUDIENCE, sub: 'x', scope: 'api:read', iat: now(), exp: now() + 60 }));
    await expectInvalidToken(`${header}.${payload}.`, /algorithm not allowed/);
    expect(issuer.jwksRequests).toBe(before);
  });

  test('HS256 signed with the public key as the HMAC secret', async () => {
    const header = b64u(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: rsa.kid }));
    const payload = b64u(JSON.stringify({ iss: issuer.url, aud: AUDIENCE, sub: 'x', scope: 'api:read', iat: now(), exp: now() + 60 }));
    const secret = JSON.stringify(rsa.publicJwk);
    const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    await expectInvalidToken(`${header}.${payload}.${signature}`, /algorithm not allowed/);
  });

  test('algorithm outside a configured allow-list', async () => {
    const esOnly = await startApi({ issuer: issuer.url, audience: AUDIENCE, algorithms: ['ES256'] });
    try {
      const res = await esOnly.request('/protected', bearer(await signAccessToken(rsa, issuer.url)));
      expect(res.status).toBe(401);
      expect(res.body.error_description).toMatch(/algorithm not allowed/);
      expect((await esOnly.request('/protected', bearer(await signAccessToken(es, issuer.url)))).status).toBe(200);
    } finally {
      await esOnly.close();
    }
  });

  test('wrong issuer', async () => {
    await expectInvalidToken(await signAccessToken(es, issuer.url, { claims: { iss: 'https://evil.example.com' } }), /issuer/);
  });

  test('wrong audience', async () => {
    await expectInvalidToken(await signAccessToken(es, issuer.url, { claims: { aud: 'https://other.example.com' } }), /audience/);
  });

  test('expired', async () => {
    await expectInvalidToken(await signAccessToken(es, issuer.url, { claims: { iat: now() - 600, exp: now() - 60 } }), /expired/);
  });

  test('not yet valid (nbf in the future)', async () => {
    await expectInvalidToken(await signAccessToken(es, issuer.url, { claims: { nbf: now() + 60 } }), /not yet valid/);
  });

  test('issued in the future (iat)', async () => {
    await expectInvalidToken(await signAccessToken(es, issuer.url, { claims: { iat: now() + 60 } }), /issued in the future/);
  });

  test('missing exp', async () => {
    await expectInvalidToken(await signAccessToken(es, issuer.url, { omit: ['exp'] }), /missing exp claim/);
  });

  test('an ID token (typ JWT) presented as an access token', async () => {
    const idToken = await signAccessToken(es, issuer.url, {
      header: { typ: 'JWT' },
      claims: { nonce: 'n-1', auth_time: now(), azp: 'client-1' },
    });
    await expectInvalidToken(idToken, /typ/);
  });

  test('missing typ header', async () => {
    await expectInvalidToken(await signAccessToken(es, issuer.url, { header: { typ: undefined } }), /typ/);
  });

  test('opaque token without introspection configured', async () => {
    await expectInvalidToken('2YotnFZFEjr1zCsicMWpAA', /introspection not configured/);
  });

  test('missing scope => 403 insufficient_scope naming the needed scopes', async () => {
    const token = await signAccessToken(es, issuer.url, { claims: { scope: 'openid profile' } });
    const res = await api.request('/protected', bearer(token));
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('insufficient_scope');
    expect(res.wwwAuthenticate).toMatch(
      /^Bearer realm="https:\/\/api\.example\.com", error="insufficient_scope", error_description="[^"]+", scope="api:read", resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource"$/,
    );

    const partial = await signAccessToken(es, issuer.url, { claims: { scope: 'api:read' } });
    const admin = await api.request('/admin', bearer(partial));
    expect(admin.status).toBe(403);
    expect(admin.wwwAuthenticate).toContain('scope="api:read api:admin"');
    expect((await api.request('/any', bearer(token))).status).toBe(200);
    // now verified and cached: the scope check still applies
    const again = await api.request('/protected', bearer(token));
    expect(again.status).toBe(403);
    expect(again.wwwAuthenticate).toContain('scope="api:read"');
  });

  test('verifyRequest throws a typed error with status, code, challenge and the jose cause', async () => {
    const token = await signAccessToken(es, issuer.url);
    const [header, payload] = token.split('.') as [string, string];
    const forged = `${header}.${payload}.${b64u(Buffer.alloc(64, 1))}`;
    const error = await api.rs.verifyRequest({ method: 'GET', url: `${api.url}/x`, headers: { authorization: `Bearer ${forged}` } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ResourceServerError);
    const rsError = error as ResourceServerError;
    expect(rsError.status).toBe(401);
    expect(rsError.code).toBe('invalid_token');
    expect(rsError.description).toBe('signature verification failed');
    expect(rsError.cause).toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    expect(rsError.wwwAuthenticate).toMatch(INVALID_TOKEN_CHALLENGE);
    expect(JSON.parse(JSON.stringify(rsError))).toEqual({ error: 'invalid_token', error_description: 'signature verification failed' });

    const scopeError = await api.rs
      .verifyRequest({ method: 'GET', url: `${api.url}/x`, headers: { authorization: `Bearer ${token}` } }, ['api:write'])
      .then(
        () => undefined,
        (e: unknown) => e as ResourceServerError,
      );
    expect(scopeError?.status).toBe(403);
    expect(scopeError?.code).toBe('insufficient_scope');
    expect(scopeError?.scope).toBe('api:write');
  });
});
