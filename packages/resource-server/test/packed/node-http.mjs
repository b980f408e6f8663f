// A bare node:http API as a user of the published package writes it, in plain JavaScript.
// test/pack.test.ts copies this file into a temporary project where the packed tarball is installed.
import { createServer } from 'node:http';
import { createResourceServer } from '@portcullis/resource-server';
import { authenticate, protectedResourceMetadata } from '@portcullis/resource-server/node';

const rs = createResourceServer({
  issuer: process.env.ISSUER,
  audience: process.env.AUDIENCE,
  resourceMetadata: { scopesSupported: ['orders:read'] },
});
const serveMetadata = protectedResourceMetadata(rs);

const server = createServer(async (req, res) => {
  if (serveMetadata(req, res)) return;
  const auth = await authenticate(rs, req, res, 'orders:read');
  if (!auth) return;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ framework: 'node:http', auth }));
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
