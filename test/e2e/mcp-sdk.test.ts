import { join } from 'node:path';
import { freePort } from '../support/free-port.ts';
import { createUser, REDIRECT_URI } from '../support/flows.ts';
import { connectWithSignIn, TestClientProvider } from '../support/mcp-client.ts';
import { startDocumentHost, type DocumentHost } from '../support/metadata-document-host.ts';
import { answersOk, ROOT, startNode, type RunningProcess } from '../support/processes.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The MCP authorization flow end to end, with the official SDK's client and its own OAuth client
 * provider against examples/mcp-server (the SDK's server, protected by @portcullis/resource-server):
 * 401 → protected resource metadata → authorization server metadata → a client ID metadata
 * document (served over https with a certificate the server is told to trust), or, separately,
 * dynamic registration → code + PKCE with `resource` (the test signs in and consents) → token →
 * tool call. No client is registered beforehand.
 */
const EMAIL = 'mcp.user@example.com';
const SCOPE = 'mcp:tools';
let server: TestServer;
let documents: DocumentHost;
let example: RunningProcess;
let mcpUrl: string;

beforeAll(async () => {
  documents = await startDocumentHost();
  server = await startTestServer({ OUTBOUND_CA_FILE: documents.certFile, CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: documents.host, REGISTRATION: 'open' });
  await createUser(server, EMAIL);
  const port = await freePort();
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  await server.services.resources.create({ identifier: mcpUrl, scopes: [SCOPE, 'mcp:read'], userAccess: 'any-client', accessTokenTtl: 300 });
  example = await startNode(join(ROOT, 'examples/mcp-server/server.mjs'), [], {
    env: { ...process.env, PORT: String(port), ISSUER: server.issuer, MCP_URL: mcpUrl },
    isReady: answersOk(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`),
  });
}, 60_000);
afterAll(async () => {
  await example?.stop();
  await server?.close();
  await documents?.close();
});

const textOf = (result: unknown) => ((result as { content: { text: string }[] }).content[0]?.text ?? '');

test('by client ID metadata document: no registration, consent, a token for the MCP server, tools work', async () => {
  const documentUrl = documents.publish('/mcp-client.json', { client_name: 'SDK test client', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' });
  const provider = new TestClientProvider(documentUrl);
  const client = await connectWithSignIn(mcpUrl, provider, EMAIL);
  const authorize = provider.authorizationUrl!;
  expect(authorize.searchParams.get('client_id')).toBe(documentUrl);
  expect(authorize.searchParams.get('resource')).toBe(mcpUrl);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['add', 'whoami']);
  expect(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5');
  const me = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} }))) as { client_id: string; scopes: string[]; sub: string };
  expect(me).toMatchObject({ client_id: documentUrl, scopes: [SCOPE] });
  await client.close();
});

test('by dynamic registration (the 2025-06-18 fallback): a public client registers itself, then the same flow', async () => {
  const provider = new TestClientProvider();
  const client = await connectWithSignIn(mcpUrl, provider, EMAIL);
  const registered = provider.clientInformation() as { client_id: string; client_secret?: string };
  expect(registered.client_id).toEqual(expect.any(String));
  expect(registered.client_secret).toBeUndefined();
  expect(textOf(await client.callTool({ name: 'add', arguments: { a: 40, b: 2 } }))).toBe('42');
  await client.close();

  // It asked for the API's scope only (no openid, no offline_access) and still got a refresh token,
  // which rotates and keeps the audience: an agent need not sign the person in every few minutes.
  const first = provider.tokens()!;
  expect(first.refresh_token).toEqual(expect.any(String));
  const refreshed = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refresh_token!, client_id: registered.client_id, resource: mcpUrl }),
  });
  const body = (await refreshed.json()) as { access_token: string; refresh_token: string; scope: string };
  expect(refreshed.status).toBe(200);
  expect(body.refresh_token).not.toBe(first.refresh_token);
  expect(body.scope).toBe(SCOPE);
  const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1]!, 'base64url').toString()) as { aud: string };
  expect(claims.aud).toBe(mcpUrl);
});

test('a token for another audience is refused; one without the tool scope gets 403 with a step-up challenge', async () => {
  const other = 'https://other.example.test';
  await server.services.resources.create({ identifier: other, scopes: ['other:read'] });
  const machine = await server.services.clients.create({ grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'other:read mcp:read', audience: [other, mcpUrl] });
  const tokenFor = async (resource: string, scope: string) => {
    const answer = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${machine.client_id}:${machine.client_secret!}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
    });
    return ((await answer.json()) as { access_token: string }).access_token;
  };
  const call = (token: string) =>
    fetch(mcpUrl, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
  const wrongAudience = await call(await tokenFor(other, 'other:read'));
  expect(wrongAudience.status).toBe(401);
  expect(wrongAudience.headers.get('www-authenticate')).toMatch(/invalid_token/);
  const narrow = await call(await tokenFor(mcpUrl, 'mcp:read'));
  expect(narrow.status).toBe(403);
  const challenge = narrow.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/error="insufficient_scope"/);
  expect(challenge).toContain(`scope="${SCOPE}"`);
  expect(challenge).toContain('resource_metadata="');
});
