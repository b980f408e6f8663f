import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * REFRESH_TOKEN_REUSE_GRACE: a client that retries a refresh, or refreshes in parallel, with the
 * token it just rotated keeps a usable token of the same grant inside the window; after it, reuse
 * revokes the grant as strict rotation does (authorization-code.test.ts covers the strict default).
 */
const GRACE_SECONDS = 2;
let server: TestServer;
let web: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer({ REFRESH_TOKEN_REUSE_GRACE: String(GRACE_SECONDS) });
  await createUser(server, 'grace@example.com');
  web = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
});
afterAll(() => server.close());

async function offlineTokens() {
  const request = await authorizationRequest(web, { scope: 'openid offline_access', prompt: 'consent' });
  const tokens = await exchange(web, await signIn(new Browser(), request, 'grace@example.com'), request);
  expect(tokens.refresh_token).toBeTruthy();
  return tokens;
}

const isActive = async (token: string) => (await oidc.tokenIntrospection(web.config, token)).active;

test('20 parallel refreshes with one token all get tokens of the same grant, and every new refresh token works', async () => {
  const first = await offlineTokens();
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => oidc.refreshTokenGrant(web.config, first.refresh_token!)));
  const rejected = results.filter((result) => result.status === 'rejected');
  expect(rejected).toEqual([]);
  const refreshed = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  expect(new Set(refreshed.map((tokens) => tokens.refresh_token)).size).toBe(20);
  for (const tokens of refreshed) expect(await isActive(tokens.access_token)).toBe(true);
  const next = await oidc.refreshTokenGrant(web.config, refreshed[7]!.refresh_token!);
  expect(next.access_token).toBeTruthy();
  expect(await isActive(first.access_token)).toBe(true);
});

test('a retry inside the window works; a reuse after it revokes the whole grant', async () => {
  const first = await offlineTokens();
  const second = await oidc.refreshTokenGrant(web.config, first.refresh_token!);
  const retried = await oidc.refreshTokenGrant(web.config, first.refresh_token!);
  expect(retried.refresh_token).not.toBe(second.refresh_token);

  await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS + 1.5) * 1000));
  await expect(oidc.refreshTokenGrant(web.config, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  await expect(oidc.refreshTokenGrant(web.config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  await expect(oidc.refreshTokenGrant(web.config, retried.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect(await isActive(second.access_token)).toBe(false);
});

test('the window counts from the first use: reusing inside it does not move it', async () => {
  const first = await offlineTokens();
  await oidc.refreshTokenGrant(web.config, first.refresh_token!);
  await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS - 0.8) * 1000));
  await oidc.refreshTokenGrant(web.config, first.refresh_token!);
  await new Promise((resolve) => setTimeout(resolve, 2300));
  await expect(oidc.refreshTokenGrant(web.config, first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});
