/**
 * The verifier for the official MCP TypeScript SDK: its requireBearerAuth() in front of a real MCP
 * server (Streamable HTTP), called by the SDK's own client.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo as McpAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { protectedResourceMetadata } from '../src/adapters/express.ts';
import { mcpBearerAuthOptions, mcpTokenVerifier, type McpAuthExtra } from '../src/adapters/mcp.ts';
import { createResourceServer, type ResourceServer } from '../src/index.ts';
import { makeDpopKey, makeKey, now, signAccessToken, startIssuer, type FakeIssuer, type SigningKey, type TestServer } from './helpers.ts';

const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA_URL = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

let key: SigningKey;
let issuer: FakeIssuer;
let rs: ResourceServer;
let mcp: TestServer;

function startMcpServer(): Promise<TestServer> {
  const app = express();
  app.use(express.json());
  app.use(protectedResourceMetadata(rs));
  app.post('/mcp', requireBearerAuth(mcpBearerAuthOptions(rs, { requiredScopes: ['mcp:tools'] })), async (req, res) => {
    // Stateless: a server and a transport per request.
    const server = new McpServer({ name: 'test', version: '1.0.0' });
    server.registerTool('whoami', { description: 'who the token speaks for' }, (extra) => {
      const auth = extra.authInfo;
      const details = auth?.extra as McpAuthExtra | undefined;
      return { content: [{ type: 'text', text: JSON.stringify({ clientId: auth?.clientId, sub: details?.sub, scopes: auth?.scopes }) }] };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const listening = createServer(app);
  return new Promise((resolve) => {
    listening.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            listening.closeAllConnections();
            listening.close(() => done());
          }),
      });
    });
  });
}

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
  issuer = await startIssuer([key]);
  rs = createResourceServer({ issuer: issuer.url, audience: RESOURCE, resourceMetadata: { scopesSupported: ['mcp:tools'] } });
  mcp = await startMcpServer();
});
afterAll(async () => {
  await mcp.close();
  await issuer.close();
});

const token = (claims: Record<string, unknown> = {}) =>
  signAccessToken(key, issuer.url, { claims: { aud: RESOURCE, scope: 'mcp:tools', ...claims } });

describe('mcpTokenVerifier', () => {
  test('is an OAuthTokenVerifier whose AuthInfo has token, clientId, scopes, expiresAt, resource and extra', async () => {
    const verifier: OAuthTokenVerifier = mcpTokenVerifier(rs);
    const exp = now() + 120;
    const accessToken = await token({ exp, aud: [RESOURCE, 'https://other.example.com'] });
    const info: McpAuthInfo = await verifier.verifyAccessToken(accessToken);
    expect(info).toEqual({
      token: accessToken,
      clientId: 'client-1',
      scopes: ['mcp:tools'],
      expiresAt: exp,
      resource: new URL(RESOURCE),
      extra: { sub: 'user-1', subjectType: 'user', tokenType: 'jwt', claims: expect.objectContaining({ iss: issuer.url, exp }) as unknown },
    });
  });

  test("failures become the SDK's errors", async () => {
    const verifier = mcpTokenVerifier(rs);
    await expect(verifier.verifyAccessToken('not a token')).rejects.toMatchObject({
      name: 'InvalidRequestError',
      errorCode: 'invalid_request',
    });
    await expect(verifier.verifyAccessToken(`${await token()}x`)).rejects.toMatchObject({
      errorCode: 'invalid_token',
      message: 'signature verification failed',
    });
    await expect(verifier.verifyAccessToken(await token({ client_id: undefined }))).rejects.toMatchObject({ errorCode: 'invalid_token' });
    // The SDK gives the verifier no request, so no DPoP proof: bound tokens are refused.
    const holder = await makeDpopKey();
    await expect(verifier.verifyAccessToken(await token({ cnf: { jkt: holder.jkt } }))).rejects.toMatchObject({
      errorCode: 'invalid_token',
      message: expect.stringMatching(/DPoP/) as unknown,
    });
  });

  test('mcpBearerAuthOptions hands requireBearerAuth the metadata URL and the expected resource', () => {
    const options = mcpBearerAuthOptions(rs, { requiredScopes: ['mcp:tools'] });
    expect(options).toMatchObject({
      requiredScopes: ['mcp:tools'],
      resourceMetadataUrl: METADATA_URL,
      expectedResource: new URL(RESOURCE),
    });
  });
});

describe('requireBearerAuth(mcpBearerAuthOptions(rs)) in front of an MCP server', () => {
  const post = (authorization?: string) =>
    fetch(`${mcp.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });

  test("the SDK's client calls a tool with a valid token; the tool sees the auth info", async () => {
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${mcp.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${await token()}` } },
    });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      const [content] = result.content as { type: string; text: string }[];
      expect(JSON.parse(content?.text ?? '')).toEqual({ clientId: 'client-1', sub: 'user-1', scopes: ['mcp:tools'] });
    } finally {
      await client.close();
    }
  });

  test('no token: 401 whose challenge names the metadata, which is served', async () => {
    const res = await post();
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer error="invalid_token"/);
    expect(challenge).toContain(`scope="mcp:tools"`);
    expect(challenge).toContain(`resource_metadata="${METADATA_URL}"`);
    const metadata = await fetch(`${mcp.url}${new URL(METADATA_URL).pathname}`);
    expect(await metadata.json()).toMatchObject({
      resource: RESOURCE,
      authorization_servers: [issuer.url],
      scopes_supported: ['mcp:tools'],
    });
  });

  test('a token without the scope: 403 insufficient_scope naming it (step-up)', async () => {
    const res = await post(`Bearer ${await token({ scope: 'openid' })}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="mcp:tools".*resource_metadata=/);
  });

  test('a token for another audience: 401', async () => {
    const res = await post(`Bearer ${await token({ aud: 'https://other.example.com' })}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('access token not intended for this audience');
  });
});
