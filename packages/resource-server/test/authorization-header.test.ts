import { parseAuthorization } from '../src/authorization-header.ts';
import { ResourceServerError } from '../src/index.ts';
import { AUDIENCE, bearer, makeKey, signAccessToken, startApi, startIssuer, type FakeIssuer, type TestApi } from './helpers.ts';

let issuer: FakeIssuer;
let api: TestApi;
let token: string;

beforeAll(async () => {
  const key = await makeKey('ES256', 'k1');
  issuer = await startIssuer([key]);
  api = await startApi({ issuer: issuer.url, audience: AUDIENCE });
  token = await signAccessToken(key, issuer.url);
});

afterAll(async () => {
  await api.close();
  await issuer.close();
});

const CHALLENGE_WITHOUT_ERROR =
  'Bearer realm="https://api.example.com", scope="api:read", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"';

test('no Authorization header => 401 with a bare challenge (no error code)', async () => {
  const res = await api.request('/protected');
  expect(res.status).toBe(401);
  expect(res.wwwAuthenticate).toBe(CHALLENGE_WITHOUT_ERROR);
  expect(res.body).toEqual({ error: 'invalid_token', error_description: 'access token required' });
});

test('a token in the query string is ignored', async () => {
  const res = await api.request(`/protected?access_token=${token}`);
  expect(res.status).toBe(401);
  expect(res.wwwAuthenticate).toBe(CHALLENGE_WITHOUT_ERROR);
});

test('a token in a form body is ignored', async () => {
  const res = await api.request('/protected', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ access_token: token }).toString(),
  });
  expect(res.status).toBe(401);
  expect(res.wwwAuthenticate).toBe(CHALLENGE_WITHOUT_ERROR);
});

test('another scheme (Basic) is treated as missing credentials', async () => {
  const res = await api.request('/protected', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  expect(res.status).toBe(401);
  expect(res.wwwAuthenticate).toBe(CHALLENGE_WITHOUT_ERROR);
});

test.each([
  ['scheme without token', 'Bearer'],
  ['empty token', 'Bearer    '],
  ['multiple tokens', 'Bearer abc def'],
  ['two schemes', 'Bearer abc, Bearer def'],
  ['Basic plus Bearer', 'Basic dXNlcjpwYXNz, Bearer abc'],
  ['characters outside token68', 'Bearer ab"c'],
])('malformed Authorization header (%s) => 400 invalid_request', async (_name, authorization) => {
  const res = await api.request('/protected', { headers: { authorization } });
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('invalid_request');
  expect(res.wwwAuthenticate).toMatch(
    /^Bearer realm="https:\/\/api\.example\.com", error="invalid_request", error_description="[^"]+", scope="api:read", resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource"$/,
  );
});

test('the well-formed header with the same token is accepted', async () => {
  expect((await api.request('/protected', bearer(token))).status).toBe(200);
});

describe('parseAuthorization', () => {
  test('extracts scheme and token', () => {
    expect(parseAuthorization('Bearer abc.def-_~+/=')).toEqual({ scheme: 'Bearer', token: 'abc.def-_~+/=' });
    expect(parseAuthorization('dpop xyz')).toEqual({ scheme: 'DPoP', token: 'xyz' });
    expect(parseAuthorization(['Bearer one'])).toEqual({ scheme: 'Bearer', token: 'one' });
  });

  test('several header instances => invalid_request', () => {
    expect(() => parseAuthorization(['Bearer one', 'Bearer two'])).toThrow(
      expect.objectContaining({ code: 'invalid_request', status: 400 }) as Error,
    );
  });

  test('missing => credentialsMissing invalid_token', () => {
    for (const value of [undefined, '', [] as string[]]) {
      let caught: unknown;
      try {
        parseAuthorization(value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ResourceServerError);
      expect(caught).toMatchObject({ code: 'invalid_token', status: 401, credentialsMissing: true });
    }
  });
});
