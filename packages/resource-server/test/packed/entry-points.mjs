// Every entry point of the published package loads without the frameworks it adapts to (none is
// installed next to this file but Express and Fastify), except /mcp, which needs the MCP SDK.
const entries = {};
for (const name of ['', '/koa', '/express', '/fastify', '/node']) {
  entries[`@portcullis/resource-server${name}`] = Object.keys(await import(`@portcullis/resource-server${name}`)).sort();
}
let mcp;
try {
  await import('@portcullis/resource-server/mcp');
  mcp = 'loaded';
} catch (error) {
  mcp = `${error.code}: ${error.message.includes('@modelcontextprotocol/sdk') ? 'needs @modelcontextprotocol/sdk' : error.message}`;
}
console.log(JSON.stringify({ entries, mcp }));
