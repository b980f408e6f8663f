// An MCP server (official SDK, Streamable HTTP) whose tools only a Portcullis access token opens.
// Environment: PORT (default 3002; 3001 is Portcullis's admin API), ISSUER (Portcullis, default http://localhost:3000), MCP_URL (this
// server's canonical URI, the resource its tokens must name; default http://localhost:$PORT/mcp).
import express from 'express';
import { z } from 'zod';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createResourceServer } from '@portcullis/resource-server';
import { protectedResourceMetadata } from '@portcullis/resource-server/express';
import { mcpBearerAuthOptions } from '@portcullis/resource-server/mcp';

const port = Number(process.env.PORT ?? 3002);
const issuer = (process.env.ISSUER ?? 'http://localhost:3000').replace(/\/+$/, '');
const mcpUrl = process.env.MCP_URL ?? `http://localhost:${port}/mcp`;
const SCOPE = 'mcp:tools';

const rs = createResourceServer({
  issuer,
  audience: mcpUrl,
  resourceMetadata: { scopesSupported: [SCOPE], resourceName: 'Portcullis MCP example' },
});

/** A fresh MCP server per request (stateless Streamable HTTP), with two tools. */
function mcpServer() {
  const server = new McpServer({ name: 'portcullis-mcp-example', version: '1.0.0' });
  server.registerTool(
    'whoami',
    { description: 'Who the access token speaks for: the user, the client and the scopes', inputSchema: {} },
    async (_args, { authInfo }) => ({
      content: [{ type: 'text', text: JSON.stringify({ sub: authInfo?.extra?.sub, client_id: authInfo?.clientId, scopes: authInfo?.scopes }) }],
    }),
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  return server;
}

const app = express();
app.use(express.json({ limit: '256kb' }));
app.use(protectedResourceMetadata(rs));
const auth = requireBearerAuth(mcpBearerAuthOptions(rs, { requiredScopes: [SCOPE] }));
app.post('/mcp', auth, async (req, res) => {
  const server = mcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});
// Stateless: no server-sent event stream to resume and no session to end.
for (const method of ['get', 'delete']) app[method]('/mcp', auth, (_req, res) => res.status(405).set('allow', 'POST').json({ error: 'method_not_allowed' }));

const listener = app.listen(port, (error) => {
  if (error) {
    process.stderr.write(`MCP example: cannot listen on port ${port}: ${error.code === 'EADDRINUSE' ? 'it is taken (3001 is Portcullis\'s admin API); choose another with PORT' : error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`MCP example on ${mcpUrl} (tokens from ${issuer}, scope ${SCOPE})\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => listener.close(() => process.exit(0)));
