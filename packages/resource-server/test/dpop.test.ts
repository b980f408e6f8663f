import { SignJWT } from 'jose';
import { createResourceServer } from '../src/index.ts';
import {
  AUDIENCE,
  bearer,
  frozenClock,
  makeDpopKey,
  makeKey,
  now,
  rawRequest,
  realClock,
  sha256,
  signAccessToken,
  signProof,
  startApi,
  startIssuer,
  type DpopKey,
  type FakeIssuer,
  type SigningKey,
  type TestApi,
} from './helpers.ts';

/** The API's public base URL: proofs name it, whatever host the test requests actually reach (127.0.0.1:port). */
const PUBLIC_URL = 'https://api.example.com';

let key: SigningKey;
let issuer: FakeIssuer;
let api: TestApi;
let holder: DpopKey;
let other: DpopKey;
const extraApis: TestApi[] = [];

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
  issuer = await startIssuer([key]);
  api = await startApi({ issuer: issuer.url, audience: AUDIENCE, publicUrl: PUBLIC_URL });
  holder = await makeDpopKey();
  other = await makeDpopKey();
});

afterEach(() => {
  realClock();
});

afterAll(async () => {
  await Promise.all([api, ...extraApis].map((started) => started.close()));
  await issuer.close();
});

async function startExtraApi(...args: Parameters<typeof startApi>): Promise<TestApi> {
  const started = await startApi(...args);
  extraApis.push(started);
  return started;
}

const boundToken = (): Promise<string> => signAccessToken(key, issuer.url, { claims: { cnf: { jkt: holder.jkt } } });
const url = (path = '/protected'): string => `${PUBLIC_URL}${path}`;

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function dpopRequest(token: string, proof: string | undefined, method = 'GET'): RequestInit {
  return { method, headers: { authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof }) } };
}

const DPOP_CHALLENGE =
  /^DPoP realm="https:\/\/api\.example\.com", error="(invalid_dpop_proof|invalid_token)", error_description="[^"]+"(?:, scope="api:read")?, resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource", algs="[^"]*ES256[^"]*"$/;

async function expectProofRejected(init: RequestInit, description: RegExp, path = '/protected'): Promise<void> {
  await expectProofRejectedBy(api, init, description, path);
}

async function expectProofRejectedBy(target: TestApi, init: RequestInit, description: RegExp, path = '/protected'): Promise<void> {
  const res = await target.request(path, init);
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_dpop_proof');
  expect(res.body.error_description).toMatch(description);
  expect(res.wwwAuthenticate).toMatch(DPOP_CHALLENGE);
  expect(res.wwwAuthenticate).toContain('error="invalid_dpop_proof"');
}

test('a valid DPoP proof is accepted and the binding exposed as auth.jkt', async () => {
  const token = await boundToken();
  const proof = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token });
  const res = await api.request('/protected', dpopRequest(token, proof));
  expect(res.status).toBe(200);
  expect(res.body.auth).toMatchObject({ sub: 'user-1', jkt: holder.jkt, tokenType: 'jwt' });
});

test('htu is compared without query and fragment; POST works with htm POST', async () => {
  const token = await boundToken();
  const withQuery = await api.request(
    '/protected?page=2',
    dpopRequest(token, await signProof(holder, { htm: 'GET', htu: `${url()}#frag`, accessToken: token })),
  );
  expect(withQuery.status).toBe(200);
  const post = await api.request(
    '/protected',
    dpopRequest(token, await signProof(holder, { htm: 'POST', htu: url(), accessToken: token }), 'POST'),
  );
  expect(post.status).toBe(200);
});

test('proof signed by a key other than cnf.jkt (wrong jkt)', async () => {
  const token = await boundToken();
  const proof = await signProof(other, { htm: 'GET', htu: url(), accessToken: token });
  await expectProofRejected(dpopRequest(token, proof), /does not match the access token binding/);
});

test('proof embedding the bound jwk but signed by another key', async () => {
  const token = await boundToken();
  const proof = await signProof(other, { htm: 'GET', htu: url(), accessToken: token, embedJwk: holder.publicJwk });
  await expectProofRejected(dpopRequest(token, proof), /signature verification failed/);
});

test('wrong htm', async () => {
  const token = await boundToken();
  const proof = await signProof(holder, { htm: 'POST', htu: url(), accessToken: token });
  await expectProofRejected(dpopRequest(token, proof), /htm/);
});

test('wrong htu', async () => {
  const token = await boundToken();
  const proof = await signProof(holder, { htm: 'GET', htu: url('/elsewhere'), accessToken: token });
  await expectProofRejected(dpopRequest(token, proof), /htu/);
  const otherHost = await signProof(holder, { htm: 'GET', htu: 'https://evil.example.com/protected', accessToken: token });
  await expectProofRejected(dpopRequest(token, otherHost), /htu/);
});

test('wrong ath', async () => {
  const token = await boundToken();
  const proof = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token, claims: { ath: sha256('another token') } });
  await expectProofRejected(dpopRequest(token, proof), /ath/);
});

test('missing ath', async () => {
  const token = await boundToken();
  const proof = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token, claims: { ath: undefined } });
  await expectProofRejected(dpopRequest(token, proof), /missing the ath claim/);
});

test('replayed jti', async () => {
  const token = await boundToken();
  const proof = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token });
  expect((await api.request('/protected', dpopRequest(token, proof))).status).toBe(200);
  await expectProofRejected(dpopRequest(token, proof), /replayed/);
});

test('stale proof (iat outside the window) and proof from the future', async () => {
  const token = await boundToken();
  const old = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token, claims: { iat: now() - 300 } });
  await expectProofRejected(dpopRequest(token, old), /too old/);
  const future = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token, claims: { iat: now() + 300 } });
  await expectProofRejected(dpopRequest(token, future), /future/);
});

test('proof with the wrong typ', async () => {
  const token = await boundToken();
  const proof = await new SignJWT({ htm: 'GET', htu: url(), ath: sha256(token), iat: now(), jti: 'x-1' })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: holder.publicJwk })
    .sign(holder.privateKey);
  await expectProofRejected(dpopRequest(token, proof), /typ/);
});

test('missing proof for a bound token', async () => {
  await expectProofRejected(dpopRequest(await boundToken(), undefined), /DPoP proof required/);
});

test('two proofs in one request', async () => {
  const token = await boundToken();
  const a = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token });
  const b = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token });
  await expectProofRejected(dpopRequest(token, `${a}, ${b}`), /exactly one/);
});

test('Bearer scheme for a DPoP-bound token', async () => {
  const token = await boundToken();
  const proof = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token });
  const res = await api.request('/protected', { headers: { authorization: `Bearer ${token}`, dpop: proof } });
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_token');
  expect(res.body.error_description).toMatch(/requires the DPoP authorization scheme/);
  expect(res.wwwAuthenticate).toMatch(DPOP_CHALLENGE);
});

test('DPoP scheme for an unbound token', async () => {
  const token = await signAccessToken(key, issuer.url);
  const proof = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token });
  const res = await api.request('/protected', dpopRequest(token, proof));
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('invalid_token');
  expect(res.body.error_description).toMatch(/not DPoP-bound/);
  expect(res.wwwAuthenticate).toMatch(/^Bearer realm="https:\/\/api\.example\.com", error="invalid_token"/);
  // the same token is fine as a Bearer token
  expect((await api.request('/protected', bearer(token))).status).toBe(200);
});

test('insufficient scope on a bound token uses the DPoP challenge', async () => {
  const token = await signAccessToken(key, issuer.url, { claims: { cnf: { jkt: holder.jkt }, scope: 'openid' } });
  const proof = await signProof(holder, { htm: 'GET', htu: url(), accessToken: token });
  const res = await api.request('/protected', dpopRequest(token, proof));
  expect(res.status).toBe(403);
  expect(res.body.error).toBe('insufficient_scope');
  expect(res.wwwAuthenticate).toMatch(
    /^DPoP realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="api:read", resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource", algs="[^"]+"$/,
  );
});

test('certificate-bound tokens (cnf x5t#S256) are rejected', async () => {
  const token = await signAccessToken(key, issuer.url, { claims: { cnf: { 'x5t#S256': 'abc' } } });
  const res = await api.request('/protected', bearer(token));
  expect(res.status).toBe(401);
  expect(res.body.error_description).toMatch(/certificate-bound/);
});

test('verifyRequest reads only the path of the given URL (string, URL, or request target)', async () => {
  const token = await boundToken();
  const htu = `${PUBLIC_URL}/orders`;
  const request = (proof: string, target: string | URL) => ({
    method: 'DELETE',
    url: target,
    headers: { authorization: `DPoP ${token}`, dpop: proof },
  });
  const proofFor = (proofHtu: string) => signProof(holder, { htm: 'DELETE', htu: proofHtu, accessToken: token });

  const ok = await api.rs.verifyRequest(request(await proofFor(htu), new URL(`${htu}?x=1`)));
  expect(ok.jkt).toBe(holder.jkt);
  expect((await api.rs.verifyRequest(request(await proofFor(htu), '/orders?x=1'))).jkt).toBe(holder.jkt);
  // The host of an absolute URL is ignored: only publicUrl names the host.
  expect((await api.rs.verifyRequest(request(await proofFor(htu), 'https://evil.example.com/orders'))).jkt).toBe(holder.jkt);

  const wrongPath = await rejection(api.rs.verifyRequest(request(await proofFor(htu), `${PUBLIC_URL}/other`)));
  expect(wrongPath).toMatchObject({ status: 401, code: 'invalid_dpop_proof', scheme: 'DPoP' });
  const otherHost = await rejection(
    api.rs.verifyRequest(request(await proofFor('https://evil.example.com/orders'), 'https://evil.example.com/orders')),
  );
  expect(otherHost).toMatchObject({ status: 401, code: 'invalid_dpop_proof', description: expect.stringMatching(/htu/) });
  // A path that looks like a network-path reference stays a path under publicUrl.
  const networkPath = await rejection(
    api.rs.verifyRequest(request(await proofFor('https://evil.example.com/orders'), '//evil.example.com/orders')),
  );
  expect(networkPath).toMatchObject({ code: 'invalid_dpop_proof', description: expect.stringMatching(/htu/) });
});

describe('htu is publicUrl + the request path, whatever Host or request target the client sends', () => {
  const EVIL = 'evil.example.com';

  async function send(target: string, proofHtu: string, headers: Record<string, string> = {}) {
    const token = await boundToken();
    const proof = await signProof(holder, { htm: 'GET', htu: proofHtu, accessToken: token });
    return rawRequest(api, target, { host: new URL(api.url).host, authorization: `DPoP ${token}`, dpop: proof, ...headers });
  }

  test('a proof for another host is refused even when the Host header names that host', async () => {
    for (const scheme of ['http', 'https']) {
      const res = await send('/protected', `${scheme}://${EVIL}/protected`, { host: EVIL });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.stringMatching(/htu/) });
    }
  });

  test('an absolute-form request target does not help', async () => {
    const res = await send(`http://${EVIL}/protected`, `http://${EVIL}/protected`, { host: EVIL });
    expect(res.status).toBe(401);
    expect(res.body.error_description).toMatch(/htu/);
  });

  test('X-Forwarded-Host does not help, even in an app that trusts proxy headers', async () => {
    const proxied = await startExtraApi({ issuer: issuer.url, audience: AUDIENCE, publicUrl: PUBLIC_URL }, { proxy: true });
    const token = await boundToken();
    const proof = await signProof(holder, { htm: 'GET', htu: `https://${EVIL}/protected`, accessToken: token });
    const res = await rawRequest(proxied, '/protected', {
      host: new URL(proxied.url).host,
      'x-forwarded-host': EVIL,
      'x-forwarded-proto': 'https',
      authorization: `DPoP ${token}`,
      dpop: proof,
    });
    expect(res.status).toBe(401);
    expect(res.body.error_description).toMatch(/htu/);
  });

  test('the correct htu passes, whatever the Host header or the request target says', async () => {
    expect((await send('/protected', url(), { host: EVIL })).status).toBe(200);
    expect((await send(`http://${EVIL}/protected?q=1`, url())).status).toBe(200);
  });

  test('the path prefix of publicUrl is prepended to the request path', async () => {
    const rs = createResourceServer({ issuer: issuer.url, audience: AUDIENCE, publicUrl: 'https://example.com/api/' });
    const token = await boundToken();
    const request = async (proofHtu: string) => ({
      method: 'GET',
      url: '/orders',
      headers: { authorization: `DPoP ${token}`, dpop: await signProof(holder, { htm: 'GET', htu: proofHtu, accessToken: token }) },
    });
    expect((await rs.verifyRequest(await request('https://example.com/api/orders'))).jkt).toBe(holder.jkt);
    expect(await rejection(rs.verifyRequest(await request('https://example.com/orders')))).toMatchObject({
      code: 'invalid_dpop_proof',
    });
  });
});

test('without publicUrl, DPoP-bound tokens are refused and unbound tokens still work', async () => {
  const noPublicUrl = await startExtraApi({ issuer: issuer.url, audience: AUDIENCE });
  const token = await boundToken();
  const proof = await signProof(holder, { htm: 'GET', htu: `${noPublicUrl.url}/protected`, accessToken: token });
  const res = await noPublicUrl.request('/protected', dpopRequest(token, proof));
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ error: 'invalid_token', error_description: expect.stringMatching(/publicUrl/) });
  expect(res.wwwAuthenticate).toMatch(DPOP_CHALLENGE);
  expect((await noPublicUrl.request('/protected', bearer(await signAccessToken(key, issuer.url)))).status).toBe(200);
});

describe('replay cache (dpopReplayCacheSize)', () => {
  const WINDOW_MS = (60 + 2 * 5) * 1000; // dpopMaxAgeSeconds + clockTolerance on both sides of iat

  /** A resource server remembering at most two proofs, and a way to present a proof to it. */
  async function smallCache() {
    const rs = createResourceServer({ issuer: issuer.url, audience: AUDIENCE, publicUrl: PUBLIC_URL, dpopReplayCacheSize: 2 });
    const token = await boundToken();
    const newProof = () => signProof(holder, { htm: 'GET', htu: url(), accessToken: token });
    const present = (proof: string) =>
      rejection(rs.verifyRequest({ method: 'GET', url: url(), headers: { authorization: `DPoP ${token}`, dpop: proof } }));
    return { newProof, present };
  }

  function expectRefused(outcome: unknown, description: RegExp): void {
    expect(outcome).toMatchObject({
      status: 401,
      code: 'invalid_dpop_proof',
      scheme: 'DPoP',
      description: expect.stringMatching(description),
    });
  }

  test('when full of live proofs it refuses new proofs instead of forgetting old ones', async () => {
    frozenClock();
    const { newProof, present } = await smallCache();
    const [first, second, third] = [await newProof(), await newProof(), await newProof()];
    expect(await present(first)).toBeUndefined();
    expect(await present(second)).toBeUndefined();

    const full = await present(third);
    expectRefused(full, /^DPoP replay cache is full; try again shortly$/);
    expect((full as { wwwAuthenticate: string }).wwwAuthenticate).toMatch(DPOP_CHALLENGE);
    // The captured first proof was not evicted to make room, so it still cannot be replayed.
    expectRefused(await present(first), /replayed/);
  });

  test('entries older than the proof window are evicted to make room', async () => {
    const clock = frozenClock();
    const { newProof, present } = await smallCache();
    const first = await newProof();
    expect(await present(first)).toBeUndefined();
    expect(await present(await newProof())).toBeUndefined();

    clock.advance(WINDOW_MS - 1);
    expectRefused(await present(await newProof()), /cache is full/);

    clock.advance(1);
    const fresh = await newProof();
    expect(await present(fresh)).toBeUndefined();
    expectRefused(await present(fresh), /replayed/);
    expectRefused(await present(first), /too old/);
  });
});
