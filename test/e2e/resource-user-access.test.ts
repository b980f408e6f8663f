import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * `user_access: any-client`: an API (an MCP server) whose clients register themselves admits any
 * client in a user's flow, with the user's consent; machine tokens and token exchange still need the
 * client's `audience`, and an API left at `listed-clients` admits only the clients that list it.
 */
const MCP = 'https://mcp.example.test/mcp';
const LISTED = 'https://listed.example.test';
const EMAIL = 'user-access@example.com';
let server: TestServer;
let stranger: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer();
  await createUser(server, EMAIL);
  await server.services.resources.create({ identifier: MCP, scopes: ['mcp:tools', 'mcp:admin'], userAccess: 'any-client', accessTokenTtl: 300 });
  await server.services.resources.create({ identifier: LISTED, scopes: ['listed:read'] });
  // Like a client that registered itself: no audience, no API scopes in its metadata.
  stranger = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], scope: 'openid offline_access' });
});
afterAll(() => server.close());

test('any client gets a user token for an any-client API after the user consents to its scopes: audience-bound, short, refreshable', async () => {
  const browser = new Browser();
  const request = await authorizationRequest(stranger, { scope: 'openid offline_access mcp:tools', resource: MCP, prompt: 'consent' });
  let page = await browser.follow(request.url.toString(), (next) => next.startsWith('http://127.0.0.1:9999/callback'));
  page = await browser.submit(page, /\/login$/, { email: EMAIL, password: 'correct horse battery staple' }, (next) => next.startsWith('http://127.0.0.1:9999/callback'));
  expect(page.html).toContain('mcp:tools');
  expect(Browser.forms(page).some((form) => /\/confirm$/.test(form.action))).toBe(true);
  const callback = await signIn(browser, { url: request.url }, EMAIL);
  const tokens = await exchange(stranger, callback, request);
  const claims = decodeJwt(tokens.access_token);
  expect(claims).toMatchObject({ aud: MCP, scope: 'mcp:tools', client_id: stranger.clientId });
  expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
  const refreshed = await oidc.refreshTokenGrant(stranger.config, tokens.refresh_token!, { resource: MCP });
  expect(decodeJwt(refreshed.access_token)).toMatchObject({ aud: MCP, scope: 'mcp:tools' });
});

test('a listed-clients API still refuses a client whose audience does not list it', async () => {
  const request = await authorizationRequest(stranger, { scope: 'openid listed:read', resource: LISTED });
  const answer = await new Browser().request(request.url.toString());
  expect(new URL(answer.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
});

test('client_credentials for an any-client API still needs the client audience', async () => {
  await expect(oidc.clientCredentialsGrant(stranger.config, { resource: MCP, scope: 'mcp:tools' })).rejects.toMatchObject({ error: 'invalid_target' });
});

test('user_access is shown and changed through the admin registry, and only to a known value', async () => {
  expect((await server.services.resources.find(MCP))?.userAccess).toBe('any-client');
  expect((await server.services.resources.find(LISTED))?.userAccess).toBe('listed-clients');
  await expect(server.services.resources.update(LISTED, { userAccess: 'everyone' as never })).rejects.toThrow();
  const changed = await server.services.resources.update(LISTED, { userAccess: 'any-client' });
  expect(changed.userAccess).toBe('any-client');
  await server.services.resources.update(LISTED, { userAccess: 'listed-clients' });
});
