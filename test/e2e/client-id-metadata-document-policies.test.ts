import { Browser } from '../support/browser.ts';
import { isCallback, REDIRECT_URI } from '../support/flows.ts';
import { startDocumentHost, type DocumentHost } from '../support/metadata-document-host.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * What an operator decides about client ID metadata documents: which domains may publish them
 * (CLIENT_ID_METADATA_DOCUMENT_DOMAINS), how often one host's documents are fetched
 * (CLIENT_ID_METADATA_DOCUMENT_RATE_LIMIT), and whether they are accepted at all.
 */
let host: DocumentHost;
const servers: TestServer[] = [];
const app = { client_name: 'Policy Test Client', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' };

beforeAll(async () => {
  host = await startDocumentHost();
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await host?.close();
});

async function start(overrides: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer({ OUTBOUND_CA_FILE: host.certFile, CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: `${host.host},127.0.0.1:${host.port}`, ...overrides });
  servers.push(server);
  return server;
}

async function atAuth(server: TestServer, clientId: string): Promise<{ status: number; text: string; url: string }> {
  const url = new URL(`${server.issuer}/auth`);
  url.search = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
  const page = await new Browser().follow(url.toString(), isCallback);
  return { status: page.status, text: page.html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '), url: page.url };
}

describe('CLIENT_ID_METADATA_DOCUMENT_DOMAINS and CLIENT_ID_METADATA_DOCUMENT_RATE_LIMIT', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ CLIENT_ID_METADATA_DOCUMENT_DOMAINS: '!127.0.0.1', CLIENT_ID_METADATA_DOCUMENT_RATE_LIMIT: '3' });
  });

  test('a denied domain is refused before anything is fetched, even though its address is allowed', async () => {
    host.publish('/policy/denied.json', app);
    const refused = await atAuth(server, host.url('/policy/denied.json', '127.0.0.1'));
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`Client ID metadata documents from 127.0.0.1:${host.port} are not accepted by this server`);
    expect(host.hits('/policy/denied.json')).toBe(0);
  });

  test('any other domain is accepted', async () => {
    const clientId = host.publish('/policy/accepted.json', app);
    const page = await atAuth(server, clientId);
    expect(page.url).toMatch(/\/interaction\//);
  });

  test('past the limit, documents of the same host are not fetched for the rest of the minute; cached ones still work', async () => {
    const cached = host.publish('/policy/cached.json', app);
    expect((await atAuth(server, cached)).url).toMatch(/\/interaction\//);
    // Two fetches from this host so far (accepted.json and cached.json); one more is allowed.
    host.publish('/policy/third.json', app);
    expect((await atAuth(server, host.url('/policy/third.json'))).url).toMatch(/\/interaction\//);
    host.publish('/policy/fourth.json', app);
    const limited = await atAuth(server, host.url('/policy/fourth.json'));
    expect(limited.status).toBe(400);
    expect(limited.text).toMatch(new RegExp(`too many metadata documents were fetched from ${host.host}; try again in \\d+ seconds`));
    expect(host.hits('/policy/fourth.json')).toBe(0);
    expect((await atAuth(server, cached)).url).toMatch(/\/interaction\//);
    expect(host.hits('/policy/cached.json')).toBe(1);
  });
});

describe('an allow-list', () => {
  test('only the domains it names publish documents', async () => {
    const server = await start({ CLIENT_ID_METADATA_DOCUMENT_DOMAINS: '*.example.org,example.com' });
    const refused = await atAuth(server, host.publish('/policy/not-listed.json', app));
    expect(refused.text).toContain(`Client ID metadata documents from ${host.host} are not accepted by this server`);
    expect(host.hits('/policy/not-listed.json')).toBe(0);
  });
});

describe('CLIENT_ID_METADATA_DOCUMENTS=off', () => {
  test('discovery does not advertise it, and an https client_id is an unknown client', async () => {
    const server = await start({ CLIENT_ID_METADATA_DOCUMENTS: 'off' });
    const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBeUndefined();
    const clientId = host.publish('/policy/off.json', app);
    const refused = await atAuth(server, clientId);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('invalid_client');
    expect(host.hits('/policy/off.json')).toBe(0);
  });
});
