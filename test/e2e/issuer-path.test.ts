import { jest } from '@jest/globals';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Browser as Chromium } from 'playwright-core';
import { Browser } from '../support/browser.ts';
import { describeInChromium, launchChromium, look, screenshotFolder } from '../support/chromium.ts';
import { authorizationRequest, createUser, exchange, PASSWORD, REDIRECT_URI, registerClient, signIn } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { freePort } from '../support/free-port.ts';
import { connectWithSignIn, TestClientProvider } from '../support/mcp-client.ts';
import { answersOk, ROOT, startNode } from '../support/processes.ts';

/** An ISSUER with a path: the whole app is served under it, and discovery at every well-known URL clients try. */
jest.setTimeout(120_000);
const PATH = '/tenants/acme';
let server: TestServer;
let origin: string;

beforeAll(async () => {
  server = await startTestServer({ REGISTRATION: 'open' }, { issuerPath: PATH });
  origin = new URL(server.issuer).origin;
});
afterAll(() => server?.close());

const getJson = async (url: string) => {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
};

describe('discovery with a path in ISSUER', () => {
  test.each([
    ['path-inserted, RFC 8414', `/.well-known/oauth-authorization-server${PATH}`],
    ['path-inserted, OpenID Connect', `/.well-known/openid-configuration${PATH}`],
    ['path-appended, OpenID Connect', `${PATH}/.well-known/openid-configuration`],
    ['path-appended, RFC 8414', `${PATH}/.well-known/oauth-authorization-server`],
  ])('%s (%s) answers with the issuer and endpoints under its path', async (_kind, path) => {
    const { status, body } = await getJson(`${origin}${path}`);
    expect(status).toBe(200);
    expect(body.issuer).toBe(server.issuer);
    for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint']) {
      expect(String(body[name])).toMatch(new RegExp(`^${server.issuer}/`));
    }
    expect(body.code_challenge_methods_supported).toEqual(['S256']);
    expect(body.authorization_response_iss_parameter_supported).toBe(true);
    expect(body.client_id_metadata_document_supported).toBe(true);
  });

  test('the root well-known URLs, which name another issuer, are not answered', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration/tenants/other', '/auth']) {
      const { status, body } = await getJson(`${origin}${path}`);
      expect(status).toBe(404);
      expect(body).toEqual({ error: 'invalid_request', error_description: `nothing is served at ${path}: this server's paths are under ${PATH}` });
    }
  });

  test('a browser outside the path gets a page, probes and the pointer to the issuer stay at the root', async () => {
    const page = await fetch(`${origin}/account`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('Page not found');
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}${PATH}/healthz`)).status).toBe(200);
    for (const at of ['/', PATH]) expect((await getJson(`${origin}${at}`)).body).toMatchObject({ issuer: server.issuer, discovery: `${server.issuer}/.well-known/openid-configuration` });
  });
});

describe('sign-in under the path', () => {
  test('openid-client discovers the issuer both ways and completes code + PKCE', async () => {
    await createUser(server, 'path.user@example.com');
    const client = await registerClient(server, { scope: 'openid email' });
    for (const algorithm of ['oidc', 'oauth2'] as const) {
      const config = await oidc.discovery(new URL(server.issuer), client.clientId, {}, oidc.ClientSecretBasic(client.clientSecret), { algorithm, execute: [oidc.allowInsecureRequests] });
      expect(config.serverMetadata().issuer).toBe(server.issuer);
      const request = await authorizationRequest({ ...client, config }, { scope: 'openid email' });
      expect(request.url.href.startsWith(`${server.issuer}/auth?`)).toBe(true);
      const callback = await signIn(new Browser(), request, 'path.user@example.com');
      expect(callback.searchParams.get('iss')).toBe(server.issuer);
      const tokens = await exchange({ ...client, config }, callback, request);
      expect(tokens.claims()?.iss).toBe(server.issuer);
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub as string);
      expect(userinfo.email).toBe('path.user@example.com');
    }
  });
});

describe('an MCP client under the path', () => {
  test("the official SDK finds the authorization server at its path-inserted metadata, registers, signs in and calls a tool", async () => {
    await createUser(server, 'path.mcp@example.com');
    const port = await freePort();
    const mcpUrl = `http://127.0.0.1:${port}/mcp`;
    await server.services.resources.create({ identifier: mcpUrl, scopes: ['mcp:tools'], userAccess: 'any-client', accessTokenTtl: 300 });
    const example = await startNode(join(ROOT, 'examples/mcp-server/server.mjs'), [], {
      env: { ...process.env, PORT: String(port), ISSUER: server.issuer, MCP_URL: mcpUrl },
      isReady: answersOk(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`),
    });
    const asked: string[] = [];
    const ownFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      asked.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
      return ownFetch(input, init);
    };
    try {
      const client = await connectWithSignIn(mcpUrl, new TestClientProvider(), 'path.mcp@example.com');
      const result = (await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })) as { content: { text: string }[] };
      expect(result.content[0]?.text).toBe('3');
      await client.close();
    } finally {
      globalThis.fetch = ownFetch;
      await example.stop();
    }
    expect(asked).toContain(`/.well-known/oauth-authorization-server${PATH}`);
    expect(asked).toContain(`${PATH}/reg`);
  });
});

describeInChromium('the pages under the path, in Chromium', () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(() => chromium?.close());

  test('login, consent and the account page work, every link and cookie stays under the path', async () => {
    const shots = await screenshotFolder('issuer-path');
    await createUser(server, 'path.chromium@example.com');
    const app = await registerClient(server, { client_name: 'Acme Notes', scope: 'openid email' });
    const request = await authorizationRequest(app, { scope: 'openid email' });
    const context = await chromium.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const outside: string[] = [];
    page.on('request', (sent) => {
      const url = new URL(sent.url());
      if (url.origin === origin && !url.pathname.startsWith(`${PATH}/`)) outside.push(url.pathname);
    });
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the app' }));

    await page.goto(request.url.href);
    expect(new URL(page.url()).pathname.startsWith(`${PATH}/interaction/`)).toBe(true);
    await look(page, shots, '1-login');
    await page.getByLabel('Email').fill('path.chromium@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    const tokens = await exchange(app, new URL(page.url()), request);
    expect(tokens.claims()?.iss).toBe(server.issuer);

    // The browser's session from the sign-in above signs it in to its account page too.
    await page.goto(`${server.issuer}/account`);
    await page.waitForURL(`${server.issuer}/account`);
    await expect(page.getByText('Acme Notes').isVisible()).resolves.toBe(true);
    await look(page, shots, '2-account');
    const links = page.locator('a[href^="/"], form[action^="/"], [data-verify]');
    expect(await links.count()).toBeGreaterThan(5);
    for (const link of await links.all()) {
      const target = (await link.getAttribute('href')) ?? (await link.getAttribute('action')) ?? '';
      expect(target.startsWith(`${PATH}/`)).toBe(true);
    }
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname.startsWith(`${PATH}/`)).toBe(true);

    const cookies = await context.cookies();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.path === '/' || cookie.path.startsWith(`${PATH}/`)).toBe(true);
    expect(outside).toEqual([]);
    await context.close();
  });
});
