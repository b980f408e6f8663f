import { registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let client: RegisteredClient;
const basic = () => `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;

beforeAll(async () => {
  server = await startTestServer();
  client = await registerClient(server, { grant_types: ['client_credentials', 'authorization_code'] });
});
afterAll(() => server.close());

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${server.issuer}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

const expectProtocolError = async (response: Response, statuses: number[]) => {
  expect(statuses).toContain(response.status);
  const text = await response.text();
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  return text;
};

describe('bad input gets a 4xx in the protocol format, never a 500', () => {
  test('garbage form body at the token endpoint', async () => {
    const text = await expectProtocolError(await post('/token', '%%%&&&=', { authorization: basic() }), [400]);
    expect(JSON.parse(text).error).toBeDefined();
  });

  test('JSON instead of a form at the token endpoint', async () => {
    await expectProtocolError(await post('/token', '{"grant_type":"client_credentials"}', { authorization: basic(), 'content-type': 'application/json' }), [400]);
  });

  test('missing grant_type', async () => {
    const text = await expectProtocolError(await post('/token', 'scope=openid', { authorization: basic() }), [400]);
    expect(JSON.parse(text).error).toBe('invalid_request');
  });

  test('duplicate parameters', async () => {
    const text = await expectProtocolError(await post('/token', 'grant_type=client_credentials&grant_type=client_credentials', { authorization: basic() }), [400]);
    expect(JSON.parse(text).error).toBe('invalid_request');
  });

  test('a malformed Authorization header', async () => {
    await expectProtocolError(await post('/token', 'grant_type=client_credentials', { authorization: 'Basic !!!notbase64' }), [400, 401]);
  });

  test('an oversized token request body', async () => {
    const huge = `grant_type=client_credentials&scope=${'a'.repeat(2 * 1024 * 1024)}`;
    await expectProtocolError(await post('/token', huge, { authorization: basic() }), [400, 413]);
  });

  test('an oversized login form post', async () => {
    const response = await post('/interaction/abc/login', `email=${'a'.repeat(200 * 1024)}`);
    expect([400, 403, 413]).toContain(response.status);
  });

  test('an unknown interaction shows a friendly page', async () => {
    const response = await fetch(`${server.issuer}/interaction/does-not-exist`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('expired');
  });

  test('an authorization request for an unknown client shows an HTML error page', async () => {
    const response = await fetch(`${server.issuer}/auth?client_id=nope&response_type=code&scope=openid`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const html = await response.text();
    expect(html).toContain('<!doctype html>');
    expect(html).toContain('invalid_client');
  });

  test('a very long authorization URL', async () => {
    const response = await fetch(`${server.issuer}/auth?client_id=${client.clientId}&state=${'x'.repeat(100_000)}`, { redirect: 'manual' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  test('introspection without client authentication', async () => {
    const text = await expectProtocolError(await post('/token/introspection', 'token=abc'), [400, 401]);
    expect(['invalid_client', 'invalid_request']).toContain(JSON.parse(text).error);
  });

  test('userinfo with a bogus bearer token', async () => {
    const response = await fetch(`${server.issuer}/me`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('invalid_token');
  });

  test('an unknown route', async () => {
    const response = await fetch(`${server.issuer}/nope`);
    expect(response.status).toBe(404);
  });

  test('the server still works afterwards', async () => {
    const response = await post('/token', 'grant_type=client_credentials', { authorization: basic() });
    expect(response.status).toBe(200);
  });
});

describe('operational endpoints', () => {
  test('healthz and readyz answer', async () => {
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.issuer}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', store: 'ok' } });
  });

  test('security headers are present on provider and own responses', async () => {
    for (const path of ['/.well-known/openid-configuration', '/healthz']) {
      const response = await fetch(`${server.issuer}${path}`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});
