import { SignJWT } from 'jose';
import {
  AUDIENCE,
  bearer,
  makeDpopKey,
  makeKey,
  now,
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

let key: SigningKey;
let issuer: FakeIssuer;
let api: TestApi;
let holder: DpopKey;
let other: DpopKey;

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
  issuer = await startIssuer([key]);
  api = await startApi({ issuer: issuer.url, audience: AUDIENCE });
  holder = await makeDpopKey();
  other = await makeDpopKey();
});

afterAll(async () => {
  await api.close();
  await issuer.close();
});

const boundToken = (): Promise<string> => signAccessToken(key, issuer.url, { claims: { cnf: { jkt: holder.jkt } } });
const url = (path = '/protected'): string => `${api.url}${path}`;

function dpopRequest(token: string, proof: string | undefined, method = 'GET'): RequestInit {
  return { method, headers: { authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof }) } };
}

const DPOP_CHALLENGE =
  /^DPoP realm="https:\/\/api\.example\.com", error="(invalid_dpop_proof|invalid_token)", error_description="[^"]+", algs="[^"]*ES256[^"]*"$/;

async function expectProofRejected(init: RequestInit, description: RegExp, path = '/protected'): Promise<void> {
  const res = await api.request(path, init);
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
    /^DPoP realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="api:read", algs="[^"]+"$/,
  );
});

test('certificate-bound tokens (cnf x5t#S256) are rejected', async () => {
  const token = await signAccessToken(key, issuer.url, { claims: { cnf: { 'x5t#S256': 'abc' } } });
  const res = await api.request('/protected', bearer(token));
  expect(res.status).toBe(401);
  expect(res.body.error_description).toMatch(/certificate-bound/);
});

test('verifyRequest checks DPoP against the given absolute URL (string or URL)', async () => {
  const token = await boundToken();
  const htu = 'https://api.example.com/orders';
  const request = (proof: string, target: string | URL) => ({
    method: 'DELETE',
    url: target,
    headers: { authorization: `DPoP ${token}`, dpop: proof },
  });
  const ok = await api.rs.verifyRequest(
    request(await signProof(holder, { htm: 'DELETE', htu, accessToken: token }), new URL(`${htu}?x=1`)),
  );
  expect(ok.jkt).toBe(holder.jkt);
  const error = await api.rs
    .verifyRequest(request(await signProof(holder, { htm: 'DELETE', htu, accessToken: token }), 'https://api.example.com/other'))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toMatchObject({ status: 401, code: 'invalid_dpop_proof', scheme: 'DPoP' });
});
