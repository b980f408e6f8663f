import * as oidc from 'openid-client';
import { Browser, type Page } from '../support/browser.ts';
import { createUser, exchange, isCallback, PASSWORD, REDIRECT_URI, registerClient, type AuthorizationRequest, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Pushed authorization requests (RFC 9126): the client posts its parameters to /request and sends
 * the browser to /auth with only the request_uri it got back. Runs on whichever artifact store the
 * environment selects (Redis in CI).
 */
let server: TestServer;
let web: RegisteredClient;
let account: { id: string };

beforeAll(async () => {
  server = await startTestServer();
  account = await createUser(server, 'par@example.com');
  web = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
});
afterAll(() => server.close());

interface PushedRequest extends AuthorizationRequest {
  readonly requestUri: string;
}

/** POST /request with client_secret_basic and PKCE, then the /auth URL that carries only the request_uri. */
async function pushAuthorizationRequest(client: RegisteredClient): Promise<PushedRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const response = await fetch(`${server.issuer}/request`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      client_id: client.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      prompt: 'consent',
    }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { request_uri: string; expires_in: number };
  expect(body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
  expect(body.expires_in).toBeGreaterThan(0);
  const url = new URL(`${server.issuer}/auth`);
  url.search = new URLSearchParams({ client_id: client.clientId, request_uri: body.request_uri }).toString();
  return { url, verifier, state, nonce, requestUri: body.request_uri };
}

/** Follows the request through the login form, stopping at the consent page. */
async function signInUpToConsent(browser: Browser, request: AuthorizationRequest): Promise<Page> {
  const login = await browser.follow(request.url.toString(), isCallback);
  expect(login.status).toBe(200);
  const consent = await browser.submit(login, /\/login$/, { email: 'par@example.com', password: PASSWORD }, isCallback);
  expect(Browser.forms(consent).some((form) => /\/confirm$/.test(form.action))).toBe(true);
  return consent;
}

const consentTo = async (browser: Browser, consent: Page): Promise<Page> => browser.submit(consent, /\/confirm$/, {}, isCallback);

describe('pushed authorization requests', () => {
  test('a code flow that starts with POST /request ends in tokens', async () => {
    const request = await pushAuthorizationRequest(web);
    const browser = new Browser();
    const done = await consentTo(browser, await signInUpToConsent(browser, request));
    expect(isCallback(done.url)).toBe(true);
    const callback = new URL(done.url);
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(request.state);

    const tokens = await exchange(web, callback, request);
    expect(tokens.claims()!.sub).toBe(account.id);
    expect(tokens.claims()!.nonce).toBe(request.nonce);
    expect((await oidc.tokenIntrospection(web.config, tokens.access_token)).active).toBe(true);
  });

  test('request_uri can be used once', async () => {
    const request = await pushAuthorizationRequest(web);
    const browser = new Browser();
    const first = await consentTo(browser, await signInUpToConsent(browser, request));
    expect(new URL(first.url).searchParams.get('code')).toBeTruthy();

    const again = await browser.follow(request.url.toString(), isCallback);
    expect(isCallback(again.url)).toBe(false);
    expect(again.status).toBe(400);
    expect(again.html).toContain('invalid_request_uri');
  });

  test('two sign-ins racing on one request_uri: one code, one invalid_request_uri, no server error', async () => {
    const request = await pushAuthorizationRequest(web);
    const browsers = [new Browser(), new Browser()];
    const consents = await Promise.all(browsers.map((browser) => signInUpToConsent(browser, request)));
    const outcomes = await Promise.all(browsers.map((browser, i) => consentTo(browser, consents[i]!)));

    for (const outcome of outcomes) expect(outcome.status).toBeLessThan(500);
    const callbacks = outcomes.map((outcome) => (isCallback(outcome.url) ? new URL(outcome.url).searchParams : undefined));
    expect(callbacks.filter((params) => params?.get('code'))).toHaveLength(1);
    const refused = outcomes.find((_outcome, i) => !callbacks[i]?.get('code'))!;
    const refusal = isCallback(refused.url) ? new URL(refused.url).searchParams.get('error') : refused.html;
    expect(refusal).toContain('invalid_request_uri');
  });
});
