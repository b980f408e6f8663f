import type { ServerResponse } from 'node:http';
import * as oidc from 'openid-client';
import { adminCall, adminToken, createAdminClient } from '../support/admin.ts';
import { Browser, type Page } from '../support/browser.ts';
import { createUser, isCallback, PASSWORD, REDIRECT_URI } from '../support/flows.ts';
import { startDocumentHost, type DocumentHost } from '../support/metadata-document-host.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * OAuth Client ID Metadata Documents: a client whose client_id is the https URL of its metadata
 * document signs a person in with no registration. The documents are served by this test over https
 * with a self-signed certificate the server trusts through OUTBOUND_CA_FILE, on a loopback host it
 * is allowed to reach through CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS.
 */
let host: DocumentHost;
let server: TestServer;

const EMAIL = 'cimd.user@example.com';
const app = { client_name: 'Example MCP Client', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };

beforeAll(async () => {
  host = await startDocumentHost();
  server = await startTestServer({ OUTBOUND_CA_FILE: host.certFile, CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: host.host });
  await createUser(server, EMAIL);
});
afterAll(async () => {
  await server?.close();
  await host?.close();
});

const discover = (clientId: string) => oidc.discovery(new URL(server.issuer), clientId, {}, oidc.None(), { execute: [oidc.allowInsecureRequests] });

// OpenID Connect grants offline_access (a refresh token) only on a request with prompt=consent.
const OFFLINE = { prompt: 'consent' };

async function authorizationUrl(config: oidc.Configuration, parameters: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...parameters,
  });
  return { url, verifier, state };
}

/** Signs in through the login form; returns the consent page. */
async function toConsent(browser: Browser, url: URL): Promise<Page> {
  let page = await browser.follow(url.toString(), isCallback);
  if (Browser.forms(page).some((form) => /\/login$/.test(form.action))) page = await browser.submit(page, /\/login$/, { email: EMAIL, password: PASSWORD }, isCallback);
  return page;
}

/** What the page says, without its markup. */
const textOf = (page: Page) => page.html.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<\/?strong>/g, '').replace(/<[^>]+>/g, ' ').replace(/&#39;|&rsquo;|’/g, "'").replace(/\s+/g, ' ');

async function refusalAtAuth(clientId: string): Promise<{ status: number; text: string }> {
  const url = new URL(`${server.issuer}/auth`);
  url.search = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
  const page = await new Browser().follow(url.toString(), isCallback);
  return { status: page.status, text: textOf(page) };
}

describe('a client identified by its metadata document', () => {
  test('discovery advertises client_id_metadata_document_supported', async () => {
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
    expect(metadata.token_endpoint_auth_methods_supported).toContain('none');
  });

  test('signs a person in with code + PKCE, no registration; the consent page names both hosts and warns of the loopback redirect', async () => {
    const clientId = host.publish('/apps/mcp-client.json', app, { 'cache-control': 'max-age=600' });
    const config = await discover(clientId);
    const request = await authorizationUrl(config, OFFLINE);
    const browser = new Browser();
    const consent = await toConsent(browser, request.url);
    expect(consent.status).toBe(200);
    const text = textOf(consent);
    expect(text).toContain('Authorize Example MCP Client');
    expect(text).toContain(`The app's details are published by ${host.host}`);
    expect(text).toContain('After you answer, you are sent to 127.0.0.1:9999');
    expect(text).toContain('Careful: your answer goes to a program on this device (127.0.0.1:9999), and any program on this device can claim to be Example MCP Client');
    expect(consent.html).toContain('class="warning"');

    const back = await browser.submit(consent, /\/confirm$/, {}, isCallback);
    expect(isCallback(back.url)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: request.verifier, expectedState: request.state });
    expect(tokens.claims()?.aud).toBe(clientId);
    expect(tokens.claims()?.sub).toBe((await server.services.accounts.resolve(EMAIL)).id);
    expect(tokens.refresh_token).toBeDefined();
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeDefined();
    // One fetch for the whole flow: the shared cache answered every later use.
    expect(host.hits('/apps/mcp-client.json')).toBe(1);
  });

  test('consent is asked again for what was granted before, and never skipped with prompt=none', async () => {
    const clientId = host.publish('/apps/again.json', app);
    const config = await discover(clientId);
    const browser = new Browser();
    const first = await toConsent(browser, (await authorizationUrl(config)).url);
    expect(isCallback((await browser.submit(first, /\/confirm$/, {}, isCallback)).url)).toBe(true);

    const again = await browser.follow((await authorizationUrl(config)).url.toString(), isCallback);
    expect(again.status).toBe(200);
    expect(textOf(again)).toContain('You allowed this app before. An app known only by a web address asks you every time.');

    const silent = await browser.follow((await authorizationUrl(config, { prompt: 'none' })).url.toString(), isCallback);
    expect(new URL(silent.url).searchParams.get('error')).toBe('consent_required');
  });

  test('an https redirect on another host than the document is pointed out', async () => {
    const clientId = host.publish('/apps/web.json', { ...app, redirect_uris: ['https://app.example.net/callback'] });
    const config = await discover(clientId);
    const request = await authorizationUrl(config, { redirect_uri: 'https://app.example.net/callback' });
    const consent = await toConsent(new Browser(), request.url);
    const text = textOf(consent);
    expect(text).toContain('After you answer, you are sent to app.example.net');
    expect(text).toContain(`Careful: you will be sent to app.example.net, not to ${host.host}, which published the app's details.`);
    expect(text).not.toContain('a program on this device');
  });
});

describe('documents that are refused, with a reason', () => {
  test('an http client_id is no metadata document: an unknown client', async () => {
    const refused = await refusalAtAuth(`http://${host.host}/apps/plain.json`);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('invalid_client');
  });

  test.each([
    ['a redirect, which is not followed', '/refused/redirect.json', (res: ServerResponse) => res.writeHead(302, { location: '/apps/mcp-client.json' }).end(), 'the server answered 302 with a redirect, which is not followed'],
    ['a document over 5 KiB', '/refused/large.json', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...app, padding: 'x'.repeat(6000) })), 'the document is larger than 5120 bytes'],
    ['bad JSON', '/refused/bad.json', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"client_id": '), 'the document is not valid JSON'],
    ['an error status', '/refused/missing.json', (res: ServerResponse) => res.writeHead(404).end(), 'the server answered 404 instead of 200'],
  ])('%s', async (_name, path, answer, reason) => {
    const clientId = host.route(path, (_req, res) => answer(res));
    const refused = await refusalAtAuth(clientId);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`The client ID metadata document cannot be used: ${reason}`);
    // The refusal is remembered: asking again does not fetch again.
    await refusalAtAuth(clientId);
    expect(host.hits(path)).toBe(1);
  });

  test('a document that names another client_id, or asks for what only an admin grants', async () => {
    const other = host.publish('/refused/other.json', { ...app, client_id: host.url('/apps/mcp-client.json') });
    expect((await refusalAtAuth(other)).text).toContain('the document client_id is not its own URL');
    const greedy = host.publish('/refused/audience.json', { ...app, audience: ['https://api.example.com'] });
    expect((await refusalAtAuth(greedy)).text).toContain('audience cannot be set by a client ID metadata document');
    const nameless = host.publish('/refused/nameless.json', { redirect_uris: [REDIRECT_URI] });
    expect((await refusalAtAuth(nameless)).text).toContain('the document has no client_name');
    const secret = host.publish('/refused/secret.json', { ...app, token_endpoint_auth_method: 'client_secret_basic' });
    expect((await refusalAtAuth(secret)).text).toContain('token_endpoint_auth_method must be none or private_key_jwt');
  });

  test('a slow host: the fetch gives up after 2.5 seconds', async () => {
    const clientId = host.route('/refused/slow.json', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"client_id":');
      // never finishes: the connection is closed with the host
    });
    const started = Date.now();
    const refused = await refusalAtAuth(clientId);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(refused.text).toContain('the document could not be fetched within 2.5 seconds');
  });

  test('a host on a private address that is not listed in CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS', async () => {
    host.publish('/apps/private.json', app);
    const refused = await refusalAtAuth(host.url('/apps/private.json', '127.0.0.1'));
    expect(refused.text).toContain('the host is on a private or special-use address');
  });

  test('an address literal, IPv4-mapped IPv6 included, is never fetched (review: [::ffff:7f00:1] reached loopback)', async () => {
    host.publish('/apps/mapped.json', app);
    const before = host.hits('/apps/mapped.json');
    for (const literal of ['[::ffff:7f00:1]', '[::ffff:127.0.0.1]', '[::1]']) {
      const refused = await refusalAtAuth(`https://${literal}:${host.port}/apps/mapped.json`);
      expect(refused.text).toContain('the host is on a private or special-use address');
    }
    expect(host.hits('/apps/mapped.json')).toBe(before);
  });
});

describe('admins see the clients that were used and can block one', () => {
  let admin: ReturnType<typeof adminCall>;
  beforeAll(async () => {
    admin = adminCall(server, await adminToken(server, await createAdminClient(server)));
  });

  test('a used client is listed with its host, name and uses; blocking it refuses /auth and /token and ends its grants', async () => {
    const clientId = host.publish('/apps/to-block.json', app);
    const config = await discover(clientId);
    const request = await authorizationUrl(config, OFFLINE);
    const browser = new Browser();
    const back = await browser.submit(await toConsent(browser, request.url), /\/confirm$/, {}, isCallback);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: request.verifier, expectedState: request.state });

    const path = `/admin/v1/metadata-document-clients/${encodeURIComponent(clientId)}`;
    const seen = await admin('GET', path);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ client_id: clientId, host: host.host, client_name: 'Example MCP Client', redirect_uris: [REDIRECT_URI], blocked: false, blocked_at: null });
    expect(seen.body.first_used_at).toEqual(expect.any(String));
    const listed = await admin('GET', '/admin/v1/metadata-document-clients?count=true');
    expect(listed.body.items.map((item) => item.client_id)).toContain(clientId);

    const blocked = await admin('POST', `${path}/block`, { reason: 'impersonates a known app' });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ blocked: true, blocked_reason: 'impersonates a known app' });

    const atToken = await fetch(`${server.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId }) });
    expect(atToken.status).toBe(400);
    expect(await atToken.json()).toEqual({ error: 'invalid_client', error_description: 'this client has been blocked by an administrator of this server' });
    expect((await refusalAtAuth(clientId)).text).toContain('This client has been blocked by an administrator of this server');

    const unblocked = await admin('DELETE', `${path}/block`);
    expect(unblocked.body).toMatchObject({ blocked: false });
    // Its grants ended with the block: the refresh token of before is dead.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    const audit = await admin('GET', '/admin/v1/audit-events?limit=200');
    const actions = audit.body.items.filter((event) => event.target === clientId).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['metadata_document_client.first_used', 'metadata_document_client.blocked', 'metadata_document_client.unblocked']));
  });

  test('a client can be blocked before it is ever used; a bad client_id is a 422 problem, an unknown one a 404', async () => {
    const clientId = host.publish('/apps/pre-blocked.json', app);
    const blocked = await admin('POST', `/admin/v1/metadata-document-clients/${encodeURIComponent(clientId)}/block`);
    expect(blocked.body).toMatchObject({ client_id: clientId, blocked: true, first_used_at: null });
    expect((await refusalAtAuth(clientId)).text).toContain('This client has been blocked');
    expect(host.hits('/apps/pre-blocked.json')).toBe(0);

    const bad = await admin('POST', `/admin/v1/metadata-document-clients/${encodeURIComponent('http://example.com/app.json')}/block`);
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const unknown = await admin('GET', `/admin/v1/metadata-document-clients/${encodeURIComponent('https://nobody.example/app.json')}`);
    expect(unknown.status).toBe(404);
  });
});
