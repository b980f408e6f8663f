import { randomUUID } from 'node:crypto';
import {
  AUDIENCE,
  bearer,
  frozenClock,
  realClock,
  listen,
  makeKey,
  signAccessToken,
  startApi,
  startIssuer,
  type FakeIssuer,
  type SigningKey,
  type TestApi,
} from './helpers.ts';

let k1: SigningKey;
let k2: SigningKey;
let issuer: FakeIssuer;
const apis: TestApi[] = [];

async function api(options: { jwksCooldownSeconds?: number; jwksUri?: string; httpTimeoutMs?: number } = {}): Promise<TestApi> {
  const started = await startApi({ issuer: issuer.url, audience: AUDIENCE, ...options });
  apis.push(started);
  return started;
}

beforeAll(async () => {
  k1 = await makeKey('ES256', 'k1');
  k2 = await makeKey('ES256', 'k2');
  issuer = await startIssuer([k1]);
});

beforeEach(() => {
  issuer.keys = [k1];
  issuer.jwksDown = false;
  issuer.jwksRequests = 0;
});

afterEach(() => {
  realClock();
});

afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
  await issuer.close();
});

test('the JWKS is fetched once and reused', async () => {
  const rs = await api();
  const results = await Promise.all(
    Array.from({ length: 5 }, async () => rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))),
  );
  expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
  expect(issuer.jwksRequests).toBe(1);
});

test('an unknown kid triggers exactly one refetch, then the rotated key is accepted', async () => {
  const rs = await api();
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
  expect(issuer.jwksRequests).toBe(1);

  issuer.keys = [k2]; // rotation at the issuer
  expect((await rs.request('/protected', bearer(await signAccessToken(k2, issuer.url)))).status).toBe(200);
  expect(issuer.jwksRequests).toBe(2);
  expect((await rs.request('/protected', bearer(await signAccessToken(k2, issuer.url)))).status).toBe(200);
  expect(issuer.jwksRequests).toBe(2);
});

test('a flood of unknown kids causes at most one refetch per cooldown', async () => {
  const clock = frozenClock();
  const rs = await api({ jwksCooldownSeconds: 30 });
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
  expect(issuer.jwksRequests).toBe(1);

  const attacker = await makeKey('ES256', 'unused');
  const bogus = (): Promise<string> => signAccessToken(attacker, issuer.url, { header: { kid: randomUUID() } });
  const flood = await Promise.all(Array.from({ length: 20 }, async () => rs.request('/protected', bearer(await bogus()))));
  for (const res of flood) {
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'no matching signing key' });
  }
  expect(issuer.jwksRequests).toBe(2);

  clock.advance(29_000); // still within the cooldown
  for (let i = 0; i < 5; i += 1) expect((await rs.request('/protected', bearer(await bogus()))).status).toBe(401);
  expect(issuer.jwksRequests).toBe(2);

  clock.advance(1_000); // cooldown elapsed: one more refetch is allowed
  await Promise.all(Array.from({ length: 5 }, async () => rs.request('/protected', bearer(await bogus()))));
  expect(issuer.jwksRequests).toBe(3);
});

test('a foreign key reusing a known kid fails signature verification (no refetch)', async () => {
  const rs = await api();
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
  const impostor = await makeKey('ES256', 'k1');
  const res = await rs.request('/protected', bearer(await signAccessToken(impostor, issuer.url)));
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: 'invalid_token', error_description: 'signature verification failed' });
  expect(res.wwwAuthenticate).toMatch(
    /^Bearer realm="[^"]+", error="invalid_token", error_description="signature verification failed", scope="api:read", resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource"$/,
  );
  expect(issuer.jwksRequests).toBe(1);
});

test('JWKS endpoint down with nothing cached fails closed, then recovers', async () => {
  const clock = frozenClock();
  issuer.jwksDown = true;
  const rs = await api();
  const token = await signAccessToken(k1, issuer.url);
  for (let i = 0; i < 3; i += 1) {
    const res = await rs.request('/protected', bearer(token));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'signing keys unavailable' });
    expect(res.wwwAuthenticate).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
  }
  expect(issuer.jwksRequests).toBe(1); // retries are rate-limited (1 s) too

  issuer.jwksDown = false;
  clock.advance(999);
  expect((await rs.request('/protected', bearer(token))).status).toBe(401);
  expect(issuer.jwksRequests).toBe(1);
  clock.advance(1);
  expect((await rs.request('/protected', bearer(token))).status).toBe(200);
  expect(issuer.jwksRequests).toBe(2);
});

test('JWKS endpoint unreachable (connection refused) fails closed', async () => {
  const closed = await listen((_req, res) => {
    res.end();
  });
  const jwksUri = `${closed.url}/jwks`;
  await closed.close();
  const rs = await api({ jwksUri });
  const res = await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)));
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_token');
});

test('JWKS answering garbage fails closed', async () => {
  const garbage = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": 42}');
  });
  try {
    const rs = await api({ jwksUri: `${garbage.url}/jwks` });
    const res = await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)));
    expect(res.status).toBe(401);
    expect(res.body.error_description).toBe('signing keys unavailable');
  } finally {
    await garbage.close();
  }
});

test('cached keys keep working while the JWKS endpoint is down', async () => {
  const rs = await api();
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
  issuer.jwksDown = true;
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
  // and an unknown kid is still rejected when the refetch fails
  expect((await rs.request('/protected', bearer(await signAccessToken(k2, issuer.url)))).status).toBe(401);
  expect(issuer.jwksRequests).toBe(2);
});

test('the JWKS is refreshed in the background after 10 minutes; removed keys stop working', async () => {
  const clock = frozenClock();
  const rs = await api();
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
  issuer.keys = [k2]; // the issuer retires k1

  clock.advance(10 * 60 * 1000 + 1);
  // still served from the stale set; this request starts the background refresh
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
  // k2 is unknown to the stale set: this waits for the refresh in flight (no extra fetch)
  expect((await rs.request('/protected', bearer(await signAccessToken(k2, issuer.url)))).status).toBe(200);
  expect(issuer.jwksRequests).toBe(2);

  const res = await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)));
  expect(res.status).toBe(401);
  expect(res.body.error_description).toBe('no matching signing key');
});

test('after 10 minutes a failing refresh keeps the cached keys, retried at most once per second', async () => {
  const clock = frozenClock();
  // A long cooldown: an unknown kid then refetches nothing and only waits for a refresh in
  // flight, which tells the test when the background refresh has finished (no sleeping).
  const rs = await api({ jwksCooldownSeconds: 3600 });
  const withK1 = async (): Promise<number> => (await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status;
  const withK2 = async (): Promise<Awaited<ReturnType<TestApi['request']>>> =>
    rs.request('/protected', bearer(await signAccessToken(k2, issuer.url)));
  expect(await withK1()).toBe(200);
  expect((await withK2()).status).toBe(401); // uses up the unknown-kid refetch for the cooldown
  expect(issuer.jwksRequests).toBe(2);

  issuer.jwksDown = true;
  clock.advance(10 * 60 * 1000 + 1);
  expect(await withK1()).toBe(200); // stale set served; starts the background refresh, which fails
  expect((await withK2()).status).toBe(401);
  expect(issuer.jwksRequests).toBe(3);
  expect(await withK1()).toBe(200);
  expect(issuer.jwksRequests).toBe(3); // within a second of the failed attempt: no new one
  clock.advance(1_000);
  expect(await withK1()).toBe(200);
  expect((await withK2()).status).toBe(401);
  expect(issuer.jwksRequests).toBe(4);

  issuer.jwksDown = false;
  issuer.keys = [k2]; // the issuer retired k1 meanwhile
  clock.advance(1_000);
  expect(await withK1()).toBe(200); // starts the refresh that succeeds
  expect((await withK2()).status).toBe(200);
  expect(issuer.jwksRequests).toBe(5);
  const res = await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)));
  expect(res.body.error_description).toBe('no matching signing key');
});

test('a JWKS request that does not answer within httpTimeoutMs fails closed', async () => {
  const hanging = await listen(() => {
    // never answers
  });
  try {
    const rs = await api({ jwksUri: `${hanging.url}/jwks`, httpTimeoutMs: 150 });
    const started = Date.now();
    const res = await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)));
    expect(res.status).toBe(401);
    expect(res.body.error_description).toBe('signing keys unavailable');
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    await hanging.close();
  }
});

test('a fractional httpTimeoutMs is accepted for the JWKS request', async () => {
  const rs = await api({ httpTimeoutMs: 1500.5 });
  expect((await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)))).status).toBe(200);
});

test('a redirect from the JWKS endpoint is not followed (fails closed)', async () => {
  const redirecting = await listen((_req, res) => {
    res.writeHead(302, { location: `${issuer.url}/jwks` }).end();
  });
  try {
    const rs = await api({ jwksUri: `${redirecting.url}/jwks` });
    const res = await rs.request('/protected', bearer(await signAccessToken(k1, issuer.url)));
    expect(res.status).toBe(401);
    expect(res.body.error_description).toBe('signing keys unavailable');
    expect(issuer.jwksRequests).toBe(0);
  } finally {
    await redirecting.close();
  }
});
