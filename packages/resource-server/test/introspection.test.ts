import {
  AUDIENCE,
  bearer,
  listen,
  makeKey,
  now,
  frozenClock,
  realClock,
  startApi,
  startIssuer,
  type FakeIssuer,
  type TestApi,
} from './helpers.ts';

let issuer: FakeIssuer;
let api: TestApi;
let seq = 0;
const opaque = (): string => `opaque-token-${++seq}-${Math.random().toString(36).slice(2)}`;

const CLIENT_ID = 'api-client';
const CLIENT_SECRET = 's3cr:t&+/';

function activeResponse(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    active: true,
    iss: issuer.url,
    aud: AUDIENCE,
    sub: 'user-7',
    client_id: 'client-7',
    scope: 'api:read api:write',
    token_type: 'Bearer',
    iat: now(),
    exp: now() + 300,
    ...extra,
  };
}

async function startIntrospectingApi(cacheMaxSeconds?: number): Promise<TestApi> {
  return startApi({
    issuer: issuer.url,
    audience: AUDIENCE,
    introspection: {
      endpoint: `${issuer.url}/token/introspection`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      ...(cacheMaxSeconds === undefined ? {} : { cacheMaxSeconds }),
    },
  });
}

beforeAll(async () => {
  issuer = await startIssuer([await makeKey('ES256', 'k1')]);
  api = await startIntrospectingApi();
});

beforeEach(() => {
  issuer.introspectionRequests = 0;
  issuer.introspect = () => activeResponse();
});

afterEach(() => {
  realClock();
});

afterAll(async () => {
  await api.close();
  await issuer.close();
});

async function expectRejected(token: string, description: RegExp, target: TestApi = api): Promise<void> {
  const res = await target.request('/protected', bearer(token));
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_token');
  expect(res.body.error_description).toMatch(description);
  expect(res.wwwAuthenticate).toMatch(
    /^Bearer realm="https:\/\/api\.example\.com", error="invalid_token", error_description="[^"]+", scope="api:read", resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource"$/,
  );
  expect(JSON.stringify(res.body) + (res.wwwAuthenticate ?? '')).not.toContain(token);
}

test('an active token is accepted, with client_secret_basic authentication', async () => {
  const token = opaque();
  const res = await api.request('/protected', bearer(token));
  expect(res.status).toBe(200);
  expect(res.body.auth).toEqual({
    sub: 'user-7',
    clientId: 'client-7',
    subjectType: 'user',
    scopes: ['api:read', 'api:write'],
    tokenType: 'opaque',
    claims: expect.objectContaining({ active: true, client_id: 'client-7' }),
  });
  const expectedBasic = `Basic ${Buffer.from('api-client:s3cr%3At%26%2B%2F').toString('base64')}`;
  expect(issuer.lastIntrospection?.authorization).toBe(expectedBasic);
  expect(issuer.lastIntrospection?.body.get('token')).toBe(token);
  expect(issuer.lastIntrospection?.body.get('token_type_hint')).toBe('access_token');
});

test('active results are cached: one introspection call per token', async () => {
  const token = opaque();
  for (let i = 0; i < 3; i += 1) expect((await api.request('/protected', bearer(token))).status).toBe(200);
  expect(issuer.introspectionRequests).toBe(1);
  // concurrent first uses of another token share one call
  const other = opaque();
  const results = await Promise.all(Array.from({ length: 5 }, () => api.request('/protected', bearer(other))));
  expect(results.every((r) => r.status === 200)).toBe(true);
  expect(issuer.introspectionRequests).toBe(2);
});

test('the cache never outlives the token exp', async () => {
  const clock = frozenClock();
  const exp = now() + 10;
  issuer.introspect = () => activeResponse({ exp });
  const token = opaque();
  expect((await api.request('/protected', bearer(token))).status).toBe(200);
  clock.advance(exp * 1000 - Date.now() - 1); // 1 ms before exp: still cached
  expect((await api.request('/protected', bearer(token))).status).toBe(200);
  expect(issuer.introspectionRequests).toBe(1);

  clock.advance(1); // exp reached (cacheMaxSeconds, 60 s, is not)
  issuer.introspect = () => ({ active: false });
  await expectRejected(token, /not active/);
  expect(issuer.introspectionRequests).toBe(2);
});

test('the cache never outlives cacheMaxSeconds', async () => {
  const clock = frozenClock();
  const shortCache = await startIntrospectingApi(5);
  try {
    const token = opaque();
    expect((await shortCache.request('/protected', bearer(token))).status).toBe(200);
    clock.advance(4_999);
    expect((await shortCache.request('/protected', bearer(token))).status).toBe(200);
    expect(issuer.introspectionRequests).toBe(1);
    clock.advance(1);
    expect((await shortCache.request('/protected', bearer(token))).status).toBe(200);
    expect(issuer.introspectionRequests).toBe(2);
  } finally {
    await shortCache.close();
  }
});

test('an inactive token is rejected (and not cached)', async () => {
  issuer.introspect = () => ({ active: false });
  const token = opaque();
  await expectRejected(token, /not active/);
  await expectRejected(token, /not active/);
  expect(issuer.introspectionRequests).toBe(2);
});

test('an active response for another audience is rejected', async () => {
  issuer.introspect = () => activeResponse({ aud: ['https://other.example.com'] });
  await expectRejected(opaque(), /audience/);
});

test('an active response from another issuer is rejected', async () => {
  issuer.introspect = () => activeResponse({ iss: 'https://evil.example.com' });
  await expectRejected(opaque(), /issuer/);
});

test('an already expired active response is rejected', async () => {
  issuer.introspect = () => activeResponse({ exp: now() - 60 });
  await expectRejected(opaque(), /expired/);
});

test('a refresh token (token_type refresh_token) is rejected', async () => {
  issuer.introspect = () => activeResponse({ token_type: 'refresh_token' });
  await expectRejected(opaque(), /not an access token/);
});

test('a response without iss is accepted (iss is checked only when present)', async () => {
  issuer.introspect = () => ({ active: true, client_id: 'svc', scope: 'api:read', aud: AUDIENCE, token_type: 'Bearer', exp: now() + 60 });
  const res = await api.request('/protected', bearer(opaque()));
  expect(res.status).toBe(200);
  expect(res.body.auth).toMatchObject({ clientId: 'svc', subjectType: 'client', scopes: ['api:read'], tokenType: 'opaque' });
  expect(res.body.auth).not.toHaveProperty('sub');
});

test('a response without aud or token_type is refused: refresh tokens and userinfo-only tokens look like that', async () => {
  issuer.introspect = () => ({ active: true, client_id: 'svc', scope: 'api:read offline_access', exp: now() + 60 });
  await expectRejected(opaque(), /audience/);
  issuer.introspect = () => ({ active: true, client_id: 'svc', scope: 'api:read', aud: AUDIENCE, exp: now() + 60 });
  await expectRejected(opaque(), /not an access token/);
});

test('introspection endpoint errors fail closed', async () => {
  issuer.introspect = () => ({ status: 500 });
  await expectRejected(opaque(), /introspection failed/);
  issuer.introspect = () => ({ status: 401 });
  await expectRejected(opaque(), /introspection failed/);
});

test('introspection endpoint unreachable fails closed', async () => {
  const closed = await listen((_req, res) => {
    res.end();
  });
  await closed.close();
  const unreachable = await startApi({
    issuer: issuer.url,
    audience: AUDIENCE,
    introspection: { endpoint: `${closed.url}/token/introspection`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
  });
  try {
    await expectRejected(opaque(), /introspection unavailable/, unreachable);
  } finally {
    await unreachable.close();
  }
});
