import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, isCallback, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * OIDC Core 3.1.2.1 and RP-Initiated Logout §2: the authorization and logout endpoints take POST
 * as well as GET. A form POST is answered with 303 to the GET of the same parameters (ADR 12).
 */
let server: TestServer;
let web: RegisteredClient;
const EMAIL = 'posted@example.com';

beforeAll(async () => {
  server = await startTestServer();
  await createUser(server, EMAIL);
  web = await registerClient(server, { grant_types: ['authorization_code'], post_logout_redirect_uris: ['http://127.0.0.1:9999/signed-out'] });
});
afterAll(() => server.close());

const formOf = (url: URL): Record<string, string> => Object.fromEntries(url.searchParams);

describe('POST to the authorization endpoint', () => {
  test('is answered 303 to the same parameters by GET, not cached', async () => {
    const request = await authorizationRequest(web);
    const response = await new Browser().request(`${server.issuer}/auth`, { form: formOf(request.url) });
    expect(response.status).toBe(303);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const location = new URL(response.headers.get('location')!, server.issuer);
    expect(location.pathname).toBe('/auth');
    expect(formOf(location)).toEqual(formOf(request.url));
  });

  test('a code flow started by POST ends in tokens', async () => {
    const request = await authorizationRequest(web);
    const posted = new URL(`${server.issuer}/auth`);
    const browser = new Browser();
    const first = await browser.request(posted.toString(), { form: formOf(request.url) });
    const callback = await signIn(browser, { ...request, url: new URL(first.headers.get('location')!, server.issuer) }, EMAIL);
    expect(callback.searchParams.get('state')).toBe(request.state);
    const tokens = await exchange(web, callback, request);
    expect(tokens.claims()?.nonce).toBe(request.nonce);
  });

  test('prompt=none by POST sees the session the browser has', async () => {
    const browser = new Browser();
    await signIn(browser, await authorizationRequest(web), EMAIL);
    const silent = await authorizationRequest(web, { prompt: 'none' });
    const done = await browser.follow(`${server.issuer}/auth`, isCallback, { form: formOf(silent.url) });
    const callback = new URL(done.url);
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('code')).toBeTruthy();
    await expect(exchange(web, callback, silent)).resolves.toBeTruthy();
  });

  test('parameters too large for a URL are refused with a page that points to PAR', async () => {
    const request = await authorizationRequest(web, { login_hint: 'x'.repeat(9000) });
    const response = await new Browser().request(`${server.issuer}/auth`, { form: formOf(request.url) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.html).toContain('pushed authorization');
  });

  test('a body that is not a form is refused, not passed on', async () => {
    const response = await fetch(`${server.issuer}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"client_id":"x"}', redirect: 'manual' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe('POST to the logout endpoint', () => {
  test('is answered 303 to the GET, which asks to confirm the sign-out', async () => {
    const browser = new Browser();
    await signIn(browser, await authorizationRequest(web), EMAIL);
    const posted = await browser.request(`${server.issuer}/session/end`, { form: { client_id: web.clientId, post_logout_redirect_uri: 'http://127.0.0.1:9999/signed-out', state: 'bye' } });
    expect(posted.status).toBe(303);
    const confirm = await browser.follow(new URL(posted.headers.get('location')!, server.issuer).toString());
    expect(confirm.status).toBe(200);
    expect(Browser.forms(confirm).some((form) => /\/session\/end\/confirm$/.test(form.action))).toBe(true);
  });
});
