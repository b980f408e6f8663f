import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Browser } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { authorizationRequest, createUser, exchange, PASSWORD, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * OpenID Connect Back-Channel Logout 1.0: signing out posts a logout token to the client's
 * backchannel_logout_uri (an app on a loopback address here, allowed by OUTBOUND_ALLOW_HOSTS); a
 * failed delivery is tried again in the background.
 */
let server: TestServer;
let app: Server;
let appPort: number;
const received: { token: string; at: number }[] = [];
let failuresToAnswer = 0;
const EMAIL = 'backchannel@example.com';

beforeAll(async () => {
  appPort = await freePort();
  app = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ token: new URLSearchParams(body).get('logout_token') ?? '', at: Date.now() });
      if (failuresToAnswer > 0) {
        failuresToAnswer -= 1;
        response.writeHead(503).end();
      } else response.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
  server = await startTestServer({ OUTBOUND_ALLOW_HOSTS: `127.0.0.1:${appPort}` });
  await createUser(server, EMAIL);
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => app.close(resolve));
});

const backchannelClient = () =>
  registerClient(server, {
    post_logout_redirect_uris: ['http://127.0.0.1:9999/bye'],
    backchannel_logout_uri: `http://127.0.0.1:${appPort}/backchannel`,
    backchannel_logout_session_required: true,
  });

/** Signs in, then signs out through /session/end and its confirmation form; returns the ID token's sid. */
async function signInAndOut(client: RegisteredClient): Promise<{ sid: string; sub: string }> {
  const browser = new Browser();
  const request = await authorizationRequest(client);
  const tokens = await exchange(client, await signIn(browser, request, EMAIL), request);
  const claims = tokens.claims()!;
  const confirm = await browser.follow(`${server.issuer}/session/end?client_id=${client.clientId}&post_logout_redirect_uri=${encodeURIComponent('http://127.0.0.1:9999/bye')}`);
  const done = await browser.submit(confirm, /\/session\/end\/confirm$/, { logout: 'yes' }, (next) => next.startsWith('http://127.0.0.1:9999/bye'));
  expect(done.url).toMatch(/^http:\/\/127\.0\.0\.1:9999\/bye/);
  return { sid: claims.sid as string, sub: claims.sub };
}

test('signing out posts a logout token the app can verify: iss, aud, sub, sid, the event, no nonce', async () => {
  received.length = 0;
  const client = await backchannelClient();
  const { sid, sub } = await signInAndOut(client);
  expect(received).toHaveLength(1);
  const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  const { payload, protectedHeader } = await jwtVerify(received[0]!.token, jwks, { issuer: server.issuer, audience: client.clientId, typ: 'logout+jwt' });
  expect(protectedHeader.typ).toBe('logout+jwt');
  expect(payload).toMatchObject({ sub, sid, events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
  expect(payload.nonce).toBeUndefined();
  expect(typeof payload.jti).toBe('string');
});

test('a failed delivery is tried again later, with a fresh logout token', async () => {
  received.length = 0;
  failuresToAnswer = 1;
  const client = await backchannelClient();
  await signInAndOut(client);
  const deadline = Date.now() + 8_000;
  while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(received).toHaveLength(2);
  expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(1_900);
  expect(received[1]!.token).not.toBe(received[0]!.token);
});

test.each([
  ['sign out everywhere', (accountId: string) => server.services.accounts.signOutEverywhere(accountId)],
  ['a password change', (accountId: string) => server.services.accounts.setPassword(accountId, 'another long enough passphrase')],
])('sessions ended by %s get a logout token too', async (_name, end) => {
  received.length = 0;
  const client = await backchannelClient();
  const browser = new Browser();
  const request = await authorizationRequest(client);
  const claims = (await exchange(client, await signIn(browser, request, EMAIL), request)).claims()!;
  await end(claims.sub);
  const deadline = Date.now() + 5_000;
  while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(received).toHaveLength(1);
  const { payload } = await jwtVerify(received[0]!.token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: client.clientId });
  expect(payload).toMatchObject({ sub: claims.sub, sid: claims.sid });
  if (_name === 'a password change') await server.services.accounts.setPassword(claims.sub, PASSWORD);
});

test('a browser signed out from the account page gets its apps a logout token for its session', async () => {
  received.length = 0;
  const client = await backchannelClient();
  const phone = new Browser();
  const request = await authorizationRequest(client);
  const claims = (await exchange(client, await signIn(phone, request, EMAIL), request)).claims()!;
  const laptop = new Browser();
  let account = await laptop.follow(`${server.issuer}/account`);
  account = await laptop.submit(account, /\/login$/, { email: EMAIL, password: PASSWORD });
  const other = Browser.forms(account).find((form) => /\/account\/sessions\/sign-out$/.test(form.action) && form.fields.session);
  expect(other).toBeDefined();
  const after = await laptop.submit(account, /\/account\/sessions\/sign-out$/, { session: other!.fields.session! });
  expect(after.status).toBe(200);
  const deadline = Date.now() + 5_000;
  while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(received).toHaveLength(1);
  const { payload } = await jwtVerify(received[0]!.token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: client.clientId });
  expect(payload).toMatchObject({ sub: claims.sub, sid: claims.sid });
});

test('"No, only of the app" signs out of the asking app only: it gets its logout token, the browser stays signed in', async () => {
  received.length = 0;
  const client = await backchannelClient();
  const browser = new Browser();
  const request = await authorizationRequest(client);
  const claims = (await exchange(client, await signIn(browser, request, EMAIL), request)).claims()!;
  const confirm = await browser.follow(`${server.issuer}/session/end?client_id=${client.clientId}&post_logout_redirect_uri=${encodeURIComponent('http://127.0.0.1:9999/bye')}`);
  expect(confirm.html).toContain('Yes, sign out of everything');
  expect(confirm.html).toMatch(/No, only of [^<]+</);
  const done = await browser.submit(confirm, /\/session\/end\/confirm$/, {}, (next) => next.startsWith('http://127.0.0.1:9999/bye'));
  expect(done.url).toMatch(/^http:\/\/127\.0\.0\.1:9999\/bye/);
  const deadline = Date.now() + 5_000;
  while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(received).toHaveLength(1);
  const { payload } = await jwtVerify(received[0]!.token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: client.clientId });
  expect(payload).toMatchObject({ sid: claims.sid });
  const other = await backchannelClient();
  const silent = await authorizationRequest(other, { prompt: 'none' });
  const back = await browser.follow(silent.url.toString(), (next) => next.startsWith('http://127.0.0.1:9999/callback'));
  expect(new URL(back.url).searchParams.get('error')).not.toBe('login_required');
});

test('discovery advertises back-channel logout with sessions', async () => {
  const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  expect(metadata).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
});
