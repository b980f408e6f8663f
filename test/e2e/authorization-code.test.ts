import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, isCallback, PASSWORD, REDIRECT_URI, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let web: RegisteredClient;
let account: { id: string; email: string };

beforeAll(async () => {
  server = await startTestServer();
  account = await createUser(server, 'Ada@Example.com');
  web = await registerClient(server, { client_name: 'Web <App>', grant_types: ['authorization_code', 'refresh_token'], post_logout_redirect_uris: ['http://127.0.0.1:9999/bye'] });
});
afterAll(() => server.close());

describe('authorization code + PKCE through the HTML forms', () => {
  test('a user signs in, consents and the client gets standards-exact tokens', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(web);
    const login = await browser.follow(request.url.toString(), isCallback);
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toContain('no-store');
    expect(login.html).toContain('name="email"');
    expect(login.html).toContain('name="password"');
    expect(login.html).toContain('Web &lt;App&gt;');
    expect(login.html).not.toContain('Web <App>');

    const consent = await browser.submit(login, /\/login$/, { email: 'ada@example.com', password: PASSWORD }, isCallback);
    expect(consent.status).toBe(200);
    expect(Browser.forms(consent).map((f) => f.action)).toEqual(expect.arrayContaining([expect.stringMatching(/\/interaction\/[^/]+\/confirm$/)]));
    expect(consent.html).toContain('See your email address');

    const callback = new URL((await browser.submit(consent, /\/confirm$/, {}, isCallback)).url);
    expect(callback.searchParams.get('iss')).toBe(server.issuer);
    expect(callback.searchParams.get('code')).toBeTruthy();

    const tokens = await exchange(web, callback, request);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(account.id);
    expect(claims.sub).not.toContain('@');
    // Scope claims go to userinfo when an access token is issued (OIDC Core 5.4).
    expect(claims.email).toBeUndefined();
    expect(claims.iss).toBe(server.issuer);
    expect(claims.aud).toBe(web.clientId);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBeGreaterThan(3000);

    const userinfo = await oidc.fetchUserInfo(web.config, tokens.access_token, account.id);
    expect(userinfo).toMatchObject({ sub: account.id, email: 'ada@example.com', email_verified: true, name: 'Test User' });
  });

  test('a second authorization with an existing session and grant needs no forms', async () => {
    const browser = new Browser();
    await signIn(browser, await authorizationRequest(web), 'ada@example.com');
    const again = await authorizationRequest(web);
    const page = await browser.follow(again.url.toString(), isCallback);
    expect(isCallback(page.url)).toBe(true);
    const tokens = await exchange(web, new URL(page.url), again);
    expect(tokens.claims()!.sub).toBe(account.id);
  });

  test('a wrong password shows the form again without revealing whether the email exists', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(web);
    const login = await browser.follow(request.url.toString(), isCallback);
    const wrongPassword = await browser.submit(login, /\/login$/, { email: 'ada@example.com', password: 'not the password' });
    const unknownEmail = await browser.submit(login, /\/login$/, { email: 'nobody@example.com', password: 'not the password' });
    for (const page of [wrongPassword, unknownEmail]) {
      expect(page.status).toBe(401);
      expect(page.html).toContain('Incorrect email or password.');
      expect(page.html).toContain('name="password"');
    }
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '');
    expect(strip(wrongPassword.html)).toBe(strip(unknownEmail.html));
  });

  test('a login form posted without its CSRF token is refused', async () => {
    const browser = new Browser();
    const login = await browser.follow((await authorizationRequest(web)).url.toString(), isCallback);
    const action = Browser.forms(login).find((f) => f.action.endsWith('/login'))!.action;
    const forged = await browser.request(action, { form: { email: 'ada@example.com', password: PASSWORD, csrf: 'forged' } });
    expect(forged.status).toBe(403);
  });

  test('the consent page offers deny, which returns access_denied to the client', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(web, { prompt: 'consent' });
    const login = await browser.follow(request.url.toString(), isCallback);
    const consent = await browser.submit(login, /\/login$/, { email: 'ada@example.com', password: PASSWORD }, isCallback);
    const denied = new URL((await browser.submit(consent, /\/abort$/, {}, isCallback)).url);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe(request.state);
  });

  test('a disabled account cannot sign in', async () => {
    await createUser(server, 'grace@example.com');
    await server.services.accounts.setDisabled('grace@example.com', true);
    const browser = new Browser();
    const login = await browser.follow((await authorizationRequest(web)).url.toString(), isCallback);
    const refused = await browser.submit(login, /\/login$/, { email: 'grace@example.com', password: PASSWORD });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('Incorrect email or password.');
  });
});

describe('authorization request policy', () => {
  test('an unregistered redirect_uri is never redirected to', async () => {
    const request = await authorizationRequest(web, { redirect_uri: 'https://evil.example/callback' });
    const page = await new Browser().request(request.url.toString());
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.html).toContain('redirect_uri');
    expect(page.html).not.toMatch(/at \w+ \(/);
    // In words for the person, the protocol's reason below for the app's developers, with the request id.
    expect(page.html).toContain('We stopped here to protect you');
    expect(page.html).toContain('For the application’s developers: Redirect_uri did not match');
    expect(page.html).toContain(`Request id: <code>${page.headers.get('x-request-id')}</code>`);
  });

  test('an unknown client gets a page that says so in plain words', async () => {
    const page = await new Browser().request(`${server.issuer}/auth?client_id=nobody-registered-this&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=openid`);
    expect(page.status).toBe(400);
    expect(page.html).toContain('This application is not known here');
    expect(page.html).toContain('Error code: <code>invalid_client</code>');
  });

  test('redirect_uri matching is exact: no extra path, query or trailing slash', async () => {
    for (const variant of [`${REDIRECT_URI}/`, `${REDIRECT_URI}?x=1`, `${REDIRECT_URI}/../callback`, REDIRECT_URI.toUpperCase()]) {
      const request = await authorizationRequest(web, { redirect_uri: variant });
      const page = await new Browser().request(request.url.toString());
      expect(page.status).toBe(400);
      expect(page.headers.get('location')).toBeNull();
    }
  });

  test('a request without PKCE is refused', async () => {
    const url = new URL(`${server.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: web.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 's1' }).toString();
    const page = await new Browser().request(url.toString());
    const location = new URL(page.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/i);
  });

  test('a confidential client may use the nonce instead of PKCE; a verifier for a code without a challenge is refused', async () => {
    const browser = new Browser();
    const url = new URL(`${server.issuer}/auth`);
    const nonce = oidc.randomNonce();
    url.search = new URLSearchParams({ client_id: web.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 's2', nonce }).toString();
    const callback = await signIn(browser, { url }, 'ada@example.com');
    expect(callback.searchParams.get('error')).toBeNull();
    const downgrade = await oidc.authorizationCodeGrant(web.config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: 's2', expectedNonce: nonce }).catch((e: unknown) => e);
    expect(downgrade).toMatchObject({ error: 'invalid_grant' });
    const again = new URL(url);
    again.searchParams.set('state', 's3');
    const second = await signIn(browser, { url: again }, 'ada@example.com');
    const tokens = await oidc.authorizationCodeGrant(web.config, second, { expectedState: 's3', expectedNonce: nonce });
    expect(tokens.claims()?.nonce).toBe(nonce);
  });

  test('without a nonce, or for a public client, PKCE stays required', async () => {
    const spa = await registerClient(server, { token_endpoint_auth_method: 'none' });
    for (const [clientId, extra] of [[web.clientId, {}], [spa.clientId, { nonce: oidc.randomNonce() }]] as const) {
      const url = new URL(`${server.issuer}/auth`);
      url.search = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, ...extra }).toString();
      const location = new URL((await new Browser().request(url.toString())).headers.get('location')!);
      expect(location.searchParams.get('error_description')).toMatch(/PKCE/i);
    }
  });

  test('require_pkce: false (admins only, confidential clients) lets a request go without PKCE or nonce; true requires PKCE even with a nonce', async () => {
    const relaxed = await registerClient(server, { require_pkce: false });
    const strict = await registerClient(server, { require_pkce: true });
    const authorize = async (client: RegisteredClient, extra: Record<string, string>) => {
      const url = new URL(`${server.issuer}/auth`);
      url.search = new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 's4', ...extra }).toString();
      return url;
    };
    const callback = await signIn(new Browser(), { url: await authorize(relaxed, {}) }, 'ada@example.com');
    const tokens = await oidc.authorizationCodeGrant(relaxed.config, callback, { expectedState: 's4' });
    expect(tokens.claims()?.sub).toBe(account.id);
    const refused = new URL((await new Browser().request((await authorize(strict, { nonce: 'n-1' })).toString())).headers.get('location')!);
    expect(refused.searchParams.get('error_description')).toMatch(/PKCE/i);
    await expect(server.services.clients.create({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', require_pkce: false })).rejects.toThrow(/public client always uses PKCE/);
    await expect(server.services.clients.create({ redirect_uris: [REDIRECT_URI], require_pkce: 'no' })).rejects.toThrow(/true or false/);
  });

  test('plain PKCE is refused', async () => {
    const url = new URL(`${server.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: web.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }).toString();
    const location = new URL((await new Browser().request(url.toString())).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  test.each(['token', 'id_token', 'code id_token', 'code token'])('response_type=%s (implicit or hybrid) is refused', async (responseType) => {
    const request = await authorizationRequest(web, { response_type: responseType });
    const page = await new Browser().request(request.url.toString());
    const location = page.headers.get('location');
    if (location) expect(new URL(location).searchParams.get('error') ?? new URLSearchParams(new URL(location).hash.slice(1)).get('error')).toMatch(/unsupported_response_type|invalid_request|unauthorized_client/);
    else expect(page.status).toBe(400);
  });

  test('prompt=none without a session answers login_required', async () => {
    const request = await authorizationRequest(web, { prompt: 'none' });
    const location = new URL((await new Browser().request(request.url.toString())).headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('login_required');
  });

  test('max_age=0 asks a signed-in user to sign in again', async () => {
    const browser = new Browser();
    await signIn(browser, await authorizationRequest(web), 'ada@example.com');
    const page = await browser.follow((await authorizationRequest(web, { max_age: '0' })).url.toString(), isCallback);
    expect(isCallback(page.url)).toBe(false);
    expect(page.html).toContain('name="password"');
  });

  test('prompt=login asks a signed-in user to sign in again', async () => {
    const browser = new Browser();
    await signIn(browser, await authorizationRequest(web), 'ada@example.com');
    const page = await browser.follow((await authorizationRequest(web, { prompt: 'login' })).url.toString(), isCallback);
    expect(page.html).toContain('name="password"');
  });
});

describe('the token endpoint', () => {
  test('a code can be used once; its reuse revokes the tokens it gave', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(web);
    const callback = await signIn(browser, request, 'ada@example.com');
    const tokens = await exchange(web, callback, request);
    await expect(exchange(web, callback, request)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspection = await oidc.tokenIntrospection(web.config, tokens.access_token);
    expect(introspection.active).toBe(false);
  });

  test('a code is bound to its PKCE verifier', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(web);
    const callback = await signIn(browser, request, 'ada@example.com');
    await expect(
      oidc.authorizationCodeGrant(web.config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: request.state }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('a wrong client secret is refused with invalid_client', async () => {
    const wrong = await oidc.discovery(new URL(server.issuer), web.clientId, {}, oidc.ClientSecretBasic('x'.repeat(43)), { execute: [oidc.allowInsecureRequests] });
    const failure = (await oidc.clientCredentialsGrant(wrong).catch((e: unknown) => e)) as oidc.WWWAuthenticateChallengeError;
    expect(failure.status).toBe(401);
    expect(failure.cause[0]?.parameters.error).toBe('invalid_client');
  });

  test('the password grant does not exist', async () => {
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'ada@example.com', password: PASSWORD }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });
});

describe('refresh tokens', () => {
  async function offlineTokens() {
    const browser = new Browser();
    const request = await authorizationRequest(web, { scope: 'openid offline_access', prompt: 'consent' });
    const callback = await signIn(browser, request, 'ada@example.com');
    const tokens = await exchange(web, callback, request);
    expect(tokens.refresh_token).toBeTruthy();
    return tokens;
  }

  test('every refresh rotates the refresh token', async () => {
    const first = await offlineTokens();
    const second = await oidc.refreshTokenGrant(web.config, first.refresh_token!);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const third = await oidc.refreshTokenGrant(web.config, second.refresh_token!);
    expect(third.access_token).toBeTruthy();
  });

  test('reusing a rotated refresh token revokes the whole family', async () => {
    const first = await offlineTokens();
    const second = await oidc.refreshTokenGrant(web.config, first.refresh_token!);
    await expect(oidc.refreshTokenGrant(web.config, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(web.config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(web.config, second.access_token)).active).toBe(false);
    // The reuse is a security event: it is in the audit trail, with the account and the client.
    const deadline = Date.now() + 10_000;
    let events: Awaited<ReturnType<typeof server.services.audit.page>>['items'] = [];
    while (events.length === 0 && Date.now() < deadline) {
      events = (await server.services.audit.page({ limit: 5 }, { action: 'refresh_token.reuse_detected' })).items;
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(events[0]).toMatchObject({ actor: `client:${web.clientId}`, target: account.id, outcome: 'failure' });
  });

  test('two concurrent uses of one refresh token cannot both succeed', async () => {
    const first = await offlineTokens();
    const results = await Promise.allSettled([
      oidc.refreshTokenGrant(web.config, first.refresh_token!),
      oidc.refreshTokenGrant(web.config, first.refresh_token!),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
  });
});

describe('introspection, revocation and logout', () => {
  test('introspection reports an active token, revocation ends it', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(web);
    const tokens = await exchange(web, await signIn(browser, request, 'ada@example.com'), request);
    const active = await oidc.tokenIntrospection(web.config, tokens.access_token);
    expect(active).toMatchObject({ active: true, sub: account.id, client_id: web.clientId });
    await oidc.tokenRevocation(web.config, tokens.access_token);
    expect((await oidc.tokenIntrospection(web.config, tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(web.config, tokens.access_token, account.id)).rejects.toBeDefined();
  });

  test('RP-initiated logout shows a confirmation, ends the session and returns to the client', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(web);
    const tokens = await exchange(web, await signIn(browser, request, 'ada@example.com'), request);
    const endSession = oidc.buildEndSessionUrl(web.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9999/bye', state: 'bye-state' });
    const confirm = await browser.follow(endSession.toString());
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain('Sign out');
    const done = await browser.submit(confirm, /\/session\/end\/confirm$/, { logout: 'yes' }, (next) => next.startsWith('http://127.0.0.1:9999/bye'));
    const back = new URL(done.url);
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:9999/bye');
    expect(back.searchParams.get('state')).toBe('bye-state');

    const afterLogout = await browser.follow((await authorizationRequest(web, { prompt: 'none' })).url.toString(), isCallback);
    expect(new URL(afterLogout.url).searchParams.get('error')).toBe('login_required');
  });

  test('signed out without a post_logout_redirect_uri: the page leads back to the app when it has a home page', async () => {
    const homely = await registerClient(server, { client_name: 'Homely', client_uri: 'https://homely.example/', redirect_uris: [REDIRECT_URI] });
    const browser = new Browser();
    const request = await authorizationRequest(homely);
    const tokens = await exchange(homely, await signIn(browser, request, 'ada@example.com'), request);
    const confirm = await browser.follow(oidc.buildEndSessionUrl(homely.config, { id_token_hint: tokens.id_token! }).toString());
    // Signing out of this application only: oidc-provider then names it to the signed-out page.
    const done = await browser.submit(confirm, /\/session\/end\/confirm$/);
    expect(done.status).toBe(200);
    expect(done.html).toContain('Signed out');
    expect(done.html).toContain('of <strong>Homely</strong>');
    expect(done.html).toContain('<a href="https://homely.example/">Back to Homely</a>');
  });
});

describe('accounts disabled while signed in', () => {
  test('prompt=none answers login_required and a normal request asks to sign in again', async () => {
    await createUser(server, 'later-off@example.com');
    const browser = new Browser();
    await signIn(browser, await authorizationRequest(web), 'later-off@example.com');
    await server.services.accounts.setDisabled('later-off@example.com', true);
    const silent = await browser.request((await authorizationRequest(web, { prompt: 'none' })).url.toString());
    expect(new URL(silent.headers.get('location')!).searchParams.get('error')).toBe('login_required');
    const page = await browser.follow((await authorizationRequest(web)).url.toString(), isCallback);
    expect(page.status).toBe(200);
    expect(page.html).toContain('name="password"');
  });

  test('their access tokens introspect as inactive', async () => {
    await createUser(server, 'intro-off@example.com');
    const request = await authorizationRequest(web);
    const tokens = await exchange(web, await signIn(new Browser(), request, 'intro-off@example.com'), request);
    expect((await oidc.tokenIntrospection(web.config, tokens.access_token)).active).toBe(true);
    await server.services.accounts.setDisabled('intro-off@example.com', true);
    expect((await oidc.tokenIntrospection(web.config, tokens.access_token)).active).toBe(false);
  });
});
