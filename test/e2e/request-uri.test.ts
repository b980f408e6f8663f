import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { startTrustedRpServer, type RpServer, type Served } from '../support/conformance-dynamic.ts';
import { createUser, exchange, isCallback, REDIRECT_URI, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * `request_uri` by reference (OIDC Core 6.2, RFC 9101 section 5.2; src/oidc/request-by-reference.ts):
 * the client registers `request_uris`, serves its signed request object at one of them (an https
 * server on loopback here, which OUTBOUND_ALLOW_HOSTS lets the OP reach), and sends the browser to
 * /auth with that URL. Anything that keeps the object from being used is `invalid_request_uri`.
 */
const EMAIL = 'request-uri@example.com';
let server: TestServer;
let rp: RpServer;
/** A second host on loopback that OUTBOUND_ALLOW_HOSTS does not list. */
let unlisted: RpServer;
let client: RegisteredClient;
let privateKey: CryptoKey;

const PATHS = { signed: '/objects/signed', missing: '/objects/missing', html: '/objects/html', notJwt: '/objects/not-jwt', big: '/objects/big', bigChunked: '/objects/big-chunked', moved: '/objects/moved', slow: '/objects/slow' } as const;
const privateUri = () => unlisted.url('/objects/private');

beforeAll(async () => {
  rp = await startTrustedRpServer();
  unlisted = await startTrustedRpServer();
  server = await startTestServer({ OUTBOUND_ALLOW_HOSTS: rp.host });
  await createUser(server, EMAIL);
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  client = await registerClient(server, {
    jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'jar', alg: 'RS256', use: 'sig' }] },
    request_object_signing_alg: 'RS256',
    // The signed object's URL is registered with a fragment that the requests below change.
    request_uris: [`${rp.url(PATHS.signed)}#v1`, ...Object.values(PATHS).filter((path) => path !== PATHS.signed).map((path) => rp.url(path)), privateUri()],
  });
});
afterAll(async () => {
  await server.close();
  await rp.close();
  await unlisted.close();
});

interface ObjectRequest {
  readonly claims: Record<string, string>;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

async function objectRequest(): Promise<ObjectRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const claims = {
    client_id: client.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  };
  return { claims, verifier, state, nonce };
}

const signed = (claims: Record<string, string>, key = privateKey) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'jar', typ: 'oauth-authz-req+jwt' }).setIssuer(client.clientId).setAudience(server.issuer).setIssuedAt().setExpirationTime('2m').sign(key);

/** /auth with the request_uri and what OIDC Core 6.2 wants repeated outside the object. */
function byReference(requestUri: string, outer: Record<string, string> = {}): URL {
  const url = new URL(`${server.issuer}/auth`);
  url.search = new URLSearchParams({ client_id: client.clientId, request_uri: requestUri, response_type: 'code', scope: 'openid', ...outer }).toString();
  return url;
}

/** Follows the request to the client's redirect URI and returns what came back there. */
async function callbackOf(url: URL): Promise<URLSearchParams> {
  const page = await new Browser().follow(url.toString(), isCallback);
  if (!isCallback(page.url)) throw new Error(`expected a redirect to the client, got ${page.status}: ${page.html.slice(0, 300)}`);
  return new URL(page.url).searchParams;
}

describe('discovery and registration', () => {
  test('discovery says request_uri is supported and must be registered', async () => {
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ request_uri_parameter_supported: true, require_request_uri_registration: true, request_parameter_supported: true });
    expect(metadata.request_object_signing_alg_values_supported).not.toContain('none');
  });

  test('request_uris are kept as registered, fragments included', async () => {
    expect((await server.services.clients.find(client.clientId))?.metadata.request_uris).toContain(`${rp.url(PATHS.signed)}#v1`);
  });

  test.each([
    ['not an array', 'https://rp.example/object', /array of https URLs/],
    ['http', ['http://rp.example/object'], /https URLs/],
    ['not a URL', ['object.jwt'], /https URLs/],
    ['credentials', ['https://user:secret@rp.example/object'], /credentials/],
    ['too many', Array.from({ length: 11 }, (_, index) => `https://rp.example/${index}`), /at most 10/],
    ['too long', [`https://rp.example/${'a'.repeat(2000)}`], /at most 2000 characters/],
  ])('request_uris refused: %s', async (_name, requestUris, message) => {
    await expect(server.services.clients.create({ redirect_uris: [REDIRECT_URI], request_uris: requestUris })).rejects.toThrow(message);
  });
});

describe('by reference', () => {
  test('a signed request object at a registered URL (another fragment) is fetched once and the flow ends in tokens', async () => {
    const request = await objectRequest();
    const object = await signed(request.claims);
    rp.serve(PATHS.signed, () => ({ contentType: 'application/oauth-authz-req+jwt', body: object }));
    const before = rp.hits(PATHS.signed);
    const callback = await signIn(new Browser(), { url: byReference(`${rp.url(PATHS.signed)}#${randomBytes(8).toString('hex')}`) }, EMAIL);
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(rp.hits(PATHS.signed)).toBe(before + 1);
    const tokens = await exchange(client, callback, { url: callback, ...request });
    expect(tokens.claims()?.nonce).toBe(request.nonce);
  });

  test('POSTed to /auth, the request is answered as a GET and the object is used alike', async () => {
    const request = await objectRequest();
    const object = await signed(request.claims);
    rp.serve(PATHS.signed, () => ({ contentType: 'application/jwt', body: `${object}\n` }));
    const form = Object.fromEntries(byReference(rp.url(PATHS.signed)).searchParams);
    const page = await new Browser().follow(`${server.issuer}/auth`, isCallback, { method: 'POST', form });
    expect(Browser.forms(page).some((candidate) => /\/login$/.test(candidate.action))).toBe(true);
  });

  test('an object signed with another key is refused as invalid_request_object, like one by value', async () => {
    const request = await objectRequest();
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const object = await signed(request.claims, otherKey);
    rp.serve(PATHS.signed, () => ({ contentType: 'application/jwt', body: object }));
    // The unverified object's redirect_uri is not trusted to answer at: the outer one is.
    const params = await callbackOf(byReference(rp.url(PATHS.signed), { redirect_uri: REDIRECT_URI }));
    expect([params.get('error'), params.get('state')]).toEqual(['invalid_request_object', request.state]);
  });
});

describe('refused with invalid_request_uri', () => {
  const outer = () => ({ redirect_uri: REDIRECT_URI, state: `outer-${randomBytes(6).toString('hex')}` });

  test('a URL the client did not register: at the redirect URI, with the outer state, and never fetched', async () => {
    const path = '/objects/unregistered';
    rp.serve(path, () => ({ contentType: 'application/jwt', body: 'a.b.c' }));
    const given = outer();
    const params = await callbackOf(byReference(rp.url(path), given));
    expect([params.get('error'), params.get('state'), params.get('iss')]).toEqual(['invalid_request_uri', given.state, server.issuer]);
    expect(params.get('error_description')).toMatch(/not registered for this client/);
    expect(rp.hits(path)).toBe(0);
  });

  test('a registered URL with the query changed counts as another URL', async () => {
    const params = await callbackOf(byReference(`${rp.url(PATHS.signed)}?v=2`, outer()));
    expect(params.get('error')).toBe('invalid_request_uri');
  });

  test('without a redirect_uri to answer at, on the error page', async () => {
    const page = await new Browser().follow(byReference(rp.url('/objects/unregistered')).toString(), isCallback);
    expect(isCallback(page.url)).toBe(false);
    expect(page.status).toBe(400);
    expect(page.html).toContain('invalid_request_uri');
    expect(page.html).toMatch(/not registered for this client/);
  });

  test('an unknown client: invalid_client on the error page, nothing fetched', async () => {
    const url = byReference(rp.url(PATHS.signed), outer());
    url.searchParams.set('client_id', 'no-such-client');
    const before = rp.hits(PATHS.signed);
    const page = await new Browser().follow(url.toString(), isCallback);
    expect(isCallback(page.url)).toBe(false);
    expect(page.html).toContain('invalid_client');
    expect(rp.hits(PATHS.signed)).toBe(before);
  });

  const bigBody = 'a'.repeat(70 * 1024);
  test.each<[string, keyof typeof PATHS, Served, RegExp]>([
    ['a 404', 'missing', { status: 404, contentType: 'text/plain', body: 'not here' }, /answered 404 instead of 200/],
    ['an HTML page', 'html', { contentType: 'text/html', body: '<p>a.b.c</p>' }, /served as text\/html/],
    ['something that is not a JWT', 'notJwt', { contentType: 'text/plain', body: 'hello, world' }, /does not serve a JWT/],
    ['more than 64 KiB', 'big', { contentType: 'application/jwt', body: `${bigBody}.${bigBody}.` }, /larger than 64 KiB/],
    ['more than 64 KiB, sent without a length', 'bigChunked', { contentType: 'application/jwt', body: `${bigBody}.${bigBody}.`, headers: { 'transfer-encoding': 'chunked' } }, /larger than 64 KiB/],
    ['a redirect, not followed', 'moved', { status: 302, contentType: 'text/plain', body: '', headers: { location: '/objects/signed' } }, /redirect, which is not followed/],
    ['an answer later than the time limit', 'slow', { contentType: 'application/jwt', body: 'a.b.c', delayMs: 4000 }, /could not be fetched within 2\.5 seconds/],
  ])('a registered URL serving %s', async (_name, key, served, description) => {
    const path = PATHS[key];
    rp.serve(path, () => served);
    const signedHits = rp.hits(PATHS.signed);
    const started = Date.now();
    const params = await callbackOf(byReference(rp.url(path), outer()));
    expect(params.get('error')).toBe('invalid_request_uri');
    expect(params.get('error_description')).toMatch(description);
    expect(rp.hits(path)).toBe(1);
    expect(rp.hits(PATHS.signed)).toBe(signedHits);
    expect(Date.now() - started).toBeLessThan(3500);
  });

  test('a registered URL on a loopback host that OUTBOUND_ALLOW_HOSTS does not list: refused before connecting', async () => {
    unlisted.serve('/objects/private', () => ({ contentType: 'application/jwt', body: 'a.b.c' }));
    const params = await callbackOf(byReference(privateUri(), outer()));
    expect(params.get('error')).toBe('invalid_request_uri');
    expect(params.get('error_description')).toMatch(/private or special-use address/);
    expect(unlisted.hits('/objects/private')).toBe(0);
  });
});

test('under SECURITY_PROFILE=fapi2 every request is pushed: no request_uri by reference, no request_uris', async () => {
  const fapi2 = await startTestServer({ SECURITY_PROFILE: 'fapi2', OUTBOUND_ALLOW_HOSTS: rp.host });
  try {
    const metadata = (await (await fetch(`${fapi2.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.request_uri_parameter_supported).toBe(false);
    expect(metadata.require_request_uri_registration).toBeUndefined();
    await expect(fapi2.services.clients.create({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] }, request_uris: [rp.url(PATHS.signed)] })).rejects.toThrow(/request_uris: FAPI 2.0 requests are pushed/);
  } finally {
    await fapi2.close();
  }
});

describe('pushed authorization requests', () => {
  const push = async (parameters: Record<string, string>) => {
    const response = await fetch(`${server.issuer}/request`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(parameters),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { request_uri: string }).request_uri;
  };

  test("a pushed request's URN still works as request_uri", async () => {
    const request = await objectRequest();
    const requestUri = await push(request.claims);
    const url = new URL(`${server.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: client.clientId, request_uri: requestUri }).toString();
    const callback = await signIn(new Browser(), { url }, EMAIL);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect((await exchange(client, callback, { url, ...request })).access_token).toEqual(expect.any(String));
  });

  test('a URN that names no pushed request is still invalid_request_uri', async () => {
    const params = await callbackOf(byReference('urn:ietf:params:oauth:request_uri:nothing-here', { redirect_uri: REDIRECT_URI }));
    expect(params.get('error')).toBe('invalid_request_uri');
  });
});
