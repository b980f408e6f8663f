import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, isCallback, REDIRECT_URI, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// F3 and F4: what should end access ends it, for good.
let server: TestServer;
let web: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer();
  web = await registerClient(server, { client_id: 'web-app', grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email offline_access' });
});
afterAll(() => server.close());

interface SignedIn {
  readonly browser: Browser;
  readonly tokens: oidc.TokenEndpointResponse;
}

async function signedIn(client: RegisteredClient, email: string): Promise<SignedIn> {
  const browser = new Browser();
  const request = await authorizationRequest(client, { scope: 'openid email offline_access', prompt: 'consent' });
  const tokens = await exchange(client, await signIn(browser, request, email), request);
  return { browser, tokens };
}

/** The answer to a silent authorization request with this browser's session. */
async function silentAuthorization(client: RegisteredClient, browser: Browser): Promise<URL> {
  const request = await authorizationRequest(client, { prompt: 'none' });
  const page = await browser.follow(request.url.toString(), isCallback);
  expect(isCallback(page.url)).toBe(true);
  return new URL(page.url);
}

async function expectEverythingDead(client: RegisteredClient, { browser, tokens }: SignedIn): Promise<void> {
  expect((await silentAuthorization(client, browser)).searchParams.get('error')).toBe('login_required');
  await expect(oidc.refreshTokenGrant(client.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  await expect(oidc.fetchUserInfo(client.config, tokens.access_token, oidc.skipSubjectCheck)).rejects.toBeDefined();
  expect((await oidc.tokenIntrospection(client.config, tokens.refresh_token!)).active).toBe(false);
}

describe('ending an account\'s access (F3)', () => {
  test('before anything ends, the session, refresh token and access token all work', async () => {
    await createUser(server, 'control@example.com');
    const session = await signedIn(web, 'control@example.com');
    expect((await silentAuthorization(web, session.browser)).searchParams.get('code')).toBeTruthy();
    await expect(oidc.fetchUserInfo(web.config, session.tokens.access_token, oidc.skipSubjectCheck)).resolves.toBeDefined();
    await expect(oidc.refreshTokenGrant(web.config, session.tokens.refresh_token!)).resolves.toBeDefined();
  });

  test('a password change ends every session and grant; the new password signs in afresh', async () => {
    await createUser(server, 'pw@example.com');
    const session = await signedIn(web, 'pw@example.com');
    await server.services.accounts.setPassword('pw@example.com', 'a brand new passphrase');
    await expectEverythingDead(web, session);
    await expect(signedIn(web, 'pw@example.com')).rejects.toThrow();
    const fresh = new Browser();
    const request = await authorizationRequest(web);
    await expect(exchange(web, await signIn(fresh, request, 'pw@example.com', 'a brand new passphrase'), request)).resolves.toBeDefined();
  });

  test('disable then enable brings nothing back', async () => {
    await createUser(server, 'paused@example.com');
    const session = await signedIn(web, 'paused@example.com');
    await server.services.accounts.setDisabled('paused@example.com', true);
    await server.services.accounts.setDisabled('paused@example.com', false);
    await expectEverythingDead(web, session);
  });

  test('sign-out everywhere ends every session of the account, and only of that account', async () => {
    await createUser(server, 'everywhere@example.com');
    await createUser(server, 'bystander@example.com');
    const first = await signedIn(web, 'everywhere@example.com');
    const second = await signedIn(web, 'everywhere@example.com');
    const bystander = await signedIn(web, 'bystander@example.com');
    await server.services.accounts.signOutEverywhere('everywhere@example.com');
    await expectEverythingDead(web, first);
    await expectEverythingDead(web, second);
    expect((await silentAuthorization(web, bystander.browser)).searchParams.get('code')).toBeTruthy();
    await expect(oidc.refreshTokenGrant(web.config, bystander.tokens.refresh_token!)).resolves.toBeDefined();
  });

  test('deleting an account ends everything it had', async () => {
    await createUser(server, 'leaving@example.com');
    const session = await signedIn(web, 'leaving@example.com');
    await server.services.accounts.delete('leaving@example.com');
    await expectEverythingDead(web, session);
    await expect(server.services.accounts.resolve('leaving@example.com')).rejects.toThrow(/no account/);
  });
});

describe('deleting a client (F4)', () => {
  test('its tokens stay dead when a client with the same client_id is registered again', async () => {
    await createUser(server, 'spa-user@example.com');
    const spa = await registerClient(server, { client_id: 'spa', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email offline_access' });
    const { tokens } = await signedIn(spa, 'spa-user@example.com');
    await server.services.clients.delete('spa');
    const reborn = await registerClient(server, { client_id: 'spa', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email offline_access' });
    await expect(oidc.refreshTokenGrant(reborn.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(reborn.config, tokens.access_token, oidc.skipSubjectCheck)).rejects.toBeDefined();
  });

  test('a client-credentials token of a deleted client stays dead after re-registration', async () => {
    await server.services.resources.create({ identifier: 'https://opaque.example.test', scopes: ['o:read'], tokenFormat: 'opaque' });
    const metadata = { client_id: 'batch-job', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'o:read', audience: ['https://opaque.example.test'] };
    const job = await registerClient(server, metadata);
    const { access_token } = await oidc.clientCredentialsGrant(job.config, { resource: 'https://opaque.example.test', scope: 'o:read' });
    await server.services.clients.delete('batch-job');
    const reborn = await registerClient(server, metadata);
    expect((await oidc.tokenIntrospection(reborn.config, access_token)).active).toBe(false);
  });

  test('a client is edited in place: a new redirect URI works without a new client_id', async () => {
    await createUser(server, 'edit@example.com');
    const app = await registerClient(server, { grant_types: ['authorization_code'], redirect_uris: ['http://127.0.0.1:9999/old'] });
    await server.services.clients.update(app.clientId, { redirect_uris: [REDIRECT_URI] });
    const request = await authorizationRequest(app);
    await expect(exchange(app, await signIn(new Browser(), request, 'edit@example.com'), request)).resolves.toBeDefined();
  });
});
