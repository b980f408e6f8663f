import { Browser } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** RFC 8252 7.3: a native client's loopback redirect URI matches whatever port the app listens on. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ REGISTRATION: 'open' });
});
afterAll(() => server.close());

const authorize = (clientId: string, redirectUri: string) => {
  const url = new URL(`${server.issuer}/auth`);
  url.search = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
  return new Browser().request(url.toString());
};

test('a native client registered itself with a loopback redirect URI; any port works, another path or host does not', async () => {
  const answer = await fetch(`${server.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ application_type: 'native', redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', client_name: 'Native app' }),
  });
  expect(answer.status).toBe(201);
  const registered = (await answer.json()) as { client_id: string; client_secret?: string; application_type: string };
  expect(registered).toMatchObject({ application_type: 'native' });
  expect(registered.client_secret).toBeUndefined();
  for (const port of [51234, 8080]) {
    const page = await authorize(registered.client_id, `http://127.0.0.1:${port}/callback`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/interaction\//);
  }
  for (const wrong of ['http://127.0.0.1:51234/other', 'http://localhost:51234/callback']) {
    const page = await authorize(registered.client_id, wrong);
    expect(page.headers.get('location') ?? '').not.toMatch(/^\/interaction\//);
  }
});
