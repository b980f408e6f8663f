import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { pageCspFor } from '../../src/pages/page-policy.ts';
import { rawRequest } from '../support/raw-http.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, isCallback, PASSWORD, registerClient, REDIRECT_URI, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// F6 (request size and rate at the endpoints that store requests), F7 (URLs from ISSUER, not the
// Host header), F8 (control characters and invalid UTF-8 refused before any lookup), F11 (forwarded
// headers believed only from listed proxies), and an https ISSUER reached over plain http.
let server: TestServer;
let client: RegisteredClient;
const basic = () => `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

const authorizeUrl = (issuer: string, clientId: string, extra: Record<string, string> = {}) =>
  `${issuer}/auth?${String(new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...extra }))}`;

beforeAll(async () => {
  server = await startTestServer({ AUTHORIZATION_RATE_LIMIT: '30', TRUST_PROXY: '127.0.0.9' });
  client = await registerClient(server, { grant_types: ['client_credentials', 'authorization_code'] });
});
afterAll(async () => {
  await server.close();
  await secure?.close();
});

describe('F6: authorization requests are bounded before anything is stored', () => {
  test('a parameter longer than 2 KB is refused with invalid_request on a page', async () => {
    const response = await rawRequest(authorizeUrl(server.issuer, client.clientId, { state: 'x'.repeat(2049) }));
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/html/);
    expect(response.body).toContain('invalid_request');
  });

  test.each(['/AUTH', '/Auth/', '/auth/'])('%s is the same endpoint, bounded the same way', async (path) => {
    const response = await rawRequest(authorizeUrl(server.issuer, client.clientId, { state: 'x'.repeat(2049) }).replace('/auth?', `${path}?`));
    expect(response.status).toBe(400);
    expect(response.body).toContain('invalid_request');
  });

  test('more than 8 KB in all is refused', async () => {
    const many = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, 'y'.repeat(1500)]));
    expect((await rawRequest(authorizeUrl(server.issuer, client.clientId, many))).status).toBe(400);
  });

  test.each(['/request', '/REQUEST', '/request/'])('a pushed authorization request at %s is bounded the same way, in JSON', async (path) => {
    const body = new URLSearchParams({ client_id: client.clientId, response_type: 'code', redirect_uri: REDIRECT_URI, nonce: 'n'.repeat(3000) }).toString();
    const response = await rawRequest(`${server.issuer}${path}`, { method: 'POST', headers: { ...form, authorization: basic() }, body });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
  });

  test('an interaction lives ten minutes by default', () => {
    expect(server.services.config.ttl.interaction).toBe(600);
  });

  test('/auth is rate limited per client address, and other addresses are not affected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i += 1) statuses.push((await rawRequest(authorizeUrl(server.issuer, client.clientId), { localAddress: '127.0.0.3' })).status);
    expect(statuses.slice(0, 30).every((status) => status !== 429)).toBe(true);
    const limited = await rawRequest(authorizeUrl(server.issuer, client.clientId), { localAddress: '127.0.0.3' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await rawRequest(authorizeUrl(server.issuer, client.clientId), { localAddress: '127.0.0.4' })).status).not.toBe(429);
  });
});

describe('F11: forwarded headers are believed only from listed proxies', () => {
  test('a direct client rotating X-Forwarded-For is still one address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i += 1) {
      statuses.push((await rawRequest(authorizeUrl(server.issuer, client.clientId), { localAddress: '127.0.0.5', headers: { 'x-forwarded-for': `203.0.113.${i}` } })).status);
    }
    expect(statuses).toContain(429);
  });

  test('through a listed proxy, each forwarded client counts on its own', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i += 1) {
      statuses.push((await rawRequest(authorizeUrl(server.issuer, client.clientId), { localAddress: '127.0.0.9', headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
    }
    expect(statuses).not.toContain(429);
  });
});

describe('F7: every URL is built from ISSUER', () => {
  test('discovery ignores Host and X-Forwarded-Host, and may be cached', async () => {
    const variants: Array<Record<string, string>> = [{ host: 'evil.example' }, { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }];
    for (const headers of variants) {
      for (const localAddress of ['127.0.0.1', '127.0.0.9']) {
        const response = await rawRequest(`${server.issuer}/.well-known/openid-configuration`, { headers, localAddress });
        expect(response.status).toBe(200);
        expect(response.body).not.toContain('evil.example');
        const discovery = JSON.parse(response.body) as Record<string, unknown>;
        expect(discovery.token_endpoint).toBe(`${server.issuer}/token`);
        expect(discovery.jwks_uri).toBe(`${server.issuer}/jwks`);
        expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
      }
    }
    expect((await rawRequest(`${server.issuer}/jwks`, { headers: { host: 'evil.example' } })).headers['cache-control']).toMatch(/max-age=\d+/);
  });

  test('an absolute-form request target does not set the URLs either', async () => {
    for (const target of ['http://evil.example/.well-known/openid-configuration', 'https://evil.example:8443/.well-known/openid-configuration']) {
      const response = await rawRequest(`${server.issuer}/`, { target, headers: { host: 'evil.example' } });
      expect(response.status).toBe(200);
      expect(response.body).not.toContain('evil.example');
      expect(JSON.parse(response.body).token_endpoint).toBe(`${server.issuer}/token`);
    }
  });
});

describe('F8: control characters and invalid UTF-8 never reach a lookup', () => {
  const expectClientError = (status: number) => {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  };

  test.each([
    ['/auth', 'client_id=bad%00id&response_type=code'],
    ['/session/end', 'client_id=bad%00id'],
    ['/auth', 'client_id=%FF%FE&response_type=code'],
  ])('GET %s?%s answers a page with a 4xx', async (path, query) => {
    const response = await rawRequest(`${server.issuer}${path}?${query}`);
    expectClientError(response.status);
    expect(response.headers['content-type']).toMatch(/html/);
  });

  test.each([
    ['/token', 'grant_type=client_credentials&client_id=bad%00id&client_secret=x'],
    ['/token', 'grant_type=client_credentials&resource=https%3A%2F%2Fapi%00.example'],
    ['/request', 'client_id=bad%00id&client_secret=x&response_type=code'],
    ['/token/introspection', 'token=abc%00def'],
  ])('POST %s with %s answers OAuth JSON with a 4xx', async (path, body) => {
    const headers = body.includes('client_id=') ? form : { ...form, authorization: basic() };
    const response = await rawRequest(`${server.issuer}${path}`, { method: 'POST', headers, body });
    expectClientError(response.status);
    expect(JSON.parse(response.body)).toHaveProperty('error');
  });

  test('a NUL in the login form\'s email is refused at the boundary, not a database error', async () => {
    const browser = new Browser();
    const login = await browser.follow(authorizeUrl(server.issuer, client.clientId), isCallback);
    const answer = await browser.submit(login, /\/login$/, { email: 'ada\u0000@example.com', password: PASSWORD });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/html/);
    expect(answer.html).toContain('invalid_request');
  });

  test('a NUL in Basic credentials is an invalid client, not a database error', async () => {
    const authorization = `Basic ${Buffer.from('bad\u0000id:secret').toString('base64')}`;
    const response = await rawRequest(`${server.issuer}/token`, { method: 'POST', headers: { ...form, authorization }, body: 'grant_type=client_credentials' });
    expectClientError(response.status);
  });
});

// Also serves the connection-limit test (HTTP_HEADERS_TIMEOUT_MS).
let secure: TestServer;
describe('an https ISSUER reached over plain http', () => {
  beforeAll(async () => {
    secure = await startTestServer({ ISSUER: 'https://id.example.test', TRUST_PROXY: '127.0.0.9', HTTP_HEADERS_TIMEOUT_MS: '1000' });
  });

  test('gets a clear 400 naming the fix instead of a 500', async () => {
    const base = secure.running.url;
    const response = await rawRequest(`${base}/auth?client_id=x`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    expect(response.body).toContain('TRUST_PROXY');
    const api = await rawRequest(`${base}/token`, { method: 'POST', headers: form, body: 'grant_type=client_credentials' });
    expect(api.status).toBe(400);
    expect(JSON.parse(api.body).error_description).toMatch(/plain http/);
    expect((await rawRequest(`${base}/healthz`)).status).toBe(200);
  });

  test('works through a listed proxy that says https', async () => {
    const response = await rawRequest(`${secure.running.url}/.well-known/openid-configuration`, { localAddress: '127.0.0.9', headers: { 'x-forwarded-proto': 'https' } });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).issuer).toBe('https://id.example.test');
  });
});

describe('connections', () => {
  test('a client that never finishes its headers is cut off (HTTP_HEADERS_TIMEOUT_MS)', async () => {
    const { port } = new URL(secure.running.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const answer: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answer.push(chunk));
    // Closed by the server long before this test's own timeout; the header was never finished.
    await once(socket, 'close');
    expect(Buffer.concat(answer).toString()).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('pages rendered through oidc-provider carry the page CSP', () => {
  test('its error page and the logout confirmation', async () => {
    for (const path of ['/auth?client_id=unknown-client&response_type=code', '/session/end']) {
      const response = await rawRequest(`${server.issuer}${path}`);
      expect(response.headers['content-type']).toMatch(/html/);
      expect(response.headers['content-security-policy']).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    }
  });

  test('the form_post response page may run exactly its own inline script', async () => {
    await createUser(server, 'formpost@example.com');
    const app = await registerClient(server, { grant_types: ['authorization_code'] });
    const request = await authorizationRequest(app, { response_mode: 'form_post' });
    const browser = new Browser();
    const login = await browser.follow(request.url.toString(), isCallback);
    const consent = await browser.submit(login, /\/login$/, { email: 'formpost@example.com', password: PASSWORD });
    const page = await browser.submit(consent, /\/confirm$/);
    expect(Browser.forms(page)[0]?.action).toBe(REDIRECT_URI);
    const scripts = [...page.html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map(([, source]) => source!);
    expect(scripts.length).toBeGreaterThan(0);
    const csp = page.headers.get('content-security-policy')!;
    for (const source of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(source).digest('base64')}'`);
    expect(csp).not.toContain('unsafe-inline\'; script');
  });

  test('an inline script is allowed by its hash and nothing else', () => {
    const html = '<form method="post"></form><script>document.forms[0].submit()</script>';
    const expected = createHash('sha256').update('document.forms[0].submit()').digest('base64');
    expect(pageCspFor(html)).toContain(`script-src 'sha256-${expected}'`);
    expect(pageCspFor('<p>no script</p>')).not.toContain('script-src');
  });
});
