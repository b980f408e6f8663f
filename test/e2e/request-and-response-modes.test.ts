import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { Browser, type Page } from '../support/browser.ts';
import { createUser, PASSWORD, REDIRECT_URI } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** Signed request objects (JAR, RFC 9101) by value and through PAR; JARM; response_mode=form_post. */
let server: TestServer;
const EMAIL = 'modes@example.com';
let signer: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let client: oidc.Configuration;

beforeAll(async () => {
  server = await startTestServer();
  await createUser(server, EMAIL);
  const keys = await generateKeyPair('ES256', { extractable: true });
  signer = keys.privateKey;
  const registered = await server.services.clients.create({
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    request_object_signing_alg: 'ES256',
    jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), alg: 'ES256', use: 'sig' }] },
  });
  client = await oidc.discovery(new URL(server.issuer), registered.client_id, {}, oidc.PrivateKeyJwt(signer), { execute: [oidc.allowInsecureRequests] });
});
afterAll(() => server.close());

async function parameters() {
  const verifier = oidc.randomPKCECodeVerifier();
  return {
    verifier,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    base: { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' },
  };
}

/** Login and consent through the forms; the page the provider answers last (a redirect or the form_post page). */
async function signIn(url: URL): Promise<Page> {
  const browser = new Browser();
  const back = (next: string) => next.startsWith(REDIRECT_URI);
  let page = await browser.follow(url.toString(), back);
  page = await browser.submit(page, /\/login$/, { email: EMAIL, password: PASSWORD }, back);
  if (!back(page.url) && Browser.forms(page).some((form) => /\/confirm$/.test(form.action))) page = await browser.submit(page, /\/confirm$/, {}, back);
  return page;
}

test('a signed request object by value starts a code flow that ends in tokens', async () => {
  const { verifier, state, nonce, base } = await parameters();
  const url = await oidc.buildAuthorizationUrlWithJAR(client, { ...base, state, nonce }, signer);
  expect(url.searchParams.get('request')).toBeTruthy();
  expect(url.searchParams.get('scope')).toBeNull();
  const page = await signIn(url);
  const tokens = await oidc.authorizationCodeGrant(client, new URL(page.url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  expect(tokens.claims()?.nonce).toBe(nonce);
  expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));
});

test('a request object whose signature does not verify is refused', async () => {
  const { state, base } = await parameters();
  const other = await generateKeyPair('ES256', { extractable: true });
  const url = await oidc.buildAuthorizationUrlWithJAR(client, { ...base, state }, other.privateKey);
  const page = await new Browser().follow(url.toString(), (next) => next.startsWith(REDIRECT_URI));
  const landed = page.url.startsWith(REDIRECT_URI) ? new URL(page.url).searchParams.get('error') : page.html;
  expect(landed).toMatch(/invalid_request_object/);
});

test('a signed request object pushed through PAR', async () => {
  const { verifier, state, base } = await parameters();
  const url = await oidc.buildAuthorizationUrlWithPAR(client, { request: await jarOf({ ...base, state }) });
  expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
  const page = await signIn(url);
  const tokens = await oidc.authorizationCodeGrant(client, new URL(page.url), { pkceCodeVerifier: verifier, expectedState: state });
  expect(tokens.access_token).toBeTruthy();
});

async function jarOf(claims: Record<string, string>): Promise<string> {
  return (await oidc.buildAuthorizationUrlWithJAR(client, claims, signer)).searchParams.get('request')!;
}

test('JARM: response_mode=jwt returns a signed response that openid-client validates', async () => {
  const jarm = await oidc.discovery(new URL(server.issuer), client.clientMetadata().client_id, {}, oidc.PrivateKeyJwt(signer), { execute: [oidc.allowInsecureRequests, oidc.useJwtResponseMode] });
  const { verifier, state, base } = await parameters();
  const page = await signIn(oidc.buildAuthorizationUrl(jarm, { ...base, state, response_mode: 'jwt' }));
  const callback = new URL(page.url);
  expect(callback.searchParams.get('response')).toMatch(/^ey/);
  expect(callback.searchParams.get('code')).toBeNull();
  const tokens = await oidc.authorizationCodeGrant(jarm, callback, { pkceCodeVerifier: verifier, expectedState: state });
  expect(tokens.access_token).toBeTruthy();
});

test('response_mode=form_post answers a self-posting form to the redirect URI, with iss', async () => {
  const { verifier, state, base } = await parameters();
  const page = await signIn(oidc.buildAuthorizationUrl(client, { ...base, state, response_mode: 'form_post' }));
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toMatch(/no-store/);
  const [form] = Browser.forms(page);
  expect(form).toMatchObject({ action: REDIRECT_URI, method: 'POST' });
  expect(form!.fields).toMatchObject({ state, iss: server.issuer });
  const posted = new Request(REDIRECT_URI, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form!.fields) });
  const tokens = await oidc.authorizationCodeGrant(client, posted, { pkceCodeVerifier: verifier, expectedState: state });
  expect(tokens.access_token).toBeTruthy();
});

test('discovery advertises request objects and the JWT response modes', async () => {
  const metadata = client.serverMetadata();
  expect(metadata.request_parameter_supported).toBe(true);
  expect(metadata.response_modes_supported).toEqual(expect.arrayContaining(['query', 'form_post', 'jwt', 'query.jwt', 'form_post.jwt']));
  expect(metadata.request_object_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'PS256']));
});
