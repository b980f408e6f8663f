import { Writable } from 'node:stream';
import * as oidc from 'openid-client';
import { createLogger } from '../../src/observability/logger.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, isCallback, PASSWORD, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString('utf8'));
    done();
  },
});

let server: TestServer;
let web: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer({ LOGIN_MAX_ATTEMPTS: '3' }, { logger: createLogger('trace', capture) });
  await createUser(server, 'log@example.com');
  web = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] });
});
afterAll(() => server.close());

test('logs carry requests and events but never a password, secret, code or token', async () => {
  const browser = new Browser();
  const request = await authorizationRequest(web, { scope: 'openid offline_access', prompt: 'consent' });
  const callback = await signIn(browser, request, 'log@example.com');
  const tokens = await exchange(web, callback, request);
  const refreshed = await oidc.refreshTokenGrant(web.config, tokens.refresh_token!);
  await oidc.tokenIntrospection(web.config, refreshed.access_token);
  const secrets = [PASSWORD, web.clientSecret!, callback.searchParams.get('code')!, tokens.access_token, tokens.refresh_token!, tokens.id_token!, refreshed.access_token, refreshed.refresh_token!, request.verifier];
  const log = lines.join('');
  expect(log).toContain('"path":"/token"');
  expect(log).toContain('login.success');
  for (const secret of secrets) expect(log).not.toContain(secret);
  // The session cookie is a bearer credential; interaction cookies only repeat the uid in the URL.
  const session = browser.cookieHeader().split('; ').find((cookie) => cookie.startsWith('portcullis.session='));
  expect(session).toBeDefined();
  expect(log).not.toContain(session!.split('=')[1]);
});

test('repeated failed logins for one email are throttled with 429 and Retry-After', async () => {
  const browser = new Browser();
  const login = await browser.follow((await authorizationRequest(web)).url.toString(), isCallback);
  const statuses: number[] = [];
  let last = login;
  for (let attempt = 0; attempt < 4; attempt += 1) {
    last = await browser.submit(login, /\/login$/, { email: 'log@example.com', password: `wrong-${attempt}` });
    statuses.push(last.status);
  }
  expect(statuses).toEqual([401, 401, 401, 429]);
  expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  // Even the right password waits until the window passes.
  const blocked = await browser.submit(login, /\/login$/, { email: 'log@example.com', password: PASSWORD });
  expect(blocked.status).toBe(429);
});

test('parallel guesses cannot slip past the limit', async () => {
  await createUser(server, 'parallel@example.com');
  const browser = new Browser();
  const login = await browser.follow((await authorizationRequest(web)).url.toString(), isCallback);
  const pages = await Promise.all(Array.from({ length: 12 }, (_, i) => browser.submit(login, /\/login$/, { email: 'parallel@example.com', password: `guess-${i}` })));
  const statuses = pages.map((page) => page.status);
  expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(3);
  expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(9);
});

test('a forged X-Forwarded-For does not reset the count', async () => {
  await createUser(server, 'forged@example.com');
  const browser = new Browser();
  const login = await browser.follow((await authorizationRequest(web)).url.toString(), isCallback);
  const form = Browser.forms(login).find((f) => f.action.endsWith('/login'))!;
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const page = await browser.request(form.action, { form: { ...form.fields, email: 'forged@example.com', password: `x-${attempt}` }, headers: { 'x-forwarded-for': `10.0.0.${attempt}` } });
    statuses.push(page.status);
  }
  expect(statuses.slice(3)).toEqual([429, 429]);
});

test('a refused code exchange is logged with its real reason, never the code', async () => {
  await createUser(server, 'detail@example.com');
  const request = await authorizationRequest(web, { scope: 'openid' });
  const callback = await signIn(new Browser(), request, 'detail@example.com');
  const code = callback.searchParams.get('code')!;
  // A wrong PKCE verifier: the answer says "invalid_grant"; the log says why.
  await expect(oidc.authorizationCodeGrant(web.config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: request.state })).rejects.toMatchObject({ error: 'invalid_grant' });
  const refusal = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.event === 'grant.error' && typeof entry.detail === 'string');
  expect(refusal).toMatchObject({ error: 'invalid_grant', detail: 'code_verifier does not match code_challenge' });
  expect(lines.join('')).not.toContain(code);
});
